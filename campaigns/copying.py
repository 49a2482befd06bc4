"""PostgreSQL's COPY: the text format of one value, and the one door every COPY of the application goes through.

COPY is how rows are written where a multi-row INSERT would spend more time adapting its parameters and parsing
its statement than the server spends storing them: the entries of an import, their pushes, the snapshots of a
recompute. PostgreSQL only; the callers keep an INSERT for the other backends.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

NULL = "\\N"

# What psycopg2 reads of a COPY's buffer at a time. Each piece is sent with the GIL released and taken back
# after: with the file being read in another thread (`read_ahead`), every handover waits out that thread's
# switch interval, so a chunk goes in a few large pieces rather than in psycopg2's default 8 kB ones.
_COPY_PIECE = 4 << 20


def copy_value(value: object) -> str:
    """One value in COPY's text format: NULL, a boolean, text with its tabs, newlines and backslashes escaped,
    a date or a datetime in ISO 8601, or any other value as ``str`` gives it (numbers, Decimals)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def copy_expert(cursor: Any, sql: str, buffer: io.StringIO) -> None:
    """Every COPY goes through here (the raw psycopg2 cursor: Django's query log does not see it)."""
    cursor.copy_expert(sql, buffer, size=_COPY_PIECE)


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """COPY ``rows`` (each a sequence of values in the order of ``columns``) into ``table``, on the default
    connection, in the caller's transaction."""
    quote = connection.ops.quote_name
    text = "".join(["\t".join([copy_value(value) for value in row]) + "\n" for row in rows])
    with connection.cursor() as cursor:
        copy_expert(
            cursor.cursor,
            f"COPY {quote(table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN",
            io.StringIO(text),
        )
