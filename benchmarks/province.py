"""`make bench-province` (province_10m): a province on one deployment, under load. Not part of `make bench`.

129 counties in a region tree (云南省 → 16 prefectures), each with its campaign, six towns and Chengjiang's
targets; ``PROVINCE_ENTRIES`` push entries and ``PROVINCE_RECORDS`` enrolment records spread over every town,
written with COPY. Then, at the same time:

- a push-list import of ``PROVINCE_IMPORT_ROWS`` rows into one county (澄江市),
- a progress recompute of another county,
- ``PROVINCE_CLIENTS`` client processes requesting the dashboards (the prefecture's and a county's) and the queues
  (a county office's and a town's) of other counties, ``PROVINCE_REQUESTS`` requests each at most, for at
  most ``PROVINCE_SECONDS`` seconds.

It prints p50/p95 per page and the import's and the recompute's ratios against their floors (as `make bench`
measures them, taken on the same data before the load), and writes them to benchmarks/results.json under
``province_10m`` (or ``province_<N>`` at another size). ``PROVINCE_SCALE`` sets entries and records at once in
millions (default 10); PROVINCE_ENTRIES / PROVINCE_RECORDS override it in rows.

The import, the recompute and each client run in processes of their own (forked; each with its own database
connection). The clients use Django's test client: the pages' server-side time, without an HTTP hop (no load
tool is installed on the intranet machines this runs on). Each page's idle median is taken first, for comparison.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MILLION = 1_000_000


def _setting(name: str, default: int) -> int:
    return int(os.environ.get(name, "") or default)


SCALE = float(os.environ.get("PROVINCE_SCALE", "") or 10)
ENTRIES = _setting("PROVINCE_ENTRIES", int(SCALE * MILLION))
RECORDS = _setting("PROVINCE_RECORDS", int(SCALE * MILLION))
COUNTIES = _setting("PROVINCE_COUNTIES", 129)
IMPORT_ROWS = _setting("PROVINCE_IMPORT_ROWS", 100_000)
CLIENTS = _setting("PROVINCE_CLIENTS", 4)
REQUESTS = _setting("PROVINCE_REQUESTS", 50)
SECONDS = _setting("PROVINCE_SECONDS", 600)
PREFECTURES = 16
AS_OF = datetime.date(2021, 6, 30)


def _tree_and_counties():
    """The region tree and 129 counties: Chengjiang from its fixture, the others cloned from it."""
    from django.core.management import call_command

    from campaigns.models import Campaign, County, Region, Town
    from campaigns.services import counties_attach_to_regions
    from targets.models import Target

    call_command("loaddata", "chengjiang_2021", verbosity=0)
    chengjiang = Campaign.objects.get(document_number="澄政办发〔2021〕32号")
    province = Region.objects.create(code="530000", name="云南省", level=Region.Level.PROVINCE, path="530000/")
    prefectures = [
        Region.objects.create(
            code=f"53{n:02d}00",
            name=f"第{n}市",
            level=Region.Level.PREFECTURE,
            parent=province,
            path=f"530000/53{n:02d}00/",
        )
        for n in range(1, PREFECTURES + 1)
    ]
    # Chengjiang under prefecture 4 (玉溪), the others spread over the sixteen prefectures.
    Region.objects.filter(code="530481").update(parent=prefectures[3], path="530000/530400/530481/", name="澄江市")
    regions, counties = [], []
    for n in range(1, COUNTIES):
        prefecture = prefectures[n % PREFECTURES]
        code = f"{prefecture.code[:4]}{50 + n // PREFECTURES:02d}"
        regions.append(
            Region(
                code=code, name=f"县{n}", level=Region.Level.COUNTY, parent=prefecture, path=f"{prefecture.path}{code}/"
            )
        )
        counties.append(County(name=f"县{n}", division_code=code))
    Region.objects.bulk_create(regions)
    County.objects.bulk_create(counties)  # bulk_create sends no post_save: attached below
    counties_attach_to_regions()
    towns, campaigns = [], []
    template = list(Town.objects.filter(county=chengjiang.county).order_by("order"))
    for county in County.objects.exclude(pk=chengjiang.county_id):
        campaigns.append(
            Campaign(
                county=county,
                name=f"2021年{county.name}参保扩面专项行动",
                year=2021,
                start=chengjiang.start,
                target_date=chengjiang.target_date,
                report_first_period=chengjiang.report_first_period,
                report_last_period=chengjiang.report_last_period,
            )
        )
        towns += [
            Town(county=county, name=t.name, short_name=t.short_name, kind=t.kind, order=t.order) for t in template
        ]
    Campaign.objects.bulk_create(campaigns)
    Town.objects.bulk_create(towns)
    targets = list(Target.objects.filter(campaign=chengjiang).select_related("town"))
    town_ids = {(t.county_id, t.name): t.pk for t in Town.objects.all()}
    clones = []
    for campaign in Campaign.objects.exclude(pk=chengjiang.pk):
        for target in targets:
            clones.append(
                Target(
                    campaign=campaign,
                    indicator_id=target.indicator_id,
                    town_id=town_ids[(campaign.county_id, target.town.name)] if target.town_id else None,
                    target_value=target.target_value,
                    baseline=target.baseline,
                )
            )
    Target.objects.bulk_create(clones, batch_size=5000)
    return chengjiang


def _copy_data() -> None:
    """ENTRIES push entries and RECORDS enrolment records over every town of every county (COPY)."""
    from django.db import connection

    from campaigns.models import Campaign, Town
    from enrolment.models import Batch, ImportStatus, ListKind

    campaign_of = {c.county_id: c.pk for c in Campaign.objects.all()}
    towns = [(campaign_of[t.county_id], t.pk) for t in Town.objects.order_by("id")]
    batches = {}
    for campaign_id in set(campaign_of.values()):
        batch = Batch.objects.create(
            campaign_id=campaign_id,
            kind=ListKind.PERSON,
            label="基准",
            file="bench.xlsx",
            file_name="bench.xlsx",
            sha256=f"province{campaign_id}".ljust(64, "0"),
            status=ImportStatus.DONE,
        )
        batches[campaign_id] = batch.pk
    statuses = ["pending"] * 14 + ["enrolled"] * 3 + ["refused", "unreachable", "pending"]
    entry_columns = (
        "campaign_id, kind, key, name, town_id, batch_id, pushed_times, phone, address, employer_name, "
        "interrupted_insurance, legal_rep, industry, status, not_due_reason, enrolled_insurance, enrolled_on, note, "
        "version, created_at"
    )
    record_columns = (
        "campaign_id, id_number, name, insurance, enrolled_on, town_id, is_transfer, source, created_at, updated_at"
    )
    insurances = ["resident_pension"] * 8 + ["employee_pension", "unemployment"]
    chunk = 200_000
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for first in range(0, ENTRIES, chunk):
            buffer = io.StringIO()
            for i in range(first, min(first + chunk, ENTRIES)):
                campaign_id, town_id = towns[i % len(towns)]
                status = statuses[(i // 7) % len(statuses)]
                enrolled = "employee_pension" if status == "enrolled" else ""
                enrolled_on = "2021-06-01" if enrolled else "\\N"
                buffer.write(
                    f"{campaign_id}\tperson\t{530422000000000000 + i}\t测试{i}\t{town_id}\t{batches[campaign_id]}\t1\t"
                    f"13800000000\t\t\t\t\t\t{status}\t\t{enrolled}\t{enrolled_on}\t\t1\t2021-06-01 00:00:00+08\n"
                )
            buffer.seek(0)
            raw.copy_expert(f"COPY enrolment_pushentry ({entry_columns}) FROM STDIN", buffer)
        days = (AS_OF - datetime.date(2021, 3, 18)).days
        for first in range(0, RECORDS, chunk):
            buffer = io.StringIO()
            for i in range(first, min(first + chunk, RECORDS)):
                campaign_id, town_id = towns[(i * 7) % len(towns)]
                day = datetime.date(2021, 3, 18) + datetime.timedelta(days=i % (days + 1))
                buffer.write(
                    f"{campaign_id}\t{i:018d}\t测试\t{insurances[i % 10]}\t{day}\t{town_id}\tf\timport\t"
                    "2021-06-30 00:00:00+08\t2021-06-30 00:00:00+08\n"
                )
            buffer.seek(0)
            raw.copy_expert(f"COPY enrolment_enrolmentrecord ({record_columns}) FROM STDIN", buffer)
        cursor.execute("VACUUM ANALYZE enrolment_pushentry")
        cursor.execute("VACUUM ANALYZE enrolment_enrolmentrecord")


def _users(campaign):
    from campaigns.models import Region, Role, Town, User
    from campaigns.roles import group_for

    def make(username: str, role: str, **fields) -> User:
        user = User.objects.create(username=username, role=role, **fields)
        user.groups.add(group_for(role))
        return user

    county = campaign.county
    return {
        "prefecture_office": make("bench-yuxi", Role.OFFICE, region=Region.objects.get(code="530400")),
        "county_office": make("bench-county", Role.OFFICE, county=county),
        "town": make("bench-town", Role.TOWN, town=Town.objects.filter(county=county).order_by("order").first()),
    }


PAGES = [
    ("dashboard_prefecture", "prefecture_office", "/dashboard/", {"as_of": AS_OF.isoformat()}),
    ("dashboard_county", "county_office", "/dashboard/", {"as_of": AS_OF.isoformat()}),
    ("queue_county_office", "county_office", "/entries/", {"status": "pending"}),
    ("queue_town", "town", "/entries/", {"status": "pending"}),
]


def _client_process(n: int, user_ids: dict[str, int], out: object) -> None:
    """One client (a process of its own, so that no client waits on another's or the import's GIL)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from campaigns.models import User

    timings: list[tuple[str, float]] = []
    deadline = time.monotonic() + SECONDS
    try:
        with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
            clients = {}
            for role, pk in user_ids.items():
                clients[role] = Client()
                clients[role].force_login(User.objects.get(pk=pk), backend="django.contrib.auth.backends.ModelBackend")
            for i in range(REQUESTS):
                if time.monotonic() > deadline:
                    break
                name, role, path, params = PAGES[(n + i) % len(PAGES)]
                started = time.perf_counter()
                response = clients[role].get(path, params)
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, (name, response.status_code)
                timings.append((name, elapsed))
    finally:
        connection.close()
        out.put(timings)


def _load(users: dict) -> dict[str, list[float]]:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    out = context.Queue()
    ids = {role: user.pk for role, user in users.items()}
    processes = [context.Process(target=_client_process, args=(n, ids, out)) for n in range(CLIENTS)]
    for process in processes:
        process.start()
    timings: dict[str, list[float]] = {name: [] for name, *_ in PAGES}
    for _process in processes:
        for name, elapsed in out.get():
            timings[name].append(elapsed)
    for process in processes:
        process.join()
    return timings


def _idle(users: dict) -> dict[str, float]:
    """Each page's median time with nothing else running, for comparison."""
    from django.test import Client

    idle = {}
    for name, role, path, params in PAGES:
        client = Client()
        client.force_login(users[role], backend="django.contrib.auth.backends.ModelBackend")
        times = []
        for _ in range(6):
            started = time.perf_counter()
            assert client.get(path, params).status_code == 200
            times.append(time.perf_counter() - started)
        idle[name] = statistics.median(times[1:])
    return idle


def _in_process(target) -> tuple[object, object]:
    """Run ``target`` in a forked process (its own GIL and database connection); its seconds go to ``results``."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    out = context.Queue()

    def body() -> None:
        from django.db import connection

        seconds = None
        try:
            began = time.perf_counter()
            target()
            seconds = time.perf_counter() - began
        finally:
            out.put(seconds)  # None: it failed (its traceback is on stderr)
            connection.close()

    process = context.Process(target=body)
    process.start()
    return process, out


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run() -> dict:
    from django.db import connections
    from django.test.utils import override_settings

    from benchmarks import bench_import_pushlist_100k as import_bench
    from benchmarks import bench_recompute_1m as recompute_bench
    from campaigns.models import Campaign
    from enrolment.services import pushlist_import as service
    from targets.services import progress_recompute

    started = time.perf_counter()
    chengjiang = _tree_and_counties()
    _copy_data()
    setup_seconds = time.perf_counter() - started
    others = list(Campaign.objects.exclude(pk=chengjiang.pk).order_by("county__division_code"))
    recomputed, served = others[0], others[1:]
    users = _users(served[0])

    # The floors, on the same data, before the load (as make bench takes them).
    import_bench.ROWS = IMPORT_ROWS
    workdir = Path(tempfile.mkdtemp(prefix="bench-province-"))
    path = workdir / "2021年第一批未参保人员.xlsx"
    import_bench._write_file(path)
    import_floor = import_bench._floor(path, "calamine")
    recompute_floor = min(recompute_bench._bare(recomputed) for _ in range(3))
    progress_recompute(campaign=served[0], as_of=AS_OF)  # the served county's figures of the date

    def do_import() -> None:
        service.pushlist_import(campaign=chengjiang, kind="person", path=path)

    def do_recompute() -> None:
        progress_recompute(campaign=recomputed, as_of=recompute_bench.AS_OF)

    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        idle = _idle(users)  # also warms every page (templates, plans)
        # Children get their own database connections: none may be inherited across the fork.
        connections.close_all()
        load_started = time.perf_counter()
        importing, import_out = _in_process(do_import)
        recomputing, recompute_out = _in_process(do_recompute)
        timings = _load(users)
        import_seconds, recompute_seconds = import_out.get(), recompute_out.get()
        importing.join()
        recomputing.join()
        load_seconds = time.perf_counter() - load_started
    if import_seconds is None or recompute_seconds is None:
        raise RuntimeError("the import or the recompute failed under load")
    results = {"import_seconds": import_seconds, "recompute_seconds": recompute_seconds}

    pages = {
        name: {
            "requests": len(values),
            "p50_ms": round(1000 * statistics.median(values), 1) if values else None,
            "p95_ms": round(1000 * _percentile(values, 0.95), 1) if values else None,
            "idle_p50_ms": round(1000 * idle[name], 1),
        }
        for name, values in timings.items()
    }
    return {
        "counties": COUNTIES,
        "entries": ENTRIES,
        "records": RECORDS,
        "setup_seconds": round(setup_seconds, 1),
        "load_seconds": round(load_seconds, 1),
        "clients": CLIENTS,
        "pages": pages,
        "import_rows": IMPORT_ROWS,
        "import_seconds": round(results["import_seconds"], 3),
        "import_baseline_seconds": round(import_floor, 3),
        "import_ratio": round(results["import_seconds"] / import_floor, 2),
        "recompute_seconds": round(results["recompute_seconds"], 3),
        "recompute_baseline_seconds": round(recompute_floor, 4),
        "recompute_ratio": round(results["recompute_seconds"] / recompute_floor, 2),
    }


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("the province benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        figures = run()
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    millions = ENTRIES / MILLION
    name = "province_10m" if ENTRIES == 10 * MILLION else f"province_{millions:g}m"
    for page, values in figures["pages"].items():
        print(
            f"{name} {page}: p50 {values['p50_ms']} ms, p95 {values['p95_ms']} ms under load "
            f"({values['requests']} requests), p50 {values['idle_p50_ms']} ms idle"
        )
    print(
        f"{name} import {figures['import_rows']} rows: {figures['import_seconds']} s vs floor "
        f"{figures['import_baseline_seconds']} s → ratio {figures['import_ratio']}"
    )
    print(
        f"{name} recompute: {figures['recompute_seconds']} s vs floor {figures['recompute_baseline_seconds']} s "
        f"→ ratio {figures['recompute_ratio']}"
    )
    out = HERE / "results.json"
    previous = json.loads(out.read_text()) if out.exists() else {}
    out.write_text(json.dumps({**previous, name: figures}, ensure_ascii=False, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
