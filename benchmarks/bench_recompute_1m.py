"""Full progress recompute over 1,000,000 enrolment records, against the bare grouped aggregates it needs.

Data: the 2021 Chengjiang campaign (loaded if absent), 1,000,000 records COPYed in (six towns, four
insurance types, enrolment dates spread over the campaign, contributions on resident pension, some
transfers), 2,000 construction projects and 300 roster rows. Measured (``by_turns``: after a warm-up of each, the
floor and the recompute taken fifteen times by turns, so that each pair shares the moment's neighbours on a shared
machine; the best of each, every run in ``runs_seconds`` and ``baseline_runs_seconds``):

- ``seconds``: ``progress_recompute`` for one date — every indicator, the city and every town, the
  snapshots replaced in one transaction;
- ``baseline_seconds``: the same grouped-aggregate SELECTs run bare through a cursor, rows fetched;
- ``api_seconds`` / ``api_queries``: ``GET /api/progress/`` through the full middleware stack, answered
  from the stored snapshots.
"""

from __future__ import annotations

import datetime
import io
import itertools
import os
import random
import time
from collections.abc import Iterator

from django.core.management import call_command
from django.core.signals import request_started
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from benchmarks import turns
from campaigns.models import Campaign, Role, Town, User
from targets.services import progress_recompute

RECORDS = int(os.environ.get("BENCH_RECOMPUTE_RECORDS", 1_000_000))
AS_OF = datetime.date(2021, 12, 31)
RUNS = 15  # pairs of (floor, recompute), taken by turns: at five, one unlucky minimum moved the ratio by 0.1
INSURANCES = ["employee_pension", "unemployment", "work_injury", "resident_pension"]
WEIGHTS = [0.1, 0.05, 0.05, 0.8]


def _campaign() -> Campaign:
    campaign = Campaign.objects.filter(document_number="澄政办发〔2021〕32号").first()
    if campaign is None:
        call_command("loaddata", "chengjiang_2021", verbosity=0)
        campaign = Campaign.objects.get(document_number="澄政办发〔2021〕32号")
    return campaign


def _copy_records(campaign: Campaign, towns: list[int]) -> None:
    """The million records, the projects and the rosters, each where the benchmark database has none: `make bench`
    runs dashboard_1m before this benchmark, which lays down the same data and takes only the records away."""
    from enrolment.models import ConstructionProject, EnrolmentRecord

    if not EnrolmentRecord.objects.filter(campaign=campaign).exists():
        _copy_record_rows(campaign, towns)
    if not ConstructionProject.objects.filter(town__in=towns).exists():
        insert_projects_and_rosters(campaign, towns)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE enrolment_enrolmentrecord")


RECORD_COLUMNS = (
    "campaign_id, id_number, name, insurance, enrolled_on, town_id, contribution, is_transfer, source, "
    "created_at, updated_at"
)


def record_lines(campaign: Campaign, towns: list[int], count: int = RECORDS) -> Iterator[str]:
    """The benchmark's ``count`` records of ``campaign`` as COPY lines in ``RECORD_COLUMNS`` (always the same ones
    for a campaign's dates and towns: `make bench-province` gives one county of its province these records)."""
    rng = random.Random(2021)
    days = (AS_OF - campaign.start).days
    for n in range(count):
        insurance = rng.choices(INSURANCES, WEIGHTS)[0]
        day = campaign.start + datetime.timedelta(days=rng.randrange(days + 1))
        contribution = str(rng.choice((100, 200, 300, 400, 500, 1000))) if insurance == INSURANCES[3] else r"\N"
        transfer = "t" if insurance == INSURANCES[0] and n % 7 == 0 else "f"
        yield (
            f"{campaign.pk}\t{n:018d}\t测试\t{insurance}\t{day}\t{rng.choice(towns)}\t{contribution}\t"
            f"{transfer}\timport\t2021-12-31 00:00:00+08\t2021-12-31 00:00:00+08\n"
        )


def _copy_record_rows(campaign: Campaign, towns: list[int]) -> None:
    lines = record_lines(campaign, towns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        while chunk := "".join(itertools.islice(lines, 100_000)):
            raw.copy_expert(f"COPY enrolment_enrolmentrecord ({RECORD_COLUMNS}) FROM STDIN", io.StringIO(chunk))


def insert_projects_and_rosters(campaign: Campaign, towns: list[int]) -> None:
    """The benchmark's 2,000 construction projects and 300 roster rows (100 enterprises, three reports each) in
    ``towns``, the same ones every time."""
    rng = random.Random(2022)
    days = (AS_OF - campaign.start).days
    with connection.cursor() as cursor:
        rows = []
        for n in range(2000):
            permit = campaign.start + datetime.timedelta(days=rng.randrange(days + 1))
            insured = rng.random() < 0.85
            rows.append((f"bench {n}", f"B{n}", rng.choice(towns), permit, insured, permit if insured else None))
        cursor.executemany(
            "INSERT INTO enrolment_constructionproject (name, permit_number, town_id, permit_date, injury_insured,"
            " insured_on) VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )
        rows = []
        for enterprise in range(100):
            for month in (5, 8, 11):
                workers = 20 + enterprise
                rows.append(
                    (
                        f"{enterprise:018d}",
                        f"企业{enterprise}",
                        towns[enterprise % len(towns)],
                        "",
                        workers,
                        min(workers, workers * month // 12),
                        datetime.date(2021, month, 28),
                    )
                )
        cursor.executemany(
            "INSERT INTO enrolment_pneumoconiosisroster (uscc, enterprise, town_id, industry, workers,"
            " covered_workers, as_of) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


BARE_QUERIES = [
    (
        "SELECT town_id, insurance, is_transfer, enrolled_on, COUNT(id), SUM(contribution), COUNT(contribution)"
        " FROM enrolment_enrolmentrecord WHERE campaign_id = %(campaign)s AND enrolled_on >= %(lo)s"
        " AND enrolled_on <= %(hi)s GROUP BY town_id, insurance, is_transfer, enrolled_on"
    ),
    (
        "SELECT p.town_id, p.permit_date, p.insured_on, p.injury_insured, COUNT(p.id)"
        " FROM enrolment_constructionproject p JOIN campaigns_town t ON t.id = p.town_id"
        " WHERE t.county_id = %(county)s AND p.permit_date >= %(year_start)s AND p.permit_date <= %(hi)s"
        " GROUP BY p.town_id, p.permit_date, p.insured_on, p.injury_insured"
    ),
    (
        "SELECT r.uscc, r.as_of, r.town_id, r.workers, r.covered_workers FROM enrolment_pneumoconiosisroster r"
        " JOIN campaigns_town t ON t.id = r.town_id WHERE t.county_id = %(county)s AND r.as_of <= %(hi)s"
        " ORDER BY r.uscc, r.as_of"
    ),
]


def _bare(campaign: Campaign) -> float:
    params = {
        "campaign": campaign.pk,
        "county": campaign.county_id,
        "lo": datetime.date(campaign.year, 1, 1),
        "year_start": datetime.date(campaign.year, 1, 1),
        "hi": AS_OF,
    }
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in BARE_QUERIES:
            cursor.execute(sql, params)
            cursor.fetchall()
    return time.perf_counter() - started


def _best(function, repeat: int = 3) -> float:
    function()  # warm-up: caches, plans
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def by_turns(campaign: Campaign, as_of: datetime.date = AS_OF, runs: int = RUNS) -> dict[str, object]:
    """The recompute and its floor (the bare reads) taken by turns (`benchmarks.turns`): the best of each, and
    every run."""
    recomputes, floors = turns.by_turns(
        lambda: progress_recompute(campaign=campaign, as_of=as_of), lambda: _bare(campaign), runs=runs
    )
    return {
        "seconds": min(recomputes),
        "baseline_seconds": min(floors),
        "runs_seconds": [round(value, 4) for value in recomputes],
        "baseline_runs_seconds": [round(value, 4) for value in floors],
    }


def _api(campaign: Campaign, user: User) -> tuple[float, int, object]:
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(user)
        url = f"/api/progress/?as_of={AS_OF}&campaign={campaign.pk}"
        client.get(url)
        api_seconds = _best(lambda: client.get(url), repeat=5)
        with CaptureQueriesContext(connection) as api_queries:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
    return api_seconds, len(api_queries), response


def run() -> dict:
    campaign = _campaign()
    towns = list(Town.objects.filter(county=campaign.county).values_list("pk", flat=True))
    started = time.perf_counter()
    _copy_records(campaign, towns)
    setup_seconds = time.perf_counter() - started

    measured = by_turns(campaign)
    seconds, baseline = measured["seconds"], measured["baseline_seconds"]
    with CaptureQueriesContext(connection) as recompute_queries:
        progress_recompute(campaign=campaign, as_of=AS_OF)
    # Counted now: a request through the test client resets the connection's query log.
    recompute_query_count = len(recompute_queries)
    if os.environ.get("BENCH_SHOW_QUERIES"):
        for query in recompute_queries.captured_queries:
            print(query["sql"][:100])

    user = User.objects.create(username="bench-office", role=Role.OFFICE)
    # Each request would otherwise reset the query log that CaptureQueriesContext slices.
    request_started.disconnect(reset_queries)
    try:
        api_seconds, api_query_count, response = _api(campaign, user)
    finally:
        request_started.connect(reset_queries)
    city = next(i for i in response.json()["indicators"] if i["code"] == "resident_pension_insured")["city"]

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE enrolment_enrolmentrecord")
        cursor.execute("DELETE FROM enrolment_constructionproject WHERE permit_number LIKE 'B%%'")
        cursor.execute("DELETE FROM enrolment_pneumoconiosisroster")
    return {
        "seconds": round(seconds, 4),
        "baseline_seconds": round(baseline, 4),
        "ratio": round(seconds / baseline, 3),
        "queries": recompute_query_count,
        "runs_seconds": measured["runs_seconds"],
        "baseline_runs_seconds": measured["baseline_runs_seconds"],
        "records": RECORDS,
        "setup_seconds": round(setup_seconds, 2),
        "api_seconds": round(api_seconds, 4),
        "api_queries": api_query_count,
        "resident_pension_city_actual": city["actual"],
    }
