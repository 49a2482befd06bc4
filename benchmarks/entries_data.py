"""Push-list entries for the list benchmarks (queue page, API), grown to the size asked, and a client per role.

Entries spread evenly over the six towns (COPY via psycopg2), ~70 % still 待核查, five kinds. Growing keeps the
rows already there, so the 3M run (``BENCH_SCALE=3``) adds 2M entries to the 1M ones the 1M figures measured.
"""

from __future__ import annotations

import io
import os
import statistics
import time
from collections.abc import Callable

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

MILLION = 1_000_000
RUNS = 7
NULL = "\\N"  # COPY's text-format null
# The session row, the request user and the permission lookups django.contrib.auth does on every request.
INFRASTRUCTURE = ('"django_session"', '"campaigns_user"', '"auth_permission"', '"auth_group"')
ROLES = ("town", "office", "admin")


def scale() -> int:
    """``BENCH_SCALE``: 3 runs the list benchmarks at 3M entries too."""
    return max(1, int(os.environ.get("BENCH_SCALE", "1") or 1))


def median(action: Callable[[], object], runs: int = RUNS) -> float:
    action()  # warm up: connections, template cache, plan cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def counted(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if not any(t in q["sql"] for t in INFRASTRUCTURE)]


def campaign():
    from campaigns.models import Campaign

    if not Campaign.objects.filter(document_number="澄政办发〔2021〕32号").exists():
        call_command("loaddata", "chengjiang_2021", verbosity=0)
    return Campaign.objects.get(document_number="澄政办发〔2021〕32号")


def users() -> dict[str, object]:
    """A 凤麓街道 town user, an office user and a county admin (who sees unmasked data, each view on record)."""
    from campaigns.models import Role, Town, User
    from campaigns.roles import group_for

    county = campaign().county
    fenglu = Town.objects.get(county=county, name="凤麓街道")
    specs = {
        "town": ("bench_fenglu", {"role": Role.TOWN, "town": fenglu}),
        "office": ("bench_office", {"role": Role.OFFICE, "county": county}),
        "admin": ("bench_admin", {"role": Role.ADMIN, "county": county}),
    }
    found = {}
    for role, (username, defaults) in specs.items():
        user, _ = User.objects.get_or_create(username=username, defaults=defaults)
        user.groups.add(group_for(defaults["role"]))
        found[role] = user
    return found


def clients() -> dict[str, Client]:
    found = {}
    for role, user in users().items():
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        found[role] = client
    return found


def ensure_entries(total: int) -> int:
    """At least ``total`` entries in the campaign (added by COPY, then VACUUM ANALYZE); returns the count."""
    from campaigns.models import Town, Village
    from enrolment.models import Batch, ImportStatus, ListKind, PushEntry

    the_campaign = campaign()
    towns = list(Town.objects.filter(county=the_campaign.county).order_by("id"))
    held = PushEntry.objects.filter(campaign=the_campaign).count()
    if held >= total:
        return held
    batches = {
        kind: Batch.objects.get_or_create(
            campaign=the_campaign,
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
    villages: dict[int, list[int]] = {town.pk: [] for town in towns}
    for village in Village.objects.filter(town__in=towns):
        villages[village.town_id].append(village.pk)
    for town in towns:
        if not villages[town.pk]:
            villages[town.pk] = [Village.objects.create(town=town, name=f"{town.short_name}基准社区").pk]
    _copy_entries(the_campaign.pk, towns, villages, batches, start=held, stop=total)
    with connection.cursor() as cursor:
        # What autovacuum does soon after a bulk load in production: statistics, and the visibility
        # map that lets index-only scans answer counts.
        cursor.execute("VACUUM ANALYZE enrolment_pushentry")
    return PushEntry.objects.filter(campaign=the_campaign).count()


def _copy_entries(campaign_id: int, towns: list, villages: dict, batches: dict, *, start: int, stop: int) -> None:
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
        for first in range(start, stop, chunk):
            buffer = io.StringIO()
            write = buffer.write
            for i in range(first, min(first + chunk, stop)):
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


def measure_roles(path: str, params: dict[str, str], *, entries: int) -> dict[str, object]:
    """GET ``path`` as each role (median of RUNS warm runs) with its query count, at ``entries`` entries."""
    from django.test.utils import override_settings

    held = ensure_entries(entries)
    figures: dict[str, object] = {"entries": held}
    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        for role, client in clients().items():

            def get(client: Client = client) -> None:
                response = client.get(path, params)
                assert response.status_code == 200, response.status_code

            seconds = median(get)
            with CaptureQueriesContext(connection) as captured:
                get()
            prefix = "" if role == "town" else f"{role}_"
            sql = counted(captured)
            figures[f"{prefix}seconds"] = round(seconds, 4)
            figures[f"{prefix}queries"] = len(sql)
            figures[f"{prefix}counted_sql"] = [q[:80] for q in sql]
            figures[f"{prefix}plans"] = [_plan(q) for q in sql if '"enrolment_pushentry"' in q or "entrycount" in q]
    return figures


def _plan(sql: str) -> list[str]:
    """EXPLAIN ANALYZE of a statement the page ran (its parameters already in the captured text)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) {sql}")
        return [line for (line,) in cursor.fetchall()][:14]


def baseline(*, town: bool) -> float:
    """The floor: the page's bare indexed SELECT of 50 pending rows through a cursor (one town, or all)."""
    from campaigns.models import Town
    from enrolment.models import PushEntry

    columns = ", ".join(f'"{field.column}"' for field in PushEntry._meta.concrete_fields)
    county = campaign().county
    town_ids = list(Town.objects.filter(county=county).values_list("id", flat=True))
    if town:
        town_ids = [Town.objects.get(county=county, name="凤麓街道").pk]
    sql = (
        f"SELECT {columns} FROM enrolment_pushentry WHERE town_id = ANY(%s) AND status = 'pending' ORDER BY id LIMIT 50"
    )

    def select() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [town_ids])
            cursor.fetchall()

    return median(select)
