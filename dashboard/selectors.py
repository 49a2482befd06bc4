"""What the leadership dashboard shows, read in a fixed number of queries whatever the data size.

The figures are those of `/api/progress/` (``targets.selectors.campaign_progress``): this module arranges
them (headline cards, the town × indicator matrix, trends, the to-do list) and adds the reports of the
period and the push-list work, never recomputing a figure of its own.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.cache import cache
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Phase, Region, Town, User
from enrolment.selectors import Resolved, entries_resolved_by_source
from reporting.schedule import Period, all_periods, current_period, end_of_day
from reporting.selectors import UnitStatus, period_statuses, reporting_units, unit_periods
from targets.assessment import LAGGING, NOT_ASSESSED
from targets.charts import LineChart, Timeline, phase_timeline, trend_chart
from targets.models import Indicator
from targets.selectors import (
    PushWork,
    campaign_progress,
    counties_progress,
    figures_tokens,
    plans_digest,
    progress_trend,
    push_work,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Cell:
    """One town on one indicator: the API's figures for it (None where it has no target)."""

    code: str
    kind: str
    figures: dict[str, object]

    @property
    def has_target(self) -> bool:
        return self.figures.get("target") is not None

    @property
    def sort_value(self) -> float:
        """Completion for sorting: not assessable sorts below every completion."""
        value = self.figures.get("completion")
        return -1.0 if value is None else float(value)


@dataclass(frozen=True)
class MatrixRow:
    town: Town
    cells: list[Cell]
    composite: float | None
    composite_rank: int | None
    behind: bool | None

    @property
    def assessed(self) -> int:
        return sum(1 for cell in self.cells if cell.figures.get("status") not in (None, *NOT_ASSESSED))

    @property
    def lagging(self) -> int:
        return sum(1 for cell in self.cells if cell.figures.get("status") in LAGGING)


@dataclass(frozen=True)
class ReportBoard:
    """The reports of the period being worked on, and of the last period whose deadline has passed."""

    current: Period | None
    current_statuses: list[UnitStatus]
    previous: Period | None
    previous_statuses: list[UnitStatus]

    def counts(self, statuses: list[UnitStatus]) -> dict[str, int]:
        counted: dict[str, int] = {}
        for status in statuses:
            counted[status.status] = counted.get(status.status, 0) + 1
        return counted

    @property
    def rows(self) -> list[tuple[UnitStatus, UnitStatus | None]]:
        before = {(item.kind, item.unit.pk): item for item in self.previous_statuses}
        return [(item, before.get((item.kind, item.unit.pk))) for item in self.current_statuses]

    @property
    def overdue(self) -> list[UnitStatus]:
        """Units whose report of a closed period is still missing."""
        return [item for item in (*self.previous_statuses, *self.current_statuses) if item.status == "missing"]


@dataclass
class Todo:
    missing_baselines: list[tuple[str, str]] = field(default_factory=list)
    towns_behind: list[MatrixRow] = field(default_factory=list)
    overdue: list[UnitStatus] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing_baselines or self.towns_behind or self.overdue)


@dataclass(frozen=True)
class Dashboard:
    campaign: Campaign
    as_of: datetime.date
    progress: dict[str, object]
    phases_now: list[Phase]
    timeline: Timeline
    indicators: list[dict[str, object]]
    city: list[Cell]
    matrix: list[MatrixRow]
    trends: list[LineChart]
    reports: ReportBoard
    work: PushWork
    todo: Todo
    resolved: list[Resolved] = field(default_factory=list)
    # The cache key of the figures shown (`figures_key`): the page's fragments made of them are cached by it.
    figures_key: str = ""

    @property
    def time_progress(self) -> float:
        return self.progress["time_progress"]


def _matrix(progress: dict[str, object], towns: list[Town]) -> tuple[list[Cell], list[MatrixRow]]:
    indicators = progress["indicators"]
    rows_by_name = {town.name: town for town in towns}
    city = [Cell(item["code"], item["kind"], item["city"] or {}) for item in indicators]
    per_town: dict[str, dict[str, dict[str, object]]] = {town.name: {} for town in towns}
    for item in indicators:
        for row in item["towns"]:
            per_town.setdefault(row["town"], {})[item["code"]] = row
    overall = {item["town"]: item for item in progress["towns_overall"]}
    matrix = []
    for name, by_code in per_town.items():
        town = rows_by_name.get(name)
        if town is None:
            continue
        summary = overall.get(name, {})
        matrix.append(
            MatrixRow(
                town=town,
                cells=[Cell(item["code"], item["kind"], by_code.get(item["code"], {})) for item in indicators],
                composite=summary.get("composite"),
                composite_rank=summary.get("rank"),
                behind=summary.get("behind"),
            )
        )
    # Best composite first; towns without one after, in their usual order.
    matrix.sort(key=lambda row: (row.composite_rank is None, row.composite_rank or 0, row.town.order, row.town.pk))
    return city, matrix


def _trends(campaign: Campaign, as_of: datetime.date, progress: dict, towns: list[Town]) -> list[LineChart]:
    trend = progress_trend(campaign=campaign, as_of=as_of)
    codes = [item["code"] for item in progress["indicators"]]
    charts = []
    for indicator in Indicator.objects.filter(code__in=codes).order_by("order", "pk"):
        series = [(_("全市"), trend.completion.get((indicator.pk, None), []))]
        series += [(town.short_name or town.name, trend.completion.get((indicator.pk, town.pk), [])) for town in towns]
        series = [(label, values) for label, values in series if any(value is not None for value in values)]
        chart = trend_chart(
            title=indicator.name,
            dates=trend.dates,
            series=series,
            reference=trend.time_progress if indicator.kind == "count" else [1.0] * len(trend.dates),
            reference_label=_("时间进度") if indicator.kind == "count" else _("目标"),
        )
        if chart is not None and series:
            charts.append(chart)
    return charts


def _reports(campaign: Campaign, as_of: datetime.date, now: datetime.datetime, units: list) -> ReportBoard:
    moment = min(now, end_of_day(as_of))
    current = current_period(campaign, now=moment)
    if current is None:
        return ReportBoard(None, [], None, [])
    # The current period is the first whose deadline has not passed: every closed one comes before it.
    closed = [period for period in all_periods(campaign) if not period.is_summary and period.closes <= moment]
    previous = closed[-1] if closed else None
    return ReportBoard(
        current,
        period_statuses(period=current, now=moment, units=units),
        previous,
        period_statuses(period=previous, now=moment, units=units) if previous else [],
    )


# A board's figures are cached under the token of the stored figures they come from (`figures_tokens`: every
# recompute makes a new one) with whatever else they are made of (the campaign, its towns, the plans), so a
# board is never served older than its figures. The timeout only bounds how long a renamed indicator keeps
# its old name on a board.
FIGURES_SECONDS = 3600


def figures_key(*parts: object) -> str:
    """The cache key of a board's figures made of ``parts`` (in the active language)."""
    return "dashboard:" + hashlib.sha256(repr((get_language(), *parts)).encode()).hexdigest()


def _cached(key: str, build: Callable[[], T]) -> T:
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, FIGURES_SECONDS)
    return found


def _fields(instance: models.Model) -> tuple:
    return tuple(getattr(instance, f.attname) for f in instance._meta.concrete_fields)


@dataclass(frozen=True)
class _Figures:
    """What a county's board shows from its stored figures (snapshots and tallies)."""

    progress: dict[str, object]
    city: list[Cell]
    matrix: list[MatrixRow]
    trends: list[LineChart]
    work: PushWork


def _figures(campaign: Campaign, as_of: datetime.date, towns: list[Town]) -> _Figures:
    progress = campaign_progress(campaign=campaign, as_of=as_of)
    city, matrix = _matrix(progress, towns)
    return _Figures(progress, city, matrix, _trends(campaign, as_of, progress, towns), push_work(campaign=campaign))


def dashboard(*, campaign: Campaign, as_of: datetime.date, now: datetime.datetime | None = None) -> Dashboard:
    """Everything the dashboard shows for ``as_of`` in a fixed number of queries whatever the data: the
    figures' token, the towns and departments, the phases, two periods' reports, what resolved entries; and,
    unless cached under the token, the snapshots of the date and of the month ends and the push-list tallies."""
    now = now or timezone.now()
    token = figures_tokens(campaign_ids=[campaign.pk]).get(campaign.pk, "")
    units = reporting_units(campaign)
    towns = [unit for unit in units if isinstance(unit, Town)]
    key = figures_key("county", _fields(campaign), as_of, token, [_fields(town) for town in towns])
    figures = _cached(key, lambda: _figures(campaign, as_of, towns))
    progress, city, matrix = figures.progress, figures.city, figures.matrix
    phases = list(campaign.phases.all())
    reports = _reports(campaign, as_of, now, units)
    todo = Todo(
        missing_baselines=[
            (item["name"], _("全市") if place is None else place)
            for item in progress["indicators"]
            for place, figures in [(None, item["city"] or {}), *((row["town"], row) for row in item["towns"])]
            if figures.get("status") == "no_baseline"
        ],
        towns_behind=[row for row in matrix if row.assessed and row.lagging * 2 > row.assessed],
        overdue=reports.overdue,
    )
    return Dashboard(
        campaign=campaign,
        as_of=as_of,
        progress=progress,
        phases_now=[phase for phase in phases if phase.start <= as_of <= phase.end],
        timeline=phase_timeline(phases=phases, start=campaign.start, end=campaign.target_date, day=as_of),
        indicators=progress["indicators"],
        city=city,
        matrix=matrix,
        trends=figures.trends,
        reports=reports,
        work=figures.work,
        todo=todo,
        resolved=entries_resolved_by_source(campaign=campaign),
        figures_key=key,
    )


@dataclass(frozen=True)
class TownOverview:
    """One town's standing: its targets (the API's figures), its composite, trends, push-list work by village."""

    town: Town
    as_of: datetime.date
    time_progress: float
    targets: list[dict[str, object]]
    composite: float | None
    composite_rank: int | None
    behind: bool | None
    towns_ranked: int
    trends: list[LineChart]
    work: PushWork


def town_overview(*, campaign: Campaign, town: Town, as_of: datetime.date, trends: bool = True) -> TownOverview:
    """What a town stands at (its start page and the office's detail of the town), in a few queries."""
    progress = campaign_progress(campaign=campaign, as_of=as_of)
    targets = []
    for item in progress["indicators"]:
        row = next((row for row in item["towns"] if row["town"] == town.name), None)
        if row is not None and row.get("target") is not None:
            targets.append(
                {
                    "code": item["code"],
                    "name": item["name"],
                    "unit": item["unit"],
                    "kind": item["kind"],
                    # How many towns are ranked on this indicator ("2/6").
                    "ranked": sum(1 for other in item["towns"] if other.get("rank")),
                    **row,
                }
            )
    summary = next((item for item in progress["towns_overall"] if item["town"] == town.name), {})
    charts: list[LineChart] = []
    if trends and targets:
        trend = progress_trend(campaign=campaign, as_of=as_of)
        indicators = {item.code: item for item in Indicator.objects.filter(code__in=[t["code"] for t in targets])}
        for target in targets:
            indicator = indicators[target["code"]]
            series = [
                (town.short_name or town.name, trend.completion.get((indicator.pk, town.pk), [])),
                (_("全市"), trend.completion.get((indicator.pk, None), [])),
            ]
            series = [(label, values) for label, values in series if any(value is not None for value in values)]
            chart = trend_chart(
                title=indicator.name,
                dates=trend.dates,
                series=series,
                reference=trend.time_progress if indicator.kind == "count" else [1.0] * len(trend.dates),
                reference_label=_("时间进度") if indicator.kind == "count" else _("目标"),
            )
            if chart is not None and series:
                charts.append(chart)
    return TownOverview(
        town=town,
        as_of=as_of,
        time_progress=progress["time_progress"],
        targets=targets,
        composite=summary.get("composite"),
        composite_rank=summary.get("rank"),
        behind=summary.get("behind"),
        towns_ranked=sum(1 for item in progress["towns_overall"] if item.get("rank")),
        trends=charts,
        work=push_work(campaign=campaign, town=town, by_village=True),
    )


@dataclass(frozen=True)
class TownDetail:
    overview: TownOverview
    periods: list[object]


def town_detail(*, campaign: Campaign, town: Town, as_of: datetime.date) -> TownDetail:
    """The office's page of one town: its overview and every report period's status."""
    return TownDetail(
        town_overview(campaign=campaign, town=town, as_of=as_of),
        unit_periods(campaign=campaign, unit=town, now=timezone.now()),
    )


# --- a prefecture's (or a province's) office: its counties side by side ------------------------------------


@dataclass(frozen=True)
class CountyRow:
    """One county on the prefecture's board: its campaign's city-level figures, ranked among the counties."""

    campaign: Campaign
    cells: list[Cell]
    composite: float | None
    composite_rank: int | None
    behind: bool | None

    @property
    def name(self) -> str:
        return self.campaign.county.name


@dataclass(frozen=True)
class RegionBoard:
    region: Region
    as_of: datetime.date
    indicators: list[dict[str, object]]
    matrix: list[CountyRow]
    # The region's line: every county's figures added up (`targets.selectors.counties_progress`).
    total: list[Cell] = field(default_factory=list)
    # The prefecture's plan the counties are judged against (its name, document number, time progress).
    plan: dict[str, object] | None = None
    # The cache key of the figures shown (`figures_key`).
    figures_key: str = ""


def county_campaigns(*, user: User, on: datetime.date) -> list[Campaign]:
    """The campaign each county in the user's scope runs on ``on`` (the latest started by then, else its
    first), one query."""
    chosen: dict[int, Campaign] = {}
    for campaign in Campaign.objects.for_user(user).select_related("county__region").order_by("county_id", "start"):
        current = chosen.get(campaign.county_id)
        if current is None or (campaign.start <= on and (current.start > on or campaign.start > current.start)):
            chosen[campaign.county_id] = campaign
    return sorted(chosen.values(), key=lambda campaign: campaign.county.division_code)


def region_board(*, region: Region, campaigns: list[Campaign], as_of: datetime.date) -> RegionBoard:
    """The counties × indicators matrix of a region's office (`targets.selectors.counties_progress`), best
    composite first, counties without one after in code order, and the region's total line.

    Cached under the counties' figures tokens, the plans' digest and the campaigns and places it is made of
    (three queries when cached)."""
    tokens = figures_tokens(campaign_ids=[campaign.pk for campaign in campaigns])
    places = [
        (
            _fields(campaign),
            _fields(campaign.county),
            campaign.county.region and _fields(campaign.county.region),
            tokens.get(campaign.pk, ""),
        )
        for campaign in campaigns
    ]
    key = figures_key("region", _fields(region), as_of, plans_digest(region=region), places)
    return _cached(key, lambda: _region_board(region, campaigns, as_of, key))


def _region_board(region: Region, campaigns: list[Campaign], as_of: datetime.date, key: str) -> RegionBoard:
    progress = counties_progress(campaigns=campaigns, as_of=as_of, region=region)
    indicators = progress["indicators"]
    per_county: dict[int, dict[str, dict[str, object]]] = defaultdict(dict)
    for item in indicators:
        for row in item["counties"]:
            per_county[row["campaign_id"]][item["code"]] = row
    overall = {item["campaign_id"]: item for item in progress["counties_overall"]}
    matrix = [
        CountyRow(
            campaign=campaign,
            cells=[
                Cell(item["code"], item["kind"], per_county[campaign.pk].get(item["code"], {})) for item in indicators
            ],
            composite=overall[campaign.pk]["composite"],
            composite_rank=overall[campaign.pk]["rank"],
            behind=overall[campaign.pk]["behind"],
        )
        for campaign in campaigns
    ]
    matrix.sort(
        key=lambda row: (row.composite_rank is None, row.composite_rank or 0, row.campaign.county.division_code)
    )
    total = [Cell(item["code"], item["kind"], item["total"]) for item in indicators]
    return RegionBoard(
        region=region,
        as_of=as_of,
        indicators=indicators,
        matrix=matrix,
        total=total,
        plan=progress["plan"],
        figures_key=key,
    )
