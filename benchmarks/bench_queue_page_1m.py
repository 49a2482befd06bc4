"""The town work queue at a million entries: the page and the API against a bare indexed SELECT.

Data: 1,000,000 push-list entries spread evenly over the six towns (COPY via psycopg2), ~70 % still
待核查. Measured, each the median of several warm runs:
  * seconds: GET /entries/?status=pending as a 凤麓街道 town user (django.test.Client, full stack:
    middleware, filters, LazyPaginator page of 50, funnel, template);
  * api_seconds: GET /api/entries/?status=pending (exact count + page of 50);
  * baseline_seconds: ``SELECT <the table's columns> FROM enrolment_pushentry WHERE town_id=%s AND
    status='pending' ORDER BY id LIMIT 50`` through a cursor.
queries counts the page's SQL statements except the session row, the request user row and the
permission lookups that django.contrib.auth does on every request (``queries_total`` has them all).
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

ENTRIES = 1_000_000
RUNS = 7
NULL = "\\N"  # COPY's text-format null
_INFRASTRUCTURE = ('"django_session"', '"campaigns_user"', '"auth_permission"', '"auth_group"')


def _median(action: Callable[[], object]) -> float:
    action()  # warm up: connections, template cache, plan cache
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _setup() -> tuple[object, object]:
    from campaigns.models import Campaign, Role, Town, User, Village
    from campaigns.roles import group_for
    from enrolment.models import Batch, ImportStatus, ListKind, PushEntry

    if not Campaign.objects.filter(document_number="澄政办发〔2021〕32号").exists():
        call_command("loaddata", "chengjiang_2021", verbosity=0)
    campaign = Campaign.objects.get(document_number="澄政办发〔2021〕32号")
    towns = list(Town.objects.filter(county=campaign.county).order_by("id"))
    fenglu = next(t for t in towns if t.name == "凤麓街道")
    user, _ = User.objects.get_or_create(username="bench_fenglu", defaults={"role": Role.TOWN, "town": fenglu})
    user.groups.add(group_for(Role.TOWN))

    if PushEntry.objects.filter(campaign=campaign).count() < ENTRIES:
        PushEntry.objects.filter(campaign=campaign).delete()
        batches = {
            kind: Batch.objects.get_or_create(
                campaign=campaign,
                kind=kind,
                sha256=f"bench{kind}".ljust(64, "0"),
                defaults={
                    "label": f"基准{kind}",
                    "file": "bench.xlsx",
                    "file_name": "bench.xlsx",
                    "status": ImportStatus.DONE,
                },
            )[0]
            for kind in ListKind.values
        }
        villages: dict[int, list[int | None]] = {town.pk: [] for town in towns}
        for village in Village.objects.filter(town__in=towns):
            villages[village.town_id].append(village.pk)
        for town in towns:
            if not villages[town.pk]:
                villages[town.pk] = [Village.objects.create(town=town, name=f"{town.short_name}基准社区").pk]
        _copy_entries(campaign.pk, towns, villages, batches)
    with connection.cursor() as cursor:
        # What autovacuum does soon after a bulk load in production: statistics, and the visibility
        # map that lets the funnel's counts be answered from the (town, status, id) index alone.
        cursor.execute("VACUUM ANALYZE enrolment_pushentry")
    return user, fenglu


def _copy_entries(campaign_id: int, towns: list, villages: dict, batches: dict) -> None:
    kinds = ["employed_person", "person", "interrupted", "employer", "pneumoconiosis_employer"]
    # 70 % pending; the rest worked. not_due needs its reason (a check constraint).
    statuses = ["pending"] * 14 + ["enrolled"] * 3 + ["not_due", "refused", "unreachable"]
    columns = (
        "campaign_id, kind, key, name, town_id, village_id, batch_id, pushed_times, phone, address, employer_name, "
        "interrupted_insurance, legal_rep, industry, status, not_due_reason, enrolled_insurance, enrolled_on, note, "
        "version, created_at"
    )
    chunk = 200_000
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for start in range(0, ENTRIES, chunk):
            buffer = io.StringIO()
            write = buffer.write
            for i in range(start, min(start + chunk, ENTRIES)):
                town = towns[i % len(towns)]
                town_villages = villages[town.pk]
                kind = kinds[(i // 6) % 5] if i % 10 else kinds[3]
                status = statuses[(i // 7) % len(statuses)]
                enrolled = status == "enrolled"
                enrolled_on = "2021-06-01" if enrolled else NULL
                write(
                    f"{campaign_id}\t{kind}\t{530422000000000000 + i}\t测试人员{i}\t{town.pk}\t"
                    f"{town_villages[i % len(town_villages)]}\t{batches[kind].pk}\t1\t13800000000\t\t\t\t\t\t"
                    f"{status}\t{'student' if status == 'not_due' else ''}\t{'employee_pension' if enrolled else ''}\t"
                    f"{enrolled_on}\t\t1\t2021-06-01 00:00:00+08\n"
                )
            buffer.seek(0)
            raw.copy_expert(f"COPY enrolment_pushentry ({columns}) FROM STDIN", buffer)


def run() -> dict:
    from enrolment.models import PushEntry

    user, fenglu = _setup()
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    columns = ", ".join(f'"{field.column}"' for field in PushEntry._meta.concrete_fields)
    sql = f"SELECT {columns} FROM enrolment_pushentry WHERE town_id = %s AND status = 'pending' ORDER BY id LIMIT 50"

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [fenglu.pk])
            cursor.fetchall()

    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):

        def page() -> None:
            response = client.get("/entries/", {"status": "pending"})
            assert response.status_code == 200, response.status_code

        def api() -> None:
            response = client.get("/api/entries/", {"status": "pending"})
            assert response.status_code == 200, response.status_code

        seconds = _median(page)
        api_seconds = _median(api)
        baseline_seconds = _median(baseline)
        with CaptureQueriesContext(connection) as page_queries:
            page()
        with CaptureQueriesContext(connection) as api_queries:
            api()

    def counted(captured: CaptureQueriesContext) -> list[str]:
        return [q["sql"] for q in captured.captured_queries if not any(t in q["sql"] for t in _INFRASTRUCTURE)]

    page_sql = counted(page_queries)
    return {
        "seconds": seconds,
        "baseline_seconds": baseline_seconds,
        "ratio": seconds / baseline_seconds,
        "queries": len(page_sql),
        "queries_total": len(page_queries.captured_queries),
        "api_seconds": api_seconds,
        "api_queries": len(counted(api_queries)),
        "entries": PushEntry.objects.count(),
        "counted_sql": [q[:60] for q in page_sql],
    }


if __name__ == "__main__":  # pragma: no cover
    import django

    django.setup()
    print(run())
