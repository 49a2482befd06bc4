"""Reads of progress: the `/api/progress/` payload and what the pages show, all from snapshots."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError
from django.db.models import F, Q
from django.utils.translation import gettext as _

from campaigns.dates import month_end
from campaigns.models import Campaign, Region, RegionPlan, Town, Village
from enrolment.models import ListKind
from targets.assessment import NOT_ASSESSED, competition_ranks, composite, judged_baseline, tone_of, uses_baseline
from targets.models import CountyTarget, Indicator, ProgressSnapshot, ProgressState, Target, WorkTally
from targets.services import progress_recompute, time_progress
from targets.services.progress import snapshot_rebased


def _number(value: Decimal | float | None, kind: str) -> int | float | None:
    """A JSON number rounded for its kind: whole persons, yuan to the fen, rates to 4 places."""
    if value is None:
        return None
    if kind == Indicator.Kind.COUNT:
        return int(Decimal(value).quantize(Decimal(1)))
    if kind == Indicator.Kind.AVERAGE:
        return float(round(Decimal(value), 2))
    return float(round(Decimal(value), 4))


def _fraction(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _pace(value: Decimal | None, kind: str) -> float | None:
    if value is None:
        return None
    return float(round(value, 1 if kind == Indicator.Kind.COUNT else 2))


def _place_document(snapshot: ProgressSnapshot) -> dict[str, object]:
    """One place's figures on one indicator, as the API publishes them (null where they cannot be assessed)."""
    kind = snapshot.indicator.kind
    target = snapshot.target_value
    baseline_known = snapshot.baseline is not None
    assessed = target is not None and snapshot.status not in ("", *NOT_ASSESSED)
    return {
        "target": _number(target, kind),
        "baseline": _number(snapshot.baseline, kind),
        "baseline_inherited": snapshot.baseline_inherited,
        "actual": _number(snapshot.actual, kind),
        "new": _number(snapshot.new_value, kind),
        "completion": _fraction(snapshot.completion),
        "level_completion": _fraction(snapshot.level_completion),
        # Kept for the earlier clients: the judged completion of counts and averages (rates have no increment).
        "new_completion": _fraction(snapshot.completion) if baseline_known else None,
        "status": snapshot.status or None,
        "tone": tone_of(snapshot.status, snapshot.completion, snapshot.time_progress),
        "behind": snapshot.behind,
        "forecast": _number(snapshot.forecast, kind),
        "needed_per_day": _pace(snapshot.needed_per_day, kind),
        # Only where the target can be assessed: without a baseline the forecast level means nothing.
        "will_miss": snapshot.forecast < target if assessed and snapshot.forecast is not None else None,
    }


def figures_tokens(*, campaign_ids: Iterable[int]) -> dict[int, str]:
    """Campaign id → the token of its stored figures (`ProgressState.figures`: replaced with every write of its
    snapshots or tallies), "" for a campaign never computed; one query. Read before the figures themselves, so
    what is cached under a token is never older than the token."""
    return dict(ProgressState.objects.filter(campaign_id__in=list(campaign_ids)).values_list("campaign_id", "figures"))


def plans_digest(*, region: Region) -> str:
    """A digest of every prefecture plan a region's board may judge by (the region's own and those above and
    below it) and of their targets: it changes with any edit of them (two queries)."""
    codes = [code for code in region.path.split("/") if code]
    plans = RegionPlan.objects.filter(Q(region__path__startswith=region.path) | Q(region__code__in=codes))
    rows = [
        list(plans.order_by("pk").values_list(*(f.attname for f in RegionPlan._meta.concrete_fields))),
        list(
            CountyTarget.objects.filter(plan__in=plans)
            .order_by("pk")
            .values_list(*(f.attname for f in CountyTarget._meta.concrete_fields))
        ),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def progress_snapshots(*, campaign: Campaign, as_of: datetime.date) -> list[ProgressSnapshot]:
    """The snapshots of a date, computed and stored first if there are none (one query when stored)."""

    def read() -> list[ProgressSnapshot]:
        return list(
            ProgressSnapshot.objects.filter(campaign=campaign, as_of=as_of)
            .select_related("indicator", "town")
            .order_by("indicator__order", "indicator_id", "town__order", "town_id")
        )

    snapshots = read()
    if not snapshots:
        # Another request may store the same date at the same moment: its set is as good as ours.
        with contextlib.suppress(IntegrityError):
            progress_recompute(campaign=campaign, as_of=as_of)
        snapshots = read()
    return snapshots


def campaign_progress(*, campaign: Campaign, as_of: datetime.date) -> dict[str, object]:
    """The `/api/progress/` document: every indicator, the city and every town on it, the towns' composite.

    Contract keys exact; the extra ones (forecast details, ``towns_overall``) are additions, never removals.
    """
    snapshots = progress_snapshots(campaign=campaign, as_of=as_of)
    by_indicator: dict[int, list[ProgressSnapshot]] = defaultdict(list)
    indicators: dict[int, Indicator] = {}
    for snapshot in snapshots:
        by_indicator[snapshot.indicator_id].append(snapshot)
        indicators[snapshot.indicator_id] = snapshot.indicator

    indicator_docs = []
    overall: dict[int, dict[str, object]] = {}
    for indicator_id, rows in by_indicator.items():
        indicator = indicators[indicator_id]
        city = next((row for row in rows if row.town_id is None), None)
        towns = [row for row in rows if row.town_id is not None]
        # Ranked towns first (best first), then the others in their usual order.
        towns.sort(key=lambda row: (row.rank is None, row.rank or 0, row.town.order, row.town_id))
        indicator_docs.append(
            {
                "code": indicator.code,
                "name": indicator.name,
                "unit": indicator.unit,
                "kind": indicator.kind,
                "city": _place_document(city) if city else None,
                "towns": [
                    {
                        "town": row.town.name,
                        **_place_document(row),
                        "rank": row.rank,
                        "composite": _fraction(row.composite),
                        "composite_rank": row.composite_rank,
                    }
                    for row in towns
                ],
            }
        )
        for row in towns:
            overall.setdefault(
                row.town_id,
                {
                    "town": row.town.name,
                    "composite": _fraction(row.composite),
                    # The composite under its earlier name.
                    "mean_completion": _fraction(row.composite),
                    "rank": row.composite_rank,
                    "behind": row.overall_behind,
                    "_order": (row.composite_rank is None, row.composite_rank or 0, row.town.order, row.town_id),
                },
            )
    towns_overall = sorted(overall.values(), key=lambda item: item["_order"])
    for item in towns_overall:
        del item["_order"]

    first = snapshots[0] if snapshots else None
    return {
        "campaign": campaign.name,
        "campaign_id": campaign.pk,
        "as_of": as_of.isoformat(),
        "time_progress": _fraction(time_progress(campaign, as_of)),
        "computed_at": first.computed_at.isoformat() if first else None,
        "indicators": indicator_docs,
        "towns_overall": towns_overall,
    }


def region_plans(*, region: Region, campaigns: list[Campaign], on: datetime.date) -> dict[int, RegionPlan]:
    """Campaign id → the prefecture's plan its county is judged against: of the prefecture above the county
    (the region itself for a prefecture's office, each prefecture below for a province's), the plan in force
    on ``on``. Counties under no plan are left out (one query)."""
    codes = [code for code in region.path.split("/") if code]
    plans: dict[int, list[RegionPlan]] = defaultdict(list)
    for plan in RegionPlan.objects.filter(
        Q(region__path__startswith=region.path) | Q(region__code__in=codes)
    ).select_related("region"):
        plans[plan.region_id].append(plan)
    in_force = {}
    for candidates in plans.values():
        started = [plan for plan in candidates if plan.start <= on]
        chosen = max(started, key=lambda plan: plan.start) if started else min(candidates, key=lambda plan: plan.start)
        in_force[chosen.region.path] = chosen
    found: dict[int, RegionPlan] = {}
    if not in_force:
        return found
    for campaign in campaigns:
        place = campaign.county.region
        if place is None:
            continue
        above = [plan for path, plan in in_force.items() if place.path.startswith(path)]
        if above:
            found[campaign.pk] = max(above, key=lambda plan: len(plan.region.path))
    return found


def counties_progress(
    *, campaigns: list[Campaign], as_of: datetime.date, region: Region | None = None
) -> dict[str, object]:
    """Counties side by side, as a county's towns are: each county's city-level figures (its campaign's, on
    ``as_of`` within that campaign's span), ranked per indicator and on a composite by the same rules as towns
    (`targets.assessment`: competition ranks, each completion capped in the composite).

    A county under a prefecture's plan (`region_plans`) is judged against the plan's target for it, by the
    measure that judges a town (`targets.services.progress.snapshot_rebased`), on the plan's time progress; a
    county the plan sets no target on an indicator is shown as a town without a target is (its figures, no
    completion, no rank). A county under no plan is judged against its own campaign's city targets.

    ``total`` is the region's line: the counties' figures added up (a mean or a rate over their summed
    numerators and denominators), judged against the plan's target for the whole prefecture if it sets one.

    One query for every county's stored figures, one for the plans, one for their targets; a county whose
    date is not stored yet is computed first. Returns the document's shape of `campaign_progress` with
    ``counties`` where it has ``towns``.
    """
    dates = {campaign.pk: campaign.clamp(as_of) for campaign in campaigns}
    snapshots = _city_snapshots(dates)
    stored = {snapshot.campaign_id for snapshot in snapshots}
    missing = [campaign for campaign in campaigns if campaign.pk not in stored]
    for campaign in missing:
        with contextlib.suppress(IntegrityError):
            progress_recompute(campaign=campaign, as_of=dates[campaign.pk])
    if missing:
        snapshots = _city_snapshots(dates)
    by_campaign = {campaign.pk: campaign for campaign in campaigns}
    plans = region_plans(region=region, campaigns=campaigns, on=as_of) if region is not None else {}
    own_plan = next((plan for plan in plans.values() if plan.region_id == region.pk), None) if region else None
    if own_plan is None and region is not None and region.level == Region.Level.PREFECTURE:
        own_plan = RegionPlan.objects.filter(region=region).current(on=as_of)
    plan_ids = {plan.pk for plan in plans.values()} | ({own_plan.pk} if own_plan else set())
    plan_targets = {
        (target.plan_id, target.indicator_id, target.county_id): target
        for target in CountyTarget.objects.filter(plan_id__in=plan_ids)
    }

    def judged(snapshot: ProgressSnapshot) -> ProgressSnapshot:
        campaign = by_campaign[snapshot.campaign_id]
        plan = plans.get(campaign.pk)
        if plan is None:
            return snapshot  # judged against its own campaign's city target when it was stored
        kind = snapshot.indicator.kind
        target = plan_targets.get((plan.pk, snapshot.indicator_id, campaign.county_id))
        whole = plan_targets.get((plan.pk, snapshot.indicator_id, None))
        baseline, inherited = (
            judged_baseline(kind, target.baseline, is_town=True, city=whole.baseline if whole else None)
            if target is not None
            else (None, False)
        )
        day = dates[campaign.pk]
        rebased = snapshot_rebased(
            snapshot,
            target_value=target.target_value if target is not None else None,
            baseline=baseline,
            time_progress=time_progress(plan, day),
            days_left=max(0, (plan.target_date - day).days),
        )
        rebased.baseline_inherited = inherited
        return rebased

    by_indicator: dict[int, list[ProgressSnapshot]] = defaultdict(list)
    indicators: dict[int, Indicator] = {}
    for snapshot in snapshots:
        by_indicator[snapshot.indicator_id].append(judged(snapshot))
        indicators[snapshot.indicator_id] = snapshot.indicator
    completions: dict[int, list[float]] = defaultdict(list)
    behind: dict[int, list[bool]] = defaultdict(list)
    indicator_docs = []
    for indicator_id in sorted(by_indicator, key=lambda pk: (indicators[pk].order, pk)):
        indicator = indicators[indicator_id]
        rows = by_indicator[indicator_id]
        assessed = [row for row in rows if row.target_value is not None]
        ranks = competition_ranks({row.campaign_id: row.completion for row in assessed if row.completion is not None})
        for row in assessed:
            if row.completion is not None:
                completions[row.campaign_id].append(row.completion)
            if row.behind is not None:
                behind[row.campaign_id].append(row.behind)
        rows.sort(
            key=lambda row: (
                ranks.get(row.campaign_id) is None,
                ranks.get(row.campaign_id, 0),
                by_campaign[row.campaign_id].county.division_code,
            )
        )
        whole = plan_targets.get((own_plan.pk, indicator_id, None)) if own_plan else None
        indicator_docs.append(
            {
                "code": indicator.code,
                "name": indicator.name,
                "unit": indicator.unit,
                "kind": indicator.kind,
                "total": _place_document(_region_total(rows, whole, own_plan, as_of)),
                "counties": [
                    {
                        "county": by_campaign[row.campaign_id].county.name,
                        "campaign_id": row.campaign_id,
                        **_place_document(row),
                        "rank": ranks.get(row.campaign_id),
                    }
                    for row in rows
                ],
            }
        )
    composites = {pk: composite(values) for pk, values in completions.items()}
    composite_ranks = competition_ranks({pk: value for pk, value in composites.items() if value is not None})
    overall = [
        {
            "county": campaign.county.name,
            "campaign_id": campaign.pk,
            "as_of": dates[campaign.pk].isoformat(),
            "composite": _fraction(composites.get(campaign.pk)),
            "rank": composite_ranks.get(campaign.pk),
            "behind": any(behind[campaign.pk]) if behind[campaign.pk] else None,
            "plan_id": plans[campaign.pk].pk if campaign.pk in plans else None,
        }
        for campaign in campaigns
    ]
    overall.sort(key=lambda item: (item["rank"] is None, item["rank"] or 0, item["county"]))
    return {
        "as_of": as_of.isoformat(),
        "plan": _plan_document(own_plan, as_of) if own_plan else None,
        "indicators": indicator_docs,
        "counties_overall": overall,
    }


def _plan_document(plan: RegionPlan, as_of: datetime.date) -> dict[str, object]:
    return {
        "id": plan.pk,
        "name": plan.name,
        "document_number": plan.document_number,
        "start": plan.start.isoformat(),
        "target_date": plan.target_date.isoformat(),
        "time_progress": _fraction(time_progress(plan, plan.clamp(as_of))),
    }


def _region_total(
    rows: list[ProgressSnapshot], whole: CountyTarget | None, plan: RegionPlan | None, as_of: datetime.date
) -> ProgressSnapshot:
    """The counties' figures on one indicator added up, judged against ``whole`` (the plan's target for the
    whole prefecture) when there is one."""
    first = rows[0] if rows else None
    ratio = first is not None and first.denominator is not None
    count = first is not None and not ratio and first.numerator is not None
    numerator = sum((row.numerator or Decimal(0) for row in rows), Decimal(0)) if (ratio or count) else None
    denominator = sum((row.denominator for row in rows), Decimal(0)) if ratio else None
    if ratio:
        actual = numerator / denominator if denominator else Decimal(0)
        forecast = None
    else:
        actual = sum((row.actual for row in rows), Decimal(0))
        forecast = sum((row.actual if row.forecast is None else row.forecast for row in rows), Decimal(0))
    day = plan.clamp(as_of) if plan else as_of
    total = ProgressSnapshot(
        indicator=first.indicator if first else None,
        as_of=day,
        actual=actual,
        numerator=numerator,
        denominator=denominator,
        forecast=forecast,
        time_progress=time_progress(plan, day) if plan else 0.0,
    )
    if whole is None or plan is None:
        return total
    return snapshot_rebased(
        total,
        target_value=whole.target_value,
        baseline=whole.baseline if uses_baseline(first.indicator.kind) else None,
        time_progress=total.time_progress,
        days_left=max(0, (plan.target_date - day).days),
    )


def _city_snapshots(dates: dict[int, datetime.date]) -> list[ProgressSnapshot]:
    if not dates:
        return []
    wanted = Q(pk__in=[])
    for campaign_id, day in dates.items():
        wanted |= Q(campaign_id=campaign_id, as_of=day)
    return list(ProgressSnapshot.objects.filter(wanted, town__isnull=True).select_related("indicator"))


# --- baselines ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BaselineCell:
    target: Target
    # The city's baseline this town's average is judged from while it has none of its own.
    inherited: Decimal | None

    @property
    def missing(self) -> bool:
        return self.target.baseline is None and self.inherited is None


@dataclass(frozen=True)
class BaselineRow:
    town: Town | None
    cells: list[BaselineCell | None]

    @property
    def label(self) -> str:
        return str(self.town) if self.town else str(_("全市"))


@dataclass(frozen=True)
class BaselineGrid:
    indicators: list[Indicator]
    rows: list[BaselineRow]

    @property
    def cells(self) -> list[BaselineCell]:
        return [cell for row in self.rows for cell in row.cells if cell is not None]

    @property
    def missing(self) -> list[BaselineCell]:
        return [cell for cell in self.cells if cell.missing]


def baseline_grid(*, campaign: Campaign) -> BaselineGrid:
    """The campaign's targets that are judged from a baseline, as a grid of the city and towns × indicators
    (two queries). Rates have no baseline and are left out."""
    targets = [
        target
        for target in Target.objects.filter(campaign=campaign).select_related("indicator", "town")
        if uses_baseline(target.indicator.kind)
    ]
    by_key = {(target.indicator_id, target.town_id): target for target in targets}
    indicators = sorted({target.indicator for target in targets}, key=lambda item: (item.order, item.pk))
    towns = [None, *Town.objects.filter(county_id=campaign.county_id)]
    rows = []
    for town in towns:
        cells: list[BaselineCell | None] = []
        for indicator in indicators:
            target = by_key.get((indicator.pk, town.pk if town else None))
            if target is None:
                cells.append(None)
                continue
            city = by_key.get((indicator.pk, None))
            judged, inherited = judged_baseline(
                indicator.kind, target.baseline, is_town=town is not None, city=city.baseline if city else None
            )
            cells.append(BaselineCell(target, judged if inherited else None))
        if any(cells):
            rows.append(BaselineRow(town, cells))
    return BaselineGrid(indicators, rows)


def missing_baselines(*, campaign: Campaign) -> list[Target]:
    """The targets that cannot be judged until their baseline is set (the office's to-do list)."""
    return [cell.target for cell in baseline_grid(campaign=campaign).missing]


def baseline_history(*, campaign: Campaign, limit: int = 20) -> list[object]:
    """The latest recorded baseline values of the campaign's targets, with who set them and when (one query)."""
    return list(
        Target.history.filter(campaign_id=campaign.pk)
        .select_related("history_user", "indicator", "town")
        .order_by("-history_date", "-history_id")[:limit]
    )


# --- push-list work, from the tallies the progress refresh keeps -----------------------------------------


@dataclass
class WorkCounts:
    """pushed → worked → enrolled / not due / refused / unreachable, and what is still to be checked."""

    pending: int = 0
    enrolled: int = 0
    not_due: int = 0
    refused: int = 0
    unreachable: int = 0

    def add(self, status: str, entries: int) -> None:
        setattr(self, status, getattr(self, status) + entries)

    @property
    def pushed(self) -> int:
        return self.pending + self.enrolled + self.not_due + self.refused + self.unreachable

    @property
    def worked(self) -> int:
        return self.pushed - self.pending

    @property
    def worked_share(self) -> float | None:
        return self.worked / self.pushed if self.pushed else None


@dataclass(frozen=True)
class WorkLine:
    town: Town
    kind: str
    kind_label: str
    counts: WorkCounts
    village: Village | None = None

    @property
    def open_statuses(self) -> list[tuple[str, int]]:
        """The statuses still to be worked on, with their counts (pending, refused, unreachable)."""
        return [(status, getattr(self.counts, status)) for status in ("pending", "refused", "unreachable")]


@dataclass(frozen=True)
class PushWork:
    lines: list[WorkLine]
    totals: dict[int, WorkCounts]
    total: WorkCounts
    computed_at: datetime.datetime | None


def push_work(*, campaign: Campaign, town: Town | None = None, by_village: bool = False) -> PushWork:
    """The push-list work per town and kind (per village too with ``by_village``), from the tallies the
    progress refresh keeps (one query; the tallies lag the entries by a coalesced recompute)."""
    tallies = WorkTally.objects.filter(campaign=campaign).select_related("town", *(["village"] if by_village else []))
    if town is not None:
        tallies = tallies.filter(town=town)
    grouped: dict[tuple, WorkCounts] = defaultdict(WorkCounts)
    places: dict[tuple, tuple[Town, Village | None]] = {}
    totals: dict[int, WorkCounts] = defaultdict(WorkCounts)
    total = WorkCounts()
    computed_at = None
    for tally in tallies:
        key = (tally.town_id, tally.village_id if by_village else None, tally.kind)
        grouped[key].add(tally.status, tally.entries)
        places[key] = (tally.town, tally.village if by_village else None)
        totals[tally.town_id].add(tally.status, tally.entries)
        total.add(tally.status, tally.entries)
        computed_at = max(computed_at or tally.computed_at, tally.computed_at)
    labels = dict(ListKind.choices)
    kind_order = {value: index for index, value in enumerate(ListKind.values)}
    lines = [
        WorkLine(places[key][0], key[2], str(labels.get(key[2], key[2])), counts, places[key][1])
        for key, counts in grouped.items()
    ]
    lines.sort(
        key=lambda line: (
            line.town.order,
            line.town.pk,
            line.village.name if line.village else "",
            kind_order.get(line.kind, 99),
        )
    )
    return PushWork(lines, dict(totals), total, computed_at)


# --- month-end trends ----------------------------------------------------------------------------------


def trend_dates(campaign: Campaign, as_of: datetime.date) -> list[datetime.date]:
    """Each month end from the campaign start up to ``as_of``, then ``as_of`` itself if it is not one."""
    dates = []
    day = month_end(campaign.start)
    while day < as_of:
        dates.append(day)
        day = month_end(day + datetime.timedelta(days=1))
    dates.append(as_of)
    return dates


@dataclass(frozen=True)
class Trend:
    """Completion at each date per indicator and place (None: the city), with the time progress."""

    dates: list[datetime.date]
    time_progress: list[float]
    completion: dict[tuple[int, int | None], list[float | None]]


def progress_trend(*, campaign: Campaign, as_of: datetime.date) -> Trend:
    """The month-end completions up to ``as_of`` (one query once the dates are stored; dates never read before
    are computed first, all in one recompute)."""
    dates = trend_dates(campaign, as_of)

    def read() -> list[tuple]:
        return list(
            ProgressSnapshot.objects.filter(campaign=campaign, as_of__in=dates)
            .order_by()
            .values_list("indicator_id", "town_id", "as_of", "completion", "time_progress")
        )

    rows = read()
    missing = set(dates) - {row[2] for row in rows}
    if missing:
        with contextlib.suppress(IntegrityError):
            progress_recompute(campaign=campaign, as_of=sorted(missing))
        rows = read()
    index = {day: position for position, day in enumerate(dates)}
    completion: dict[tuple[int, int | None], list[float | None]] = defaultdict(lambda: [None] * len(dates))
    progress = [time_progress(campaign, day) for day in dates]
    for indicator_id, town_id, day, value, _progress in rows:
        completion[(indicator_id, town_id)][index[day]] = value
    return Trend(dates, progress, dict(completion))


@dataclass(frozen=True)
class PlanLine:
    """One target of a prefecture's plan as its page shows it: whose, which indicator, baseline and target."""

    place: str
    indicator: Indicator
    baseline: Decimal | None
    target_value: Decimal
    note: str


def region_plan_lines(*, plans: list[RegionPlan]) -> dict[int, list[PlanLine]]:
    """Each plan's targets, the prefecture's own first, then its counties by division code, each by indicator;
    one query for all the plans."""
    lines: dict[int, list[PlanLine]] = defaultdict(list)
    targets = (
        CountyTarget.objects.filter(plan__in=plans)
        .select_related("indicator", "county")
        .order_by("plan_id", F("county__division_code").asc(nulls_first=True), "indicator__order", "indicator_id")
    )
    for target in targets:
        lines[target.plan_id].append(
            PlanLine(
                place=target.county.name if target.county else _("全市（州）"),
                indicator=target.indicator,
                baseline=target.baseline,
                target_value=target.target_value,
                note=target.note,
            )
        )
    return dict(lines)
