"""``/api/entries/`` at a million entries, for each role, against a bare indexed SELECT.

Data: ``benchmarks.entries_data`` (1,000,000 entries over six towns, ~70 % 待核查). Measured, each the median of
several warm runs: ``GET /api/entries/?status=pending`` (its ``count`` and a page of 50) through the full stack
as a 凤麓街道 town user (``seconds``), an office user (``office_seconds``) and a county admin (``admin_seconds``,
unmasked: each list on record); ``keyset_seconds`` (``keyset_office_seconds``…): the page after an entry half-way
through (``?after=``). ``baseline_seconds``: the town's bare page SELECT through a cursor. Query counts as for the
queue page.
``BENCH_SCALE=3`` measures the same at 3,000,000 entries (``run_scaled``, recorded as ``api_entries_3m``).
"""

from __future__ import annotations

from benchmarks import entries_data

PATH = "/api/entries/"
PARAMS = {"status": "pending"}


def _run(entries: int) -> dict:
    figures = entries_data.measure_roles(PATH, PARAMS, entries=entries)
    # The page after an entry half-way through (keyset): as fast as the first page.
    keyset = entries_data.measure_roles(PATH, {**PARAMS, "after": str(entries // 2)}, entries=entries)
    figures.update({f"keyset_{name}": value for name, value in keyset.items() if name.endswith("seconds")})
    baseline_seconds = entries_data.baseline(town=True)
    return {
        **figures,
        "baseline_seconds": round(baseline_seconds, 5),
        "office_baseline_seconds": round(entries_data.baseline(town=False), 5),
        "ratio": round(figures["seconds"] / baseline_seconds, 2),
    }


def run() -> dict:
    return _run(entries_data.MILLION)


def run_scaled(scale: int) -> dict:
    return _run(scale * entries_data.MILLION)
