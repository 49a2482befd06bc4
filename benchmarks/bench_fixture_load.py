"""A smoke benchmark of the runner itself: loading the 2021 campaign, against a bare INSERT of the same rows."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Campaign


def run() -> dict:
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        call_command("loaddata", "chengjiang_2021", verbosity=0)
        seconds = time.perf_counter() - started
    rows = 61
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_rows (id int, payload text)")
        started = time.perf_counter()
        cursor.executemany("INSERT INTO bench_rows VALUES (%s, %s)", [(i, "x" * 200) for i in range(rows)])
        baseline = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_rows")
    assert Campaign.objects.count() == 1
    return {"seconds": seconds, "baseline_seconds": baseline, "ratio": seconds / baseline, "queries": len(ctx)}
