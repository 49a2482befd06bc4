"""`make bench-province` (province_10m): a province on one deployment, under load. Not part of `make bench`.

129 counties in a region tree (云南省 → 16 prefectures), each with its campaign, six towns and Chengjiang's
targets; ``PROVINCE_ENTRIES`` push entries spread over every town and ``PROVINCE_RECORDS`` enrolment records,
written with COPY: one county holds recompute_1m's records, projects and rosters (``PROVINCE_RECOMPUTED_RECORDS``
of them, a tenth of the province's, at the default size that benchmark's million), the other towns the rest. Then,
at the same time:

- a push-list import of ``PROVINCE_IMPORT_ROWS`` rows into one county (澄江市),
- a progress recompute of the county that holds recompute_1m's records: the same work as that benchmark's, in a
  province (a typical county's recompute is taken beside its floor too, before the load),
- ``PROVINCE_CLIENTS`` locust users (headless, over loopback) logged in by password as 玉溪's prefecture office
  (its dashboard), a county office (dashboard, queue) and a town (queue, ``/api/entries/``) of other counties,
  each making ``PROVINCE_REQUESTS`` requests at most with a pause of ``PROVINCE_THINK`` seconds on average before
  each (the first one too, so that the users do not all click at once when the load begins), the whole load
  stopped after ``PROVINCE_SECONDS`` seconds at most, against the app served by gunicorn (``PROVINCE_WORKERS``
  workers) on 127.0.0.1 from the benchmark's database.

It prints p50/p95 per page under load with its slowest request and when that began, and each page's idle median
over HTTP (taken first), the import's and the recompute's ratios against their floors (as `make bench` measures
them, the floors taken on the same data before the load; each figure beside its floor before the load too — the
import rolled back, so the same file goes in again under the load — and again under the load: the import against
the idle floor, the recompute by turns with its floor) and how long each phase took, and writes them to
benchmarks/results.json under ``province_10m`` (or ``province_<N>m`` at another size). ``PROVINCE_SCALE`` sets
entries and records at once in millions (default 10); PROVINCE_ENTRIES / PROVINCE_RECORDS override it in rows.

The data is loaded as a restore loads it: secondary indexes and unique constraints dropped and built once after
the COPY, triggers skipped (the entry counters are counted once), rows written frozen, one ANALYZE. The import
and the recompute run in forked processes of their own (each with its own database connection); locust and
gunicorn need benchmarks/requirements.txt (`make bench-province` installs it).
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import socket
import statistics
import subprocess
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
CLIENTS = _setting("PROVINCE_CLIENTS", 8)
REQUESTS = _setting("PROVINCE_REQUESTS", 50)
SECONDS = _setting("PROVINCE_SECONDS", 600)
WORKERS = _setting("PROVINCE_WORKERS", 4)
THINK = float(os.environ.get("PROVINCE_THINK", "") or 0.5)
LOAD_PAIRS = _setting("PROVINCE_RECOMPUTE_PAIRS", 5)
# The recomputed county holds recompute_1m's records (its generator, its projects and rosters): a tenth of the
# province's, at the default size recompute_1m's million, so that its ratio is that benchmark's work in a province.
RECOMPUTED_RECORDS = _setting("PROVINCE_RECOMPUTED_RECORDS", RECORDS // 10)
# The background work runs at the niceness the README's worker commands give it (nice -n 10), so that where a
# worker shares a machine with the web servers, the pages people wait on get the processor first.
WORKER_NICENESS = _setting("PROVINCE_WORKER_NICENESS", 10)
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


class _Rows:
    """A file-like source for COPY that generates its lines chunk by chunk as psycopg2 reads them, so Python
    writes the next chunk while the server ingests the last (the two cores work at once, nothing held whole)."""

    def __init__(self, lines) -> None:
        self._lines = lines

    def read(self, size: int = -1) -> str:
        return "".join(itertools.islice(self._lines, 20_000))


def _load_tables(cursor, tables: list[str], load) -> None:
    """Bulk-load ``tables`` as a restore does: their secondary indexes and unique constraints dropped and built
    once afterwards, no trigger fired row by row or statement by statement, the rows written frozen (COPY
    FREEZE into the tables truncated in the same transaction: no VACUUM pass needed for index-only scans)."""
    names = ", ".join(f"'{t}'" for t in tables)
    cursor.execute(
        f"SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        f"WHERE contype = 'u' AND conrelid::regclass::text IN ({names})"
    )
    constraints = cursor.fetchall()
    cursor.execute(
        f"SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        f"WHERE i.indrelid::regclass::text IN ({names}) AND NOT i.indisprimary "
        f"AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
    )
    indexes = cursor.fetchall()
    for table, name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    # Triggers (the entry counters, the reference checks, foreign keys) are skipped for the load: the rows are
    # generated consistent, and the counters are counted once below.
    cursor.execute("SET session_replication_role = replica")
    # The benchmark's fresh database holds no entries yet, nor anything referring to them (pushes, records): the
    # cascade empties only empty tables, and the truncation lets COPY write the rows frozen.
    cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    load()
    cursor.execute("SET session_replication_role = origin")
    cursor.execute("SET maintenance_work_mem = '1GB'")
    for _name, definition in indexes:
        cursor.execute(definition)
    for table, name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute("RESET maintenance_work_mem")


def _copy_data(recomputed) -> dict[str, float]:
    """ENTRIES push entries over every town of every county and RECORDS enrolment records (COPY): the campaign
    ``recomputed`` gets recompute_1m's records, RECOMPUTED_RECORDS of them, with its projects and rosters, the other
    towns the rest; the seconds of each step."""
    from django.db import connection, transaction

    from benchmarks import bench_recompute_1m as recompute_bench
    from campaigns.models import Campaign, Town
    from enrolment.entry_counts import entry_counts_rebuild
    from enrolment.models import Batch, ImportStatus, ListKind

    campaign_of = {c.county_id: c.pk for c in Campaign.objects.all()}
    towns = [(campaign_of[t.county_id], t.pk) for t in Town.objects.order_by("id")]
    recomputed_towns = [pk for campaign_id, pk in towns if campaign_id == recomputed.pk]
    spread = [(campaign_id, pk) for campaign_id, pk in towns if campaign_id != recomputed.pk]
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
    insurances = ["resident_pension"] * 8 + ["employee_pension", "unemployment"]
    days = (AS_OF - datetime.date(2021, 3, 18)).days
    dates = [datetime.date(2021, 3, 18) + datetime.timedelta(days=d) for d in range(days + 1)]

    def entries():
        for i in range(ENTRIES):
            campaign_id, town_id = towns[i % len(towns)]
            status = statuses[(i // 7) % len(statuses)]
            enrolled = "employee_pension" if status == "enrolled" else ""
            enrolled_on = "2021-06-01" if enrolled else "\\N"
            yield (
                f"{campaign_id}\tperson\t{530422000000000000 + i}\t测试{i}\t{town_id}\t{batches[campaign_id]}\t1\t"
                f"13800000000\t\t\t\t\t\t{status}\t\t{enrolled}\t{enrolled_on}\t\t1\t2021-06-01 00:00:00+08\n"
            )

    def records():
        yield from recompute_bench.record_lines(recomputed, recomputed_towns, RECOMPUTED_RECORDS)
        for i in range(RECORDS - RECOMPUTED_RECORDS):
            campaign_id, town_id = spread[(i * 7) % len(spread)]
            yield (
                f"{campaign_id}\t{i:018d}\t测试\t{insurances[i % 10]}\t{dates[i % len(dates)]}\t{town_id}\t\\N\tf\t"
                "import\t2021-06-30 00:00:00+08\t2021-06-30 00:00:00+08\n"
            )

    seconds = {}
    tables = ["enrolment_pushentry", "enrolment_enrolmentrecord"]
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor

        def load() -> None:
            began = time.perf_counter()
            raw.copy_expert(f"COPY enrolment_pushentry ({entry_columns}) FROM STDIN WITH (FREEZE)", _Rows(entries()))
            raw.copy_expert(
                f"COPY enrolment_enrolmentrecord ({recompute_bench.RECORD_COLUMNS}) FROM STDIN WITH (FREEZE)",
                _Rows(records()),
            )
            seconds["copy"] = time.perf_counter() - began

        began = time.perf_counter()
        _load_tables(cursor, tables, load)
        seconds["indexes"] = time.perf_counter() - began - seconds["copy"]
        began = time.perf_counter()
        entry_counts_rebuild(connection)
        seconds["counters"] = time.perf_counter() - began
    recompute_bench.insert_projects_and_rosters(recomputed, recomputed_towns)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
    seconds["analyze"] = time.perf_counter() - began
    return seconds


PASSWORD = "Bench-province-2021"
SERVED = 3  # counties whose staff the load tool logs in as


def _users(campaigns) -> dict[str, list[tuple[str, str]]]:
    """(username, password) per role: 玉溪's prefecture office, and the office and a town of each served county."""
    from campaigns.models import Region, Role, Town, User
    from campaigns.roles import group_for

    def make(username: str, role: str, **fields) -> tuple[str, str]:
        user = User(username=username, role=role, **fields)
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(group_for(role))
        return username, PASSWORD

    accounts: dict[str, list[tuple[str, str]]] = {
        "prefecture_office": [make("bench-yuxi", Role.OFFICE, region=Region.objects.get(code="530400"))],
        "county_office": [],
        "town": [],
    }
    for n, campaign in enumerate(campaigns[:SERVED]):
        county = campaign.county
        town = Town.objects.filter(county=county).order_by("order").first()
        accounts["county_office"].append(make(f"bench-county{n}", Role.OFFICE, county=county))
        accounts["town"].append(make(f"bench-town{n}", Role.TOWN, town=town))
    return accounts


PAGES = [
    ("dashboard_prefecture", "prefecture_office", "/dashboard/", {"as_of": AS_OF.isoformat()}),
    ("dashboard_county", "county_office", "/dashboard/", {"as_of": AS_OF.isoformat()}),
    ("queue_county_office", "county_office", "/entries/", {"status": "pending"}),
    ("queue_town", "town", "/entries/", {"status": "pending"}),
    ("api_entries_town", "town", "/api/entries/", {"status": "pending"}),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(database_url: str):
    """gunicorn serving the app on 127.0.0.1 against the benchmark's database; returns (process, base URL)."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.served_settings",
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "gunicorn", "chengjiang_enroll.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--threads", "2",
        "--log-level", "warning", "--timeout", "120",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=HERE.parent, env=env)
    base_url = f"http://127.0.0.1:{port}"
    import requests

    for _ in range(120):
        if process.poll() is not None:
            raise RuntimeError("gunicorn did not start")
        try:
            if requests.get(f"{base_url}/accounts/login/", timeout=5).status_code == 200:
                return process, base_url
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not answer")


def _idle(base_url: str, accounts: dict) -> dict[str, float]:
    """Each page's median time over HTTP with nothing else running, for comparison (also warms every worker)."""
    import requests

    from benchmarks.http_login import login

    sessions = {}
    for role, found in accounts.items():
        sessions[role] = requests.Session()
        login(sessions[role], base_url, *found[0])
    idle = {}
    for name, role, path, params in PAGES:
        times = []
        for _ in range(2 * WORKERS + 5):
            started = time.perf_counter()
            response = sessions[role].get(f"{base_url}{path}", params=params, allow_redirects=False)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (name, response.status_code)
        idle[name] = statistics.median(times[2 * WORKERS :])
    return idle


def _locust(base_url: str, accounts: dict, workdir: Path) -> subprocess.Popen:
    """locust, headless, with CLIENTS users of every role, each making REQUESTS requests at most, for SECONDS at
    most; every request's time goes to ``workdir/timings.json``."""
    plan = workdir / "locust-plan.json"
    plan.write_text(
        json.dumps(
            {
                "base_url": base_url,
                "accounts": accounts,
                "pages": [{"name": n, "role": r, "path": p, "params": q} for n, r, p, q in PAGES],
                "users": CLIENTS,
                "requests_per_user": REQUESTS,
                "think_seconds": THINK,
                "out": str(workdir / "timings.json"),
                "started": time.time(),
            }
        )
    )
    command = [
        sys.executable, "-m", "locust", "-f", str(HERE / "province_locustfile.py"), "--headless",
        "--users", str(CLIENTS), "--spawn-rate", str(CLIENTS), "--run-time", f"{SECONDS}s",
        "--only-summary", "--loglevel", "WARNING", "--csv", str(workdir / "locust"),
    ]  # fmt: skip
    env = {**os.environ, "PROVINCE_LOCUST_PLAN": str(plan), "PYTHONPATH": str(HERE.parent)}
    # locust's own summary goes to its log (workdir/locust.log), so the figures below keep their lines.
    with (workdir / "locust.log").open("w") as log:
        return subprocess.Popen(command, cwd=HERE.parent, env=env, stdout=log, stderr=subprocess.STDOUT)


def _in_process(target) -> tuple[object, object]:
    """Run ``target`` in a forked process (its own GIL and database connection) at a worker's niceness; (its
    seconds, what it returned) go to the queue, (None, None) when it failed."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    out = context.Queue()

    def body() -> None:
        from django.db import connection

        seconds = value = None
        os.nice(WORKER_NICENESS)
        try:
            began = time.perf_counter()
            value = target()
            seconds = time.perf_counter() - began
        finally:
            out.put((seconds, value))  # None: it failed (its traceback is on stderr)
            connection.close()

    process = context.Process(target=body)
    process.start()
    return process, out


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _page_figures(requests: list[tuple[float, float]], idle_seconds: float) -> dict[str, object]:
    """A page's figures under load from its requests' (seconds, when it began), beside its idle median."""
    values = [seconds for seconds, _began in requests]
    return {
        "requests": len(values),
        "p50_ms": round(1000 * statistics.median(values), 1),
        "p95_ms": round(1000 * _percentile(values, 0.95), 1),
        "idle_p50_ms": round(1000 * idle_seconds, 1),
        # When the slowest began, in seconds from the load's start (the import and the recompute start with it):
        # a tail that gathers in one moment is that moment's, not the page's.
        "slowest": [{"ms": round(1000 * s, 1), "began_s": round(b, 2)} for s, b in sorted(requests, reverse=True)[:3]],
    }


LARGE = ("enrolment_pushentry", "enrolment_enrolmentrecord", "enrolment_entrymatch", "enrolment_entrypush")


def _scans(node: dict, found: list) -> None:
    if "Relation Name" in node:
        loops = node.get("Actual Loops", 1)
        found.append((node["Node Type"], node["Relation Name"], node.get("Index Name"), node["Actual Rows"] * loops))
    for child in node.get("Plans", ()):
        _scans(child, found)


def _holds_rows(table: str) -> bool:
    """Whether ``table`` holds any row: a sequential scan of an empty table (the planner's choice for it) reads
    nothing, and is not one of a large table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")
        return cursor.fetchone()[0]


def _explain(sql: str) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    scans: list = []
    _scans(plan["Plan"], scans)
    return {
        "sql": sql[:160],
        "ms": round(plan["Execution Time"], 2),
        "buffers": plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get("Shared Read Blocks", 0),
        "scans": [f"{kind} {table}{f' ({index})' if index else ''}: {rows} rows" for kind, table, index, rows in scans],
        "large_seq_scans": [
            table
            for kind, table, _index, _rows in scans
            if kind == "Seq Scan" and table in LARGE and _holds_rows(table)
        ],
    }


def _plans(accounts: dict, recomputed) -> dict[str, list[dict]]:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT each page runs (through Django's test client, as its user) and of
    the recompute's: the index each uses, the rows it touches, its time, at the benchmark's size."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from benchmarks.entries_data import INFRASTRUCTURE
    from campaigns.models import User
    from targets.services import progress_recompute

    def selects(captured) -> list[str]:
        return [
            q["sql"]
            for q in captured.captured_queries
            if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
            and not any(table in q["sql"] for table in INFRASTRUCTURE)
        ]

    plans: dict[str, list[dict]] = {}
    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        for name, role, path, params in PAGES:
            client = Client()
            client.force_login(User.objects.get(username=accounts[role][0][0]))
            client.get(path, params)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path, params).status_code == 200
            plans[name] = [_explain(sql) for sql in selects(captured)]
    with CaptureQueriesContext(connection) as captured:
        progress_recompute(campaign=recomputed, as_of=AS_OF)
    plans["recompute"] = [_explain(sql) for sql in selects(captured)]
    return plans


def _database_url() -> str:
    """The benchmark's own (test) database, for the server processes."""
    from django.db import connection

    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def run() -> dict:
    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext

    from benchmarks import bench_import_pushlist_100k as import_bench
    from benchmarks import bench_recompute_1m as recompute_bench
    from campaigns.models import Campaign
    from enrolment.models import EnrolmentRecord
    from enrolment.services import pushlist_import as service
    from targets.services import progress_recompute

    phases: dict[str, float] = {}
    started = time.perf_counter()
    chengjiang = _tree_and_counties()
    phases["tree"] = time.perf_counter() - started
    others = list(Campaign.objects.exclude(pk=chengjiang.pk).order_by("county__division_code"))
    # Recomputed under the load: a county of recompute_1m's size; beside it, idle, a typical one (the last,
    # neither served nor the import's).
    recomputed, served, typical = others[0], others[1:], others[-1]
    phases.update(_copy_data(recomputed))
    setup_seconds = time.perf_counter() - started
    accounts = _users(served)

    # The floors, on the same data, before the load (as make bench takes them), and the recompute beside its
    # floor in the same conditions: idle, in this process, best of three after a warm-up against the best of
    # four bare reads, as recompute_1m takes them (the ratio the 1M figure is compared with).
    began = time.perf_counter()
    import_bench.ROWS = IMPORT_ROWS
    workdir = Path(tempfile.mkdtemp(prefix="bench-province-"))
    path = workdir / "2021年第一批未参保人员.xlsx"
    import_bench._write_file(path)
    # The import beside its floor in the same conditions too: idle, as import_pushlist_100k takes them (the ratio
    # the 100k benchmark's is compared with): by turns, the best of each, each import rolled back so that the same
    # file goes in again under the load.
    import_floors, import_runs = [], []
    for _ in range(import_bench.RUNS):
        import_floors.append(import_bench._floor(path, "calamine"))
        import_runs.append(import_bench._rolled_back_import(service, chengjiang, path))
    import_floor, import_idle_seconds = min(import_floors), min(import_runs)
    # The recompute by turns with its floor, the best of each, as recompute_1m takes them.
    recompute_measured = recompute_bench.by_turns(recomputed)
    recompute_seconds, recompute_floor = recompute_measured["seconds"], recompute_measured["baseline_seconds"]
    # A typical county too, by turns with its own floor: against its smaller floor the recompute's fixed cost
    # (its few statements, the snapshots made and copied) weighs more.
    typical_measured = recompute_bench.by_turns(typical)
    typical_records = EnrolmentRecord.objects.filter(campaign=typical).count()
    with CaptureQueriesContext(connection) as captured:
        progress_recompute(campaign=recomputed, as_of=recompute_bench.AS_OF)
    recompute_queries = len(captured)
    for campaign in served[:SERVED]:
        progress_recompute(campaign=campaign, as_of=AS_OF)  # the served counties' figures of the date
    phases["floors"] = time.perf_counter() - began
    began = time.perf_counter()
    plans = _plans(accounts, recomputed)
    phases["plans"] = time.perf_counter() - began

    def do_import() -> None:
        service.pushlist_import(campaign=chengjiang, kind="person", path=path)

    def do_recompute() -> dict[str, object]:
        """Under the load: the first recompute of a fresh process (its connection and the server backend's
        first reads of the catalog included, as the figure was first taken), then the bare read and the
        recompute by turns, a pause before each pair, so that each pair shares the moment's load."""
        began = time.perf_counter()
        progress_recompute(campaign=recomputed, as_of=recompute_bench.AS_OF)
        first = time.perf_counter() - began
        floors, seconds = [], []
        for _ in range(LOAD_PAIRS):
            time.sleep(0.3)
            floors.append(recompute_bench._bare(recomputed))
            began = time.perf_counter()
            progress_recompute(campaign=recomputed, as_of=recompute_bench.AS_OF)
            seconds.append(time.perf_counter() - began)
        return {"first": first, "floors": floors, "seconds": seconds}

    # Children and the server get their own database connections: none may be inherited across the fork.
    connections.close_all()
    server, base_url = _serve(_database_url())
    try:
        began = time.perf_counter()
        idle = _idle(base_url, accounts)
        phases["idle"] = time.perf_counter() - began
        load_started = time.perf_counter()
        load = _locust(base_url, accounts, workdir)
        importing, import_out = _in_process(do_import)
        recomputing, recompute_out = _in_process(do_recompute)
        (import_seconds, _), (_, under_load) = import_out.get(), recompute_out.get()
        importing.join()
        recomputing.join()
        if load.wait(timeout=SECONDS + 120) != 0:
            raise RuntimeError(f"locust failed: see {workdir / 'locust.log'}")
        load_seconds = time.perf_counter() - load_started
    finally:
        server.terminate()
        server.wait(timeout=60)
    phases["load"] = load_seconds
    if import_seconds is None or under_load is None:
        raise RuntimeError("the import or the recompute failed under load")
    # Per page, (seconds, when it began) of each request.
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name, *_ in PAGES}
    failures: dict[str, int] = {name: 0 for name, *_ in PAGES}
    for name, seconds, error, began in json.loads((workdir / "timings.json").read_text()):
        if error:
            failures[name] += 1
        else:
            timings[name].append((seconds, began))
    if any(failures.values()) or not all(timings.values()):
        raise RuntimeError(f"pages failed or went unasked under load: {failures}, see {workdir / 'locust.log'}")

    pages = {name: _page_figures(requests, idle[name]) for name, requests in timings.items()}
    return {
        "counties": COUNTIES,
        "entries": ENTRIES,
        "records": RECORDS,
        "setup_seconds": round(setup_seconds, 1),
        "load_seconds": round(load_seconds, 1),
        "phase_seconds": {name: round(value, 1) for name, value in phases.items()},
        "clients": CLIENTS,
        "server_workers": WORKERS,
        "worker_niceness": WORKER_NICENESS,
        "load_tool": "locust (headless) over HTTP to gunicorn on 127.0.0.1",
        "pages": pages,
        "import_rows": IMPORT_ROWS,
        "import_seconds": round(import_idle_seconds, 3),
        "import_baseline_seconds": round(import_floor, 3),
        "import_ratio": round(import_idle_seconds / import_floor, 2),
        "import_runs_seconds": [round(value, 3) for value in import_runs],
        "import_baseline_runs_seconds": [round(value, 3) for value in import_floors],
        # The same import again, under the load (beside the idle floor: the load's cost shows in it).
        "import_under_load_seconds": round(import_seconds, 3),
        "import_under_load_ratio": round(import_seconds / import_floor, 2),
        "recompute_records": RECOMPUTED_RECORDS,
        "recompute_seconds": round(recompute_seconds, 4),
        "recompute_baseline_seconds": round(recompute_floor, 4),
        "recompute_ratio": round(recompute_seconds / recompute_floor, 2),
        "recompute_runs_seconds": recompute_measured["runs_seconds"],
        "recompute_baseline_runs_seconds": recompute_measured["baseline_runs_seconds"],
        "recompute_queries": recompute_queries,
        "recompute_typical_records": typical_records,
        "recompute_typical_seconds": round(typical_measured["seconds"], 4),
        "recompute_typical_baseline_seconds": round(typical_measured["baseline_seconds"], 4),
        "recompute_typical_ratio": round(typical_measured["seconds"] / typical_measured["baseline_seconds"], 2),
        # Under the load, beside the bare read taken by turns with it: the medians, and the median of each pair's
        # ratio (the load changes from one moment to the next; a pair shares its moment's).
        "recompute_under_load_seconds": round(statistics.median(under_load["seconds"]), 4),
        "recompute_under_load_baseline_seconds": round(statistics.median(under_load["floors"]), 4),
        "recompute_under_load_ratio": round(
            statistics.median(s / f for s, f in zip(under_load["seconds"], under_load["floors"], strict=True)), 2
        ),
        "recompute_under_load_pairs": LOAD_PAIRS,
        "recompute_under_load_first_seconds": round(under_load["first"], 4),
        "plans": plans,
    }


def _print_against_make_bench(name: str, figures: dict, recorded: dict) -> None:
    """The import's and the recompute's ratios beside `make bench`'s as results.json last recorded them (the
    import's against the same floor, python-calamine + bare COPY), when it holds them."""
    pairs = [
        ("import", figures["import_ratio"], "import_pushlist_100k", "ratio_vs_calamine"),
        ("recompute", figures["recompute_ratio"], "recompute_1m", "ratio"),
    ]
    shown = [
        f"{label} ratio {ratio} (make bench's {bench} {recorded[bench][key]})"
        for label, ratio, bench, key in pairs
        if key in recorded.get(bench, {})
    ]
    if shown:
        print(f"{name} against make bench: {', '.join(shown)}")


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
            f"({values['requests']} requests, the slowest {values['slowest'][0]['ms']} ms "
            f"at {values['slowest'][0]['began_s']} s), p50 {values['idle_p50_ms']} ms idle"
        )
    print(
        f"{name} import {figures['import_rows']} rows: {figures['import_seconds']} s vs floor "
        f"{figures['import_baseline_seconds']} s → ratio {figures['import_ratio']}"
    )
    print(
        f"{name} import under load: {figures['import_under_load_seconds']} s vs the idle floor "
        f"{figures['import_baseline_seconds']} s → ratio {figures['import_under_load_ratio']}"
    )
    print(
        f"{name} recompute of a county of {figures['recompute_records']} records: {figures['recompute_seconds']} s "
        f"vs floor {figures['recompute_baseline_seconds']} s → ratio {figures['recompute_ratio']}"
    )
    print(
        f"{name} recompute of a typical county of {figures['recompute_typical_records']} records: "
        f"{figures['recompute_typical_seconds']} s vs floor {figures['recompute_typical_baseline_seconds']} s "
        f"→ ratio {figures['recompute_typical_ratio']}"
    )
    print(
        f"{name} recompute under load: {figures['recompute_under_load_seconds']} s vs floor "
        f"{figures['recompute_under_load_baseline_seconds']} s under load → ratio "
        f"{figures['recompute_under_load_ratio']} (medians of {figures['recompute_under_load_pairs']} pairs; "
        f"first run in a fresh process {figures['recompute_under_load_first_seconds']} s)"
    )
    plans = [(page, plan) for page, found in figures["plans"].items() for plan in found]
    slowest_page, slowest = max(plans, key=lambda item: item[1]["ms"])
    scanned = sorted({f"{page}: {table}" for page, plan in plans for table in plan["large_seq_scans"]})
    print(
        f"{name} plans: {len(plans)} queries explained, slowest {slowest['ms']} ms ({slowest_page}), "
        f"sequential scans of the large tables: {', '.join(scanned) or 'none'}"
    )
    phases = ", ".join(f"{phase} {seconds} s" for phase, seconds in figures["phase_seconds"].items())
    print(f"{name} phases: {phases} (setup {figures['setup_seconds']} s)")
    out = HERE / "results.json"
    previous = json.loads(out.read_text()) if out.exists() else {}
    _print_against_make_bench(name, figures, previous)
    out.write_text(json.dumps({**previous, name: figures}, ensure_ascii=False, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
