"""What the command-line importers print, in one place, for the scripts that read their output."""

from __future__ import annotations

# The line before the counts, when rows were refused: a label a person reads, then the path a script takes.
REJECTED_ROWS_LABEL = "rejected rows: "


def rejected_rows_line(path: str) -> str:
    return f"{REJECTED_ROWS_LABEL}{path}"
