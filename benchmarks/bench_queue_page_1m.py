"""The work queue page at a million entries, for each role, against a bare indexed SELECT.

Data: ``benchmarks.entries_data`` (1,000,000 entries over six towns, ~70 % 待核查). Measured, each the median of
several warm runs: ``GET /entries/?status=pending`` through the full stack (middleware, filters, page of 50,
funnel, template) as a 凤麓街道 town user (``seconds``), an office user (``office_seconds``) and a county admin
(``admin_seconds``, who sees unmasked data: each page view is on record). ``baseline_seconds``: the town's bare
``SELECT … WHERE town_id = … AND status = 'pending' ORDER BY id LIMIT 50`` through a cursor
(``office_baseline_seconds``: the same over every town). ``queries`` (``office_queries``, ``admin_queries``)
count the page's SQL statements without the session, user and permission lookups of every request.
``BENCH_SCALE=3`` measures the same at 3,000,000 entries (``run_scaled``, recorded as ``queue_page_3m``).
"""

from __future__ import annotations

from benchmarks import entries_data

PATH = "/entries/"
PARAMS = {"status": "pending"}


def _setup() -> tuple[object, object]:
    """1,000,000 entries and the town user (the dashboard benchmark loads the same data)."""
    entries_data.ensure_entries(entries_data.MILLION)
    user = entries_data.users()["town"]
    return user, user.town


def _run(entries: int) -> dict:
    figures = entries_data.measure_roles(PATH, PARAMS, entries=entries)
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
