"""The leadership dashboard at 1,000,000 enrolment records and 1,000,000 push-list entries.

Data: the 2021 Chengjiang campaign, the records of ``bench_recompute_1m`` and the entries of
``bench_queue_page_1m`` (both COPYed in), then one progress refresh (snapshots and push-list tallies), as the
worker keeps them. Measured, each the median of several warm runs:

- ``seconds``: ``GET /dashboard/?as_of=2021-12-31`` as an office user through the full stack (middleware,
  every panel, the django-tables2 matrix, the SVG charts, the template);
- ``baseline_seconds``: the bare snapshot SELECTs the page needs (the date's snapshots with their indicator
  and town, the month ends' completions) through a cursor, rows fetched;
- ``queries`` (without the session, user and permission lookups every request makes) at this size, and
  ``queries_empty`` for the same page before any record or entry was loaded: they must be equal.
"""

from __future__ import annotations

import datetime
import statistics
import time
from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from benchmarks import bench_queue_page_1m as queue_bench
from benchmarks import bench_recompute_1m as recompute_bench

AS_OF = datetime.date(2021, 12, 31)
RUNS = 7
_INFRASTRUCTURE = ('"django_session"', '"campaigns_user"', '"auth_permission"', '"auth_group"')


def _median(action: Callable[[], object]) -> float:
    action()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _counted(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if not any(t in q["sql"] for t in _INFRASTRUCTURE)]


SNAPSHOT_SQL = (
    "SELECT s.*, i.*, t.* FROM targets_progresssnapshot s JOIN targets_indicator i ON i.id = s.indicator_id"
    " LEFT JOIN campaigns_town t ON t.id = s.town_id WHERE s.campaign_id = %(campaign)s AND s.as_of = %(day)s"
    " ORDER BY i.order, i.id, t.order, t.id"
)
TREND_SQL = (
    "SELECT indicator_id, town_id, as_of, completion, time_progress FROM targets_progresssnapshot"
    " WHERE campaign_id = %(campaign)s AND as_of = ANY(%(days)s)"
)


def run() -> dict:
    from campaigns.models import Role, User
    from campaigns.roles import group_for
    from enrolment.models import EnrolmentRecord, PushEntry
    from targets.selectors import trend_dates
    from targets.services import progress_refresh

    campaign = recompute_bench._campaign()
    office, _ = User.objects.get_or_create(username="bench-dashboard", defaults={"role": Role.OFFICE})
    office.groups.add(group_for(Role.OFFICE))
    client = Client()
    client.force_login(office, backend="django.contrib.auth.backends.ModelBackend")
    url = f"/dashboard/?as_of={AS_OF.isoformat()}"

    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):

        def page() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        progress_refresh(campaign=campaign)
        page()  # stores the month ends' snapshots once
        with CaptureQueriesContext(connection) as empty_queries:
            page()

        started = time.perf_counter()
        towns = list(campaign.county.towns.values_list("pk", flat=True))
        recompute_bench._copy_records(campaign, towns)
        queue_bench._setup()  # 1,000,000 entries (kept for the queue benchmark that follows)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE enrolment_enrolmentrecord")
        refresh_started = time.perf_counter()
        progress_refresh(campaign=campaign)
        refresh_seconds = time.perf_counter() - refresh_started
        setup_seconds = time.perf_counter() - started

        seconds = _median(page)
        with CaptureQueriesContext(connection) as queries:
            page()
        dates = trend_dates(campaign, AS_OF)

        def baseline() -> None:
            with connection.cursor() as cursor:
                cursor.execute(SNAPSHOT_SQL, {"campaign": campaign.pk, "day": AS_OF})
                cursor.fetchall()
                cursor.execute(TREND_SQL, {"campaign": campaign.pk, "days": dates})
                cursor.fetchall()

        baseline_seconds = _median(baseline)
    records = EnrolmentRecord.objects.count()
    entries = PushEntry.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE enrolment_enrolmentrecord")  # the recompute benchmark loads its own
    page_sql = _counted(queries)
    return {
        "seconds": round(seconds, 4),
        "baseline_seconds": round(baseline_seconds, 4),
        "ratio": round(seconds / baseline_seconds, 2),
        "queries": len(page_sql),
        "queries_empty": len(_counted(empty_queries)),
        "records": records,
        "entries": entries,
        "refresh_seconds": round(refresh_seconds, 2),
        "setup_seconds": round(setup_seconds, 1),
        "counted_sql": [sql[:70] for sql in page_sql],
    }
