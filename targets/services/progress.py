"""The progress engine: where the city and every town stand on every indicator at a date.

All the data progress is computed from is read with one grouped query per source (enrolment records
grouped by town, insurance, transfer flag and day; projects grouped by town and dates; roster rows, a
small table), whatever the number of towns, records or dates. Grouped by day, one read serves any set of
dates: its rows are summed up to each date and to the day before the forecast's 28-day pace window. The
snapshots of the dates are replaced in one transaction.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime
import functools
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from campaigns.copying import copy_rows
from campaigns.dates import month_end
from campaigns.models import Campaign, Region, Town
from enrolment.models import ConstructionProject, EnrolmentRecord, Insurance, PneumoconiosisRoster, PushEntry
from targets.assessment import Standing, competition_ranks, composite, judged_baseline, measure_for
from targets.models import Indicator, ProgressSnapshot, ProgressState, Target, WorkTally, new_figures_token

logger = logging.getLogger(__name__)

PACE_DAYS = 28
# Non-month-end snapshots older than this are pruned by the refresh; they are recomputed on demand.
KEEP_RECENT_DAYS = 7
# A RUNNING claim older than this belongs to a worker that died without its task being redelivered.
STALE_CLAIM = datetime.timedelta(minutes=settings.PROGRESS_STALE_CLAIM_MINUTES)

# Indicator codes (public: the API and the fixtures use them) → the record series that feeds them.
COUNT_SERIES = {
    "employee_pension_insured": Insurance.EMPLOYEE_PENSION,
    "unemployment_insured": Insurance.UNEMPLOYMENT,
    "work_injury_insured": Insurance.WORK_INJURY,
    "resident_pension_insured": Insurance.RESIDENT_PENSION,
    "resident_to_employee_transfer": "transfer",
}
AVERAGE_CONTRIBUTION = "resident_avg_contribution"
CONSTRUCTION_RATE = "construction_injury_rate"
PNEUMOCONIOSIS_RATE = "pneumoconiosis_injury_rate"

_CONTRIB_SUM = "contribution_sum"
_CONTRIB_N = "contribution_n"
_PROJECTS_PERMITTED = "projects_permitted"
_PROJECTS_INSURED = "projects_insured"
_ROSTER_WORKERS = "roster_workers"
_ROSTER_COVERED = "roster_covered"
FOUR_PLACES = Decimal("0.0001")


def _dec(value: float | Decimal | int) -> Decimal:
    return Decimal(str(value)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def time_progress(campaign: Campaign, as_of: datetime.date) -> float:
    """(as_of − start) / (target date − start) in days, clamped to [0, 1].

    Both spans are date differences (one end counted, not both): 0 on the start day, 1 on the target date,
    104 / 288 = 0.361 on 2021-06-30 for the 2021 campaign; ``needed_per_day`` divides by the
    (target date − as_of) days left on the same convention, so elapsed + left = the campaign's days.
    """
    total = (campaign.target_date - campaign.start).days
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, (as_of - campaign.start).days / total))


def _pace(campaign: Campaign, day: datetime.date) -> tuple[int, datetime.date]:
    """The forecast's pace window at ``day``: its length in days (``PACE_DAYS``, never reaching before the campaign
    start) and the last day before it."""
    window = max(1, min(PACE_DAYS, (day - campaign.start).days + 1))
    return window, day - datetime.timedelta(days=window)


def _cutoffs(campaign: Campaign, dates: Iterable[datetime.date]) -> list[datetime.date]:
    """Every date the figures of ``dates`` are summed up to, in order: each date and the last day before its pace
    window."""
    return sorted({cut for day in dates for cut in (day, _pace(campaign, day)[1])})


class _Sources:
    """Everything read from the database for one campaign, summed up to each cut-off date (`_cutoffs`) by town and
    quantity: the records' counts and contributions, the construction projects permitted and insured, the
    rosters' workers and covered workers. The city's figure of a quantity is the sum over its towns.

    The read's grouped rows are summed into the periods between the cut-offs as they come (one binary search a
    row), not kept by day: a recompute asks for a few dates, and the running totals of every day cost it more
    than the rest of its Python."""

    __slots__ = ("_by_quantity", "_position", "_totals")

    def __init__(self, cutoffs: list[datetime.date], totals: dict[tuple[int, str], list[Decimal | int]]) -> None:
        self._position = {cut: position for position, cut in enumerate(cutoffs)}
        self._totals = totals
        self._by_quantity: defaultdict[str, list[list[Decimal | int]]] = defaultdict(list)
        for (_town, quantity), found in totals.items():
            self._by_quantity[quantity].append(found)

    def at(self, town_id: int | None, key: str, day: datetime.date) -> Decimal:
        """The sum of ``key`` up to ``day`` (one of the cut-offs: any other date is a KeyError) in one town, or in
        the city (``None``)."""
        position = self._position[day]
        if town_id is None:
            return sum((Decimal(found[position]) for found in self._by_quantity.get(key, ())), Decimal(0))
        found = self._totals.get((town_id, key))
        return Decimal(found[position]) if found else Decimal(0)


def _read_sources(campaign: Campaign, *, cutoffs: list[datetime.date]) -> _Sources:
    until = cutoffs[-1]
    year_start = datetime.date(campaign.year, 1, 1)
    year_end = datetime.date(campaign.year, 12, 31)

    # All three sources are read in plain SQL: through the ORM the building of each query cost about a
    # millisecond (the records') or more than its read in the database (the two small tables'), a fixed cost
    # of every recompute that does not shrink with a county's records.
    records, projects, rosters, towns = (
        connection.ops.quote_name(model._meta.db_table)
        for model in (EnrolmentRecord, ConstructionProject, PneumoconiosisRoster, Town)
    )
    with connection.cursor() as cursor:
        # 1. Enrolment records: one grouped aggregate.
        cursor.execute(
            "SELECT town_id, insurance, is_transfer, enrolled_on, COUNT(id), SUM(contribution), COUNT(contribution)"
            f" FROM {records} WHERE campaign_id = %s AND enrolled_on >= %s AND enrolled_on <= %s"
            " GROUP BY town_id, insurance, is_transfer, enrolled_on",
            [campaign.pk, min(campaign.start, year_start), until],
        )
        grouped = cursor.fetchall()
        # 2. Construction projects permitted in the campaign year: one grouped aggregate.
        cursor.execute(
            "SELECT p.town_id, p.permit_date, p.insured_on, p.injury_insured, COUNT(p.id)"
            f" FROM {projects} p JOIN {towns} t ON t.id = p.town_id"
            " WHERE t.county_id = %s AND p.permit_date >= %s AND p.permit_date <= %s"
            " GROUP BY p.town_id, p.permit_date, p.insured_on, p.injury_insured",
            [campaign.county_id, year_start, min(until, year_end)],
        )
        permitted = cursor.fetchall()
        # 3. Pneumoconiosis rosters: every row up to the last date (a small table: enterprises × reporting dates).
        cursor.execute(
            "SELECT r.uscc, r.as_of, r.town_id, r.workers, r.covered_workers"
            f" FROM {rosters} r JOIN {towns} t ON t.id = r.town_id"
            " WHERE t.county_id = %s AND r.as_of <= %s ORDER BY r.uscc, r.as_of",
            [campaign.county_id, until],
        )
        reported = cursor.fetchall()

    # PostgreSQL sums a numeric column as a Decimal; SQLite as a float (or an int), brought back to the
    # column's exact cents.
    cents = Decimal(1).scaleb(-EnrolmentRecord._meta.get_field("contribution").decimal_places)

    def money(value: Decimal | float | int) -> Decimal:
        return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(cents)

    # Each grouped row goes to its town's amounts only (the city's figures are the sums over its towns, taken
    # when asked), in the period of the first cut-off on or after its date (the last period, after every
    # cut-off, holds what dates later, a project insured after the last date, and is never summed up to): one
    # binary search and a few list updates a row, which at a million records is most of the Python the
    # recompute runs. Counts stay ints (a Decimal for every grouped row costs more than the aggregate's own
    # read), sums of money Decimals: the totals are exact either way.
    periods = len(cutoffs) + 1
    amounts: defaultdict[tuple[int, str], list[Decimal | int]] = defaultdict(lambda: [0] * periods)
    period = functools.partial(bisect.bisect_left, cutoffs)
    start, transfer, resident = campaign.start, Insurance.EMPLOYEE_PENSION, Insurance.RESIDENT_PENSION
    for town_id, insurance, is_transfer, day, n, contribution_sum, contribution_n in grouped:
        at = period(day)
        if day >= start:
            amounts[(town_id, insurance)][at] += n
            if is_transfer and insurance == transfer:
                amounts[(town_id, "transfer")][at] += n
        if contribution_n and insurance == resident and year_start <= day <= year_end:
            amounts[(town_id, _CONTRIB_SUM)][at] += money(contribution_sum)
            amounts[(town_id, _CONTRIB_N)][at] += contribution_n
    # A project counts as permitted from its permit date, and as insured from the later of its permit date and
    # its insurance date (from its permit date when insured without a date).
    for town_id, permit_date, insured_on, injury_insured, n in permitted:
        amounts[(town_id, _PROJECTS_PERMITTED)][period(permit_date)] += n
        if injury_insured:
            amounts[(town_id, _PROJECTS_INSURED)][period(max(permit_date, insured_on or permit_date))] += n
    # An enterprise counts by its latest roster row on or before a date: each row adds its figures to its town
    # on its date and takes back the enterprise's previous row's from that row's town, so that the sum up to a
    # date is the sum over the enterprises' latest rows.
    previous: tuple[str, int, int, int] | None = None
    for uscc, as_of, town_id, workers, covered in reported:
        at = period(as_of)
        amounts[(town_id, _ROSTER_WORKERS)][at] += workers
        amounts[(town_id, _ROSTER_COVERED)][at] += covered
        if previous is not None and previous[0] == uscc:
            _uscc, previous_town, previous_workers, previous_covered = previous
            amounts[(previous_town, _ROSTER_WORKERS)][at] -= previous_workers
            amounts[(previous_town, _ROSTER_COVERED)][at] -= previous_covered
        previous = (uscc, town_id, workers, covered)
    return _Sources(cutoffs, {key: list(accumulate(found)) for key, found in amounts.items()})


@dataclass
class _Measured:
    """What the data say about one indicator in one place at one date."""

    actual: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    forecast: Decimal
    # A mean or a rate needs something to be taken over (records, projects, workers); a count always has data.
    has_data: bool = True


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    return numerator / denominator if denominator else Decimal(0)


def _measure(
    indicator: Indicator,
    sources: _Sources,
    town_id: int | None,
    baseline: Decimal,
    campaign: Campaign,
    day: datetime.date,
) -> _Measured:
    """The actual value at ``day`` and its forecast at the target date from the pace of the last 28 days.

    ``baseline`` is added to a count's enrolments (0 where none is set: the actual is then the new
    enrolments alone, and the measure of the count says that it cannot be judged).
    """
    days_left = max(0, (campaign.target_date - day).days)
    window, before = _pace(campaign, day)
    code = indicator.code

    def pair_at(when: datetime.date) -> tuple[Decimal, Decimal]:
        if code == AVERAGE_CONTRIBUTION:
            return sources.at(town_id, _CONTRIB_SUM, when), sources.at(town_id, _CONTRIB_N, when)
        if code == CONSTRUCTION_RATE:
            return sources.at(town_id, _PROJECTS_INSURED, when), sources.at(town_id, _PROJECTS_PERMITTED, when)
        if code == PNEUMOCONIOSIS_RATE:
            return sources.at(town_id, _ROSTER_COVERED, when), sources.at(town_id, _ROSTER_WORKERS, when)
        raise KeyError(code)

    if code in COUNT_SERIES:
        count = sources.at(town_id, COUNT_SERIES[code], day)
        recent = count - sources.at(town_id, COUNT_SERIES[code], before)
        actual = baseline + count
        forecast = actual + recent / window * days_left if day >= campaign.start else actual
        return _Measured(actual, count, None, forecast)
    if code in (AVERAGE_CONTRIBUTION, CONSTRUCTION_RATE, PNEUMOCONIOSIS_RATE):
        numerator, denominator = pair_at(day)
        actual = _ratio(numerator, denominator)
        has_data = denominator > 0
        if day < campaign.start:
            return _Measured(actual, numerator, denominator, actual, has_data)
        old_numerator, old_denominator = pair_at(before)
        # Extrapolate numerator and denominator at their recent pace; the ratio at the target date follows.
        projected = _ratio(
            numerator + (numerator - old_numerator) / window * days_left,
            denominator + (denominator - old_denominator) / window * days_left,
        )
        forecast = projected if denominator or projected else actual
        if indicator.kind == Indicator.Kind.RATE:
            forecast = min(Decimal(1), max(Decimal(0), forecast))
        return _Measured(actual, numerator, denominator, forecast, has_data)
    # An indicator this engine does not know how to measure: listed, with nothing achieved.
    return _Measured(baseline, None, None, baseline, has_data=False)


def snapshot_assess(snapshot: ProgressSnapshot, *, kind: str, has_data: bool, days_left: int) -> None:
    """Judge a snapshot against the target value and baseline set on it, by the measure of its indicator's kind
    (`targets.assessment`): its status, completions, increment, lag and what is still needed per day.

    The one place a place's figures are judged: a town's or a city's by the engine, a county's against its
    prefecture's plan by `snapshot_rebased`."""
    assessment = measure_for(kind).assess(
        Standing(
            actual=snapshot.actual,
            target=snapshot.target_value,
            baseline=snapshot.baseline,
            has_data=has_data,
            time_progress=snapshot.time_progress,
        )
    )
    snapshot.status = assessment.status
    snapshot.completion = assessment.completion
    snapshot.level_completion = assessment.level_completion
    snapshot.new_value = _dec(assessment.new) if assessment.new is not None else None
    snapshot.behind = assessment.behind
    # What is still needed only means something where the starting level is known.
    if days_left > 0 and kind == Indicator.Kind.COUNT and snapshot.baseline is not None:
        snapshot.needed_per_day = _dec(max(Decimal(0), (snapshot.target_value - snapshot.actual) / days_left))


def snapshot_has_data(snapshot: ProgressSnapshot) -> bool:
    """Whether a stored snapshot had anything to measure (`_Measured.has_data`): a count always (its
    ``numerator`` is the new enrolments), a mean or a rate when its denominator is not 0, an indicator the
    engine cannot measure (neither stored) never."""
    if snapshot.denominator is not None:
        return snapshot.denominator > 0
    return snapshot.numerator is not None


def snapshot_rebased(
    snapshot: ProgressSnapshot,
    *,
    target_value: Decimal | None,
    baseline: Decimal | None,
    time_progress: float,
    days_left: int,
) -> ProgressSnapshot:
    """A stored snapshot read against another target (a county's city-level figures against its prefecture's
    plan): unsaved, with the plan's target, baseline and time progress, judged by `snapshot_assess`.

    A count's level is the new baseline plus the new enrolments (as `_measure` makes it); a mean or a rate is
    what it is, whatever the target.
    """
    actual, forecast = snapshot.actual, snapshot.forecast
    if snapshot.denominator is None and snapshot.numerator is not None:
        actual = (baseline or Decimal(0)) + snapshot.numerator
        forecast = None if forecast is None else forecast - snapshot.actual + actual
    rebased = ProgressSnapshot(
        campaign_id=snapshot.campaign_id,
        indicator=snapshot.indicator,
        town=None,
        as_of=snapshot.as_of,
        target_value=target_value,
        baseline=baseline,
        actual=_dec(actual),
        numerator=snapshot.numerator,
        denominator=snapshot.denominator,
        time_progress=time_progress,
        forecast=None if forecast is None else _dec(forecast),
        computed_at=snapshot.computed_at,
    )
    if target_value is not None:
        snapshot_assess(
            rebased, kind=snapshot.indicator.kind, has_data=snapshot_has_data(snapshot), days_left=days_left
        )
    return rebased


def _build_snapshots(
    campaign: Campaign,
    day: datetime.date,
    sources: _Sources,
    indicators: list[Indicator],
    towns: list[Town],
    targets: dict[tuple[int, int | None], Target],
    now: datetime.datetime,
) -> list[ProgressSnapshot]:
    progress = time_progress(campaign, day)
    days_left = (campaign.target_date - day).days
    snapshots: list[ProgressSnapshot] = []
    town_rows: dict[int, list[ProgressSnapshot]] = defaultdict(list)

    for indicator in indicators:
        city_target = targets.get((indicator.pk, None))
        town_completions: dict[int, float] = {}
        indicator_town_rows: list[ProgressSnapshot] = []
        for town in [None, *towns]:
            town_id = town.pk if town else None
            target = targets.get((indicator.pk, town_id))
            own_baseline = target.baseline if target is not None else None
            baseline, inherited = (
                judged_baseline(
                    indicator.kind,
                    own_baseline,
                    is_town=town_id is not None,
                    city=city_target.baseline if city_target is not None else None,
                )
                if target is not None
                else (None, False)
            )
            measured = _measure(indicator, sources, town_id, own_baseline or Decimal(0), campaign, day)
            actual = _dec(measured.actual)
            snapshot = ProgressSnapshot(
                campaign=campaign,
                indicator=indicator,
                town=town,
                target=target,
                as_of=day,
                target_value=target.target_value if target else None,
                baseline=baseline,
                baseline_inherited=inherited,
                actual=actual,
                numerator=_dec(measured.numerator) if measured.numerator is not None else None,
                denominator=_dec(measured.denominator) if measured.denominator is not None else None,
                time_progress=progress,
                forecast=_dec(measured.forecast),
                computed_at=now,
            )
            if target is not None:
                snapshot_assess(snapshot, kind=indicator.kind, has_data=measured.has_data, days_left=days_left)
                if town_id is not None and snapshot.completion is not None:
                    town_completions[town_id] = snapshot.completion
            if town_id is not None:
                town_rows[town_id].append(snapshot)
                indicator_town_rows.append(snapshot)
            snapshots.append(snapshot)
        ranks = competition_ranks(town_completions)
        for snapshot in indicator_town_rows:
            snapshot.rank = ranks.get(snapshot.town_id)

    composites = {
        town_id: composite(row.completion for row in rows if row.completion is not None)
        for town_id, rows in town_rows.items()
    }
    composite_ranks = competition_ranks({key: value for key, value in composites.items() if value is not None})
    for town_id, rows in town_rows.items():
        assessed = [row.behind for row in rows if row.behind is not None]
        overall_behind = any(assessed) if assessed else None
        for snapshot in rows:
            snapshot.composite = composites[town_id]
            snapshot.composite_rank = composite_ranks.get(town_id)
            snapshot.overall_behind = overall_behind
    return snapshots


def progress_compute(*, campaign: Campaign, dates: Iterable[datetime.date]) -> list[ProgressSnapshot]:
    """The snapshots of ``dates``, computed but not saved (a fixed number of queries)."""
    dates = sorted(set(dates))
    if not dates:
        return []
    # Three small tables, read as model instances from plain SQL (``raw``): a queryset's building cost more
    # than its read, a fixed cost per recompute that does not shrink with a county's records. The orders are
    # the models' (the towns' without its county, all of one county here).
    quote = connection.ops.quote_name
    table = {model: quote(model._meta.db_table) for model in (Indicator, Town, Target)}
    indicators = list(Indicator.objects.raw(f'SELECT * FROM {table[Indicator]} ORDER BY "order", "id"'))
    towns = list(
        Town.objects.raw(
            f'SELECT * FROM {table[Town]} WHERE "county_id" = %s ORDER BY "order", "id"', [campaign.county_id]
        )
    )
    targets = {
        (target.indicator_id, target.town_id): target
        for target in Target.objects.raw(f'SELECT * FROM {table[Target]} WHERE "campaign_id" = %s', [campaign.pk])
    }
    sources = _read_sources(campaign, cutoffs=_cutoffs(campaign, dates))
    now = timezone.now()
    snapshots: list[ProgressSnapshot] = []
    for day in dates:
        snapshots.extend(_build_snapshots(campaign, day, sources, indicators, towns, targets, now))
    return snapshots


def _state_for(campaign: Campaign) -> ProgressState:
    state, _created = ProgressState.objects.get_or_create(campaign=campaign)
    return state


def _figures_changed(campaign: Campaign) -> None:
    """A new token for the campaign's stored figures, in the transaction that writes them.

    One UPDATE, which also locks the campaign's state row until that transaction ends: a writer of the
    figures calls it first, and a second writer of the same campaign waits for the first to commit. A
    campaign without a state row gets one, then the same UPDATE (so the row is locked either way). Plain
    SQL: the queryset's building cost several times the UPDATE itself, on every recompute."""
    sql = (
        f'UPDATE {connection.ops.quote_name(ProgressState._meta.db_table)} SET "figures" = %s WHERE "campaign_id" = %s'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [new_figures_token(), campaign.pk])
        if not cursor.rowcount:
            _state_for(campaign)
            cursor.execute(sql, [new_figures_token(), campaign.pk])


@contextlib.contextmanager
def _derived_atomic() -> Iterator[None]:
    """A transaction that writes only figures derived from the data (snapshots, tallies, their token).

    When it is the outermost one, its commit on PostgreSQL does not wait for the WAL to reach the disk
    (``synchronous_commit`` off for this transaction only): waiting would cost every recompute a flush of
    all the WAL written before it, a running import's included. A crash in the moment after the commit can
    lose the new figures, never mix them with old ones (the recompute runs again); the next synchronous
    commit (the claim's release) makes them durable with it. Nested in another transaction, that
    transaction's own commit is left as it is.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def progress_recompute(*, campaign: Campaign, as_of: datetime.date | Iterable[datetime.date]) -> list[ProgressSnapshot]:
    """Compute and store the snapshots of one date (or several) for every target of the campaign.

    The old snapshots of those dates are replaced in the same transaction: a reader sees either the old
    set or the new one, and a worker killed midway leaves the old set. The campaign's state row is locked
    first and for the duration (by the UPDATE that renews the figures' token), so two writers of one
    campaign never interleave.
    """
    dates = [as_of] if isinstance(as_of, datetime.date) else sorted(set(as_of))
    with _derived_atomic():
        _figures_changed(campaign)
        snapshots = progress_compute(campaign=campaign, dates=dates)
        _snapshots_delete(campaign, dates)
        _snapshots_insert(snapshots)
    return snapshots


def _snapshots_delete(campaign: Campaign, dates: list[datetime.date]) -> None:
    """Delete the campaign's snapshots of ``dates`` with one plain DELETE (nothing refers to a snapshot, so
    the queryset's ``delete`` had nothing to collect: its building was the whole of its cost)."""
    if not dates:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(ProgressSnapshot._meta.db_table)}"
            f' WHERE "campaign_id" = %s AND "as_of" IN ({", ".join(["%s"] * len(dates))})',
            [campaign.pk, *(connection.ops.adapt_datefield_value(day) for day in dates)],
        )


def _snapshots_insert(snapshots: list[ProgressSnapshot]) -> None:
    """Store ``snapshots``: one COPY on PostgreSQL, plain multi-row INSERTs elsewhere. The snapshots keep no
    primary key.

    ``bulk_create`` spent more time converting the values, building its statement and reading back the new
    ids (which nothing uses) than the database spent writing the few dozen rows of a date, and a multi-row
    INSERT still spent as long adapting its thousand parameters and having them parsed as the server spent
    storing the rows. COPY takes each value's text as it is: the engine sets every field to its own type
    (Decimals, floats, dates, an aware datetime, ids), whose text PostgreSQL reads as Django's conversions for
    these fields would have sent them. On another backend the values go through each field's own conversion,
    as ``bulk_create`` does.
    """
    if not snapshots:
        return
    meta = ProgressSnapshot._meta
    fields = [model_field for model_field in meta.concrete_fields if not model_field.primary_key]
    names = [f.attname for f in fields]
    if connection.vendor == "postgresql":
        copy_rows(meta.db_table, [f.column for f in fields], ([getattr(s, n) for n in names] for s in snapshots))
        return
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    batch = max(1, min(1000, connection.ops.bulk_batch_size(fields, snapshots)))
    with connection.cursor() as cursor:
        for first in range(0, len(snapshots), batch):
            chunk = snapshots[first : first + batch]
            values = [f.get_db_prep_save(getattr(one, f.attname), connection) for one in chunk for f in fields]
            cursor.execute(head + ", ".join([row] * len(chunk)), values)


def _dates_to_refresh(campaign: Campaign, today: datetime.date) -> list[datetime.date]:
    """Today (within the campaign) and every date that still has snapshots once the old non-month-end ones
    are pruned."""
    stored = ProgressSnapshot.objects.filter(campaign=campaign).order_by().values_list("as_of", flat=True).distinct()
    keep_after = today - datetime.timedelta(days=KEEP_RECENT_DAYS)
    kept = {day for day in stored if day >= keep_after or day == month_end(day)}
    stale = set(stored) - kept
    if stale:
        ProgressSnapshot.objects.filter(campaign=campaign, as_of__in=stale).delete()
    return sorted(kept | {today})


def progress_refresh(*, campaign: Campaign, as_of: datetime.date | None = None) -> int:
    """Recompute ``as_of`` (default: today and every date still stored, after pruning) and count the
    push-list work afresh. Returns the snapshot rows written."""
    with _derived_atomic():
        dates = [as_of] if as_of else _dates_to_refresh(campaign, campaign.default_as_of())
        written = len(progress_recompute(campaign=campaign, as_of=dates))
        work_tally_refresh(campaign=campaign)
        return written


def work_tally_refresh(*, campaign: Campaign) -> int:
    """Replace the campaign's push-list tallies with a fresh count (one grouped query). Returns the rows."""
    now = timezone.now()
    counts = (
        PushEntry.objects.filter(campaign=campaign)
        .order_by()
        .values_list("town_id", "village_id", "kind", "status")
        .annotate(n=Count("id"))
    )
    tallies = [
        WorkTally(
            campaign=campaign,
            town_id=town_id,
            village_id=village_id,
            kind=kind,
            status=status,
            entries=n,
            computed_at=now,
        )
        for town_id, village_id, kind, status, n in counts
    ]
    with _derived_atomic():
        _figures_changed(campaign)
        WorkTally.objects.filter(campaign=campaign).delete()
        WorkTally.objects.bulk_create(tallies, batch_size=1000)
    return len(tallies)


# --- Coalescing and mutual exclusion ---------------------------------------------------------------------


def progress_recompute_request(*, campaign: Campaign) -> bool:
    """Ask for a recompute after data changed. Cheap; call it from every write that changes progress.

    Marks the campaign dirty and enqueues one task (after the commit) unless one is already queued:
    a thousand changes cause one recompute. A task already running re-runs once it finishes. Returns
    whether a task was enqueued.
    """
    now = timezone.now()
    _state_for(campaign)
    ProgressState.objects.filter(campaign=campaign).update(dirty=True, requested_at=now)
    stale = now - STALE_CLAIM
    enqueue = (
        ProgressState.objects.filter(campaign=campaign)
        .filter(
            Q(status=ProgressState.Status.IDLE)
            # A message the broker lost, or a worker that died for good: do not wait on them for ever.
            | Q(status=ProgressState.Status.QUEUED, queued_at__lt=stale)
            | Q(status=ProgressState.Status.RUNNING, claimed_at__lt=stale)
        )
        .update(status=ProgressState.Status.QUEUED, queued_at=now)
    )
    if enqueue:
        from targets.tasks import progress_run_task

        campaign_id = campaign.pk

        def enqueue_task() -> None:
            try:
                progress_run_task.delay(campaign_id)
            except Exception:  # the data change is committed; progress catches up later
                # A broker outage (or, in eager mode, a failing run) must not fail the import that asked.
                # Back to idle with the dirty flag kept, so the next request or the nightly run enqueues again.
                logger.exception("could not run the progress recompute of campaign %s", campaign_id)
                ProgressState.objects.filter(campaign_id=campaign_id, status=ProgressState.Status.QUEUED).update(
                    status=ProgressState.Status.IDLE
                )

        transaction.on_commit(enqueue_task)
    return bool(enqueue)


def progress_recompute_request_running(*, today: datetime.date) -> int:
    """Ask for a recompute of every campaign running on ``today`` or ended within the month before (late data
    still arrives then). Returns how many were enqueued."""
    campaigns = Campaign.objects.filter(start__lte=today, target_date__gte=today - datetime.timedelta(days=31))
    return sum(progress_recompute_request(campaign=campaign) for campaign in campaigns)


def region_campaigns(*, region: Region, today: datetime.date) -> list[Campaign]:
    """The campaigns of the counties below ``region`` that the nightly recompute would take on ``today``
    (running, or ended within the month before), in division-code order."""
    return list(
        Campaign.objects.filter(
            county__region__path__startswith=region.path,
            start__lte=today,
            target_date__gte=today - datetime.timedelta(days=31),
        ).order_by("county__division_code", "start")
    )


def progress_claim(*, campaign: Campaign, token: str, refresh: bool = True) -> bool:
    """Claim the campaign's recompute for ``token``; False when another live run holds it.

    The same token may claim again: a task redelivered after its worker died (acks_late) takes its own
    work back. A claim older than STALE_CLAIM is reclaimable by anyone. A ``refresh`` (all stored dates and
    today) takes the pending changes with it; a single date does not.
    """
    now = timezone.now()
    _state_for(campaign)
    changes = {"dirty": False} if refresh else {}
    return bool(
        ProgressState.objects.filter(campaign=campaign)
        .filter(
            Q(status__in=[ProgressState.Status.IDLE, ProgressState.Status.QUEUED])
            | Q(claimed_by=token)
            | Q(status=ProgressState.Status.RUNNING, claimed_at__lt=now - STALE_CLAIM)
        )
        .update(status=ProgressState.Status.RUNNING, claimed_by=token, claimed_at=now, last_error="", **changes)
    )


def progress_release(*, campaign: Campaign, token: str, error: str = "") -> bool:
    """Give the claim back. Returns whether changes arrived during the run (the caller asks again)."""
    ProgressState.objects.filter(campaign=campaign, claimed_by=token).update(
        status=ProgressState.Status.IDLE,
        claimed_by="",
        finished_at=timezone.now(),
        runs=F("runs") + (0 if error else 1),
        last_error=error[:2000],
    )
    return ProgressState.objects.filter(campaign=campaign, dirty=True).exists()


class RecomputeBusy(Exception):
    """Another recompute of the campaign holds the claim."""


def progress_run(*, campaign: Campaign, as_of: datetime.date | None = None, token: str | None = None) -> int:
    """Claim, recompute, release: the one path of the Celery task and the command. Raises RecomputeBusy."""
    token = token or uuid.uuid4().hex
    if not progress_claim(campaign=campaign, token=token, refresh=as_of is None):
        raise RecomputeBusy(campaign.pk)
    try:
        written = progress_refresh(campaign=campaign, as_of=as_of)
    except Exception as exc:
        progress_release(campaign=campaign, token=token, error=f"{type(exc).__name__}: {exc}")
        raise
    if progress_release(campaign=campaign, token=token):
        progress_recompute_request(campaign=campaign)
    logger.info("progress recomputed: campaign=%s rows=%s", campaign.pk, written)
    return written
