"""Reads of progress: the `/api/progress/` payload and what the pages show, all from snapshots."""

from __future__ import annotations

import contextlib
import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Town
from targets.assessment import NOT_ASSESSED, judged_baseline, tone_of, uses_baseline
from targets.models import Indicator, ProgressSnapshot, Target
from targets.services import progress_recompute, time_progress


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


def town_progress(*, campaign: Campaign, town: Town, as_of: datetime.date) -> list[dict[str, object]]:
    """One town's quota, actual and rank on each indicator it has a quota for (the town start page panel)."""
    rows = []
    for snapshot in progress_snapshots(campaign=campaign, as_of=as_of):
        if snapshot.town_id == town.pk and snapshot.target_value is not None:
            rows.append({"indicator": snapshot.indicator, "snapshot": snapshot, **_place_document(snapshot)})
    return rows


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
