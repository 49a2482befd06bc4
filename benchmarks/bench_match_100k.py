"""Matching 100,000 open push-list entries against 100,000 reference rows of each of three kinds.

Data: a campaign of its own (so other benchmarks' entries do not count), 100,000 open person entries over the
six towns, and three current reference lists of 100,000 rows each (deceased, student, insured_16plus) holding
respectively 1,000, 5,000 and 20,000 of the entries' ID numbers (the rest are nobody's). Measured (after a
warm-up of each, the floor and the matching taken three times by turns, each matching from no open matches,
committed; the best of each, every run in ``runs_seconds`` and ``baseline_runs_seconds``):

- ``seconds``: ``entries_match`` — the lists read, one INSERT … SELECT of one JOIN per current list (the
  three), in one transaction, committed, writing the open matches (``EntryMatch``);
- ``baseline_seconds``: the three bare joins it is built on (``match_kind_floor_sql``), run through a cursor
  with every matching pair fetched, each in one process as the statement measured runs: PostgreSQL never plans
  the SELECT of an ``INSERT … SELECT`` in parallel, so a floor handed the machine's other core would measure
  the core, not the matching (and only where the entries' table is big enough for the planner to take it: in
  ``make bench``'s order, after the lists' million entries, not alone). ``parallel_baseline_seconds`` is the
  same joins as the planner likes them, parallel where it will;
- ``rematch_seconds``: ``entries_match`` again over the open matches already there (nothing to write).
"""

from __future__ import annotations

import datetime
import io
import time

from django.db import connection, transaction
from django.utils import timezone

from benchmarks import turns
from campaigns.copying import copy_expert, copy_value
from campaigns.models import Campaign, Department, Town
from enrolment.models import (
    Batch,
    EntryMatch,
    EntrySuggestion,
    ImportStatus,
    ListKind,
    PushEntry,
    ReferenceKind,
    ReferenceList,
)
from enrolment.services.matching import entries_match, match_kind_floor_sql

ENTRIES = 100_000
ROWS = 100_000
KINDS = {ReferenceKind.DECEASED: 1_000, ReferenceKind.STUDENT: 5_000, ReferenceKind.INSURED_16PLUS: 20_000}
RUNS = 3


def _key(n: int) -> str:
    return f"{n:018d}"


def _setup() -> tuple[Campaign, dict[str, int]]:
    from benchmarks.entries_data import campaign as chengjiang

    county = chengjiang().county
    campaign, _ = Campaign.objects.get_or_create(
        county=county,
        year=2021,
        name="比对基准",
        defaults={
            "start": datetime.date(2021, 3, 18),
            "target_date": datetime.date(2021, 12, 31),
            "report_first_period": datetime.date(2021, 4, 1),
            "report_last_period": datetime.date(2021, 11, 1),
        },
    )
    towns = list(Town.objects.filter(county=county).values_list("id", flat=True))
    batch = Batch.objects.create(
        campaign=campaign, kind=ListKind.PERSON, label="基准", file_name="b.xlsx", sha256="b" * 64, status="done"
    )
    template = PushEntry(campaign=campaign, kind=ListKind.PERSON, batch=batch, last_pushed_batch=batch, name="测试")
    columns, constants = [], []
    for field in PushEntry._meta.concrete_fields:
        if field.primary_key or field.column in ("key", "town_id"):
            continue
        columns.append(field.column)
        constants.append(copy_value(field.get_db_prep_save(field.pre_save(template, add=True), connection)))
    constant_text = "\t".join(constants)
    buffer = io.StringIO()
    for n in range(ENTRIES):
        buffer.write(f"{_key(n)}\t{towns[n % len(towns)]}\t{constant_text}\n")
    buffer.seek(0)
    lists: dict[str, int] = {}
    with connection.cursor() as cursor:
        copy_expert(cursor.cursor, f"COPY enrolment_pushentry (key, town_id, {', '.join(columns)}) FROM STDIN", buffer)
        departments = Department.objects.filter(county=county)
        for offset, (kind, overlap) in enumerate(KINDS.items()):
            reference_list = ReferenceList.objects.create(
                campaign=campaign,
                kind=kind,
                department=departments[offset],
                as_of=datetime.date(2021, 6, 30),
                file_name=f"{kind}.xlsx",
                sha256=f"{offset}" * 64,
                status=ImportStatus.DONE,
                is_current=True,
                imported=ROWS,
            )
            lists[kind] = reference_list.pk
            category = "local" if kind == ReferenceKind.INSURED_16PLUS else ""
            rows = io.StringIO()
            # The overlap spread over the entries (every k-th), then keys nobody on the lists has.
            step = ENTRIES // overlap
            for n in range(overlap):
                rows.write(f"{reference_list.pk}\t{_key(n * step + offset)}\t人\t{category}\t{{}}\n")
            for n in range(ROWS - overlap):
                rows.write(f"{reference_list.pk}\t{_key(10_000_000 * (offset + 1) + n)}\t人\t{category}\t{{}}\n")
            rows.seek(0)
            copy_expert(
                cursor.cursor,
                "COPY enrolment_referencerow (reference_list_id, key, name, category, details) FROM STDIN",
                rows,
            )
        # Settled, as a day's data is: the COPYed rows vacuumed and analysed here rather than by an autovacuum
        # that would start in the middle of the timings (right after the import benchmark's own COPY, say).
        cursor.execute("VACUUM ANALYZE enrolment_pushentry")
        cursor.execute("VACUUM ANALYZE enrolment_referencerow")
    return campaign, lists


def _best(action, *, reset=None) -> float:
    """The best of RUNS timings after one warm-up; ``reset`` (untimed) runs after each."""
    times = []
    for run in range(RUNS + 1):
        start = time.perf_counter()
        action()
        if run:
            times.append(time.perf_counter() - start)
        if reset is not None:
            reset()
    return min(times)


def run() -> dict:
    campaign, lists = _setup()
    written: list[int] = []

    def match_from_nothing() -> None:
        # Committed, so the foreign-key checks made at commit are counted too.
        written.append(entries_match(campaign=campaign))

    def forget() -> None:
        EntryMatch.objects.filter(entry__campaign=campaign).delete()

    def bare_joins(*, parallel: bool = False) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if not parallel:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            for kind, list_id in lists.items():
                cursor.execute(*match_kind_floor_sql(campaign_id=campaign.pk, kind=kind, list_id=list_id))
                cursor.fetchall()

    match_runs, floor_runs = turns.by_turns(match_from_nothing, bare_joins, runs=RUNS, reset=forget)
    seconds, baseline = min(match_runs), min(floor_runs)
    parallel_baseline = _best(lambda: bare_joins(parallel=True))
    entries_match(campaign=campaign)
    rematch = _best(lambda: entries_match(campaign=campaign))
    suggestions = EntryMatch.objects.filter(entry__campaign=campaign).count()
    assert suggestions == sum(KINDS.values()), suggestions
    assert not EntrySuggestion.objects.filter(entry__campaign=campaign).exists()
    return {
        "seconds": round(seconds, 4),
        "baseline_seconds": round(baseline, 4),
        "parallel_baseline_seconds": round(parallel_baseline, 4),
        "ratio": round(seconds / baseline, 3),
        "runs_seconds": [round(value, 4) for value in match_runs],
        "baseline_runs_seconds": [round(value, 4) for value in floor_runs],
        "queries": 3,  # the lists read, the advisory lock, the one INSERT
        "rematch_seconds": round(rematch, 4),
        "suggestions": written[-1],
        "entries": ENTRIES,
        "rows_per_kind": ROWS,
        "measured_at": timezone.now().isoformat(timespec="seconds"),
    }
