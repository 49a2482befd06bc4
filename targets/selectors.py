"""Reads of progress: the `/api/progress/` payload and what the pages show, all from snapshots."""

from __future__ import annotations

import contextlib
import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError

from campaigns.models import Campaign, Town
from targets.models import Indicator, ProgressSnapshot
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


def _figures(snapshot: ProgressSnapshot) -> dict[str, object]:
    kind = snapshot.indicator.kind
    target = snapshot.target_value
    forecast = _number(snapshot.forecast, kind)
    return {
        "target": _number(target, kind),
        # An empty baseline counts as 0 (and is shown as 0) wherever there is a target.
        "baseline": _number(snapshot.baseline or 0, kind) if target is not None else None,
        "actual": _number(snapshot.actual, kind),
        "completion": _fraction(snapshot.completion),
        "behind": snapshot.behind,
        "new": _number(snapshot.new_value, kind),
        "new_completion": _fraction(snapshot.new_completion),
        "forecast": forecast,
        "needed_per_day": _pace(snapshot.needed_per_day, kind),
        "will_miss": (snapshot.forecast < target) if target is not None and snapshot.forecast is not None else None,
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


def progress_payload(*, campaign: Campaign, as_of: datetime.date) -> dict[str, object]:
    """The `/api/progress/` document (contract keys exact; extra keys: new, forecast details, towns_overall)."""
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
        # Ranked towns first (best first), then towns without a quota on this indicator in their usual order.
        towns.sort(key=lambda row: (row.rank is None, row.rank or 0, row.town.order, row.town_id))
        indicator_docs.append(
            {
                "code": indicator.code,
                "name": indicator.name,
                "unit": indicator.unit,
                "kind": indicator.kind,
                "city": _figures(city) if city else None,
                "towns": [{"town": row.town.name, **_figures(row), "rank": row.rank} for row in towns],
            }
        )
        for row in towns:
            overall.setdefault(
                row.town_id,
                {
                    "town": row.town.name,
                    "mean_completion": _fraction(row.mean_completion),
                    "rank": row.overall_rank,
                    "behind": row.mean_completion < row.time_progress if row.mean_completion is not None else None,
                    "_order": (row.overall_rank is None, row.overall_rank or 0, row.town.order, row.town_id),
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
            rows.append({"indicator": snapshot.indicator, "snapshot": snapshot, **_figures(snapshot)})
    return rows


# --- the page's bar charts (server-rendered SVG) ---------------------------------------------------------

CHART_WIDTH = 560
LABEL_WIDTH = 90
BAR_HEIGHT = 18
ROW_HEIGHT = 26
# Bars are drawn up to 120 % completion; beyond that they are cut at the edge.
CHART_MAX = 1.2


def progress_chart(payload: dict[str, object]) -> list[dict[str, object]]:
    """Geometry of one bar chart per indicator: completion of the city and each town vs time progress."""
    scale = (CHART_WIDTH - LABEL_WIDTH - 50) / CHART_MAX
    time_x = LABEL_WIDTH + (payload["time_progress"] or 0) * scale
    charts = []
    for indicator in payload["indicators"]:
        entries = [("全市", indicator["city"])] if indicator["city"] else []
        entries += [(town["town"], town) for town in indicator["towns"]]
        bars = []
        for index, (label, figures) in enumerate(item for item in entries if item[1]["completion"] is not None):
            completion = figures["completion"]
            bars.append(
                {
                    "label": label,
                    "y": 10 + index * ROW_HEIGHT,
                    "text_y": 10 + index * ROW_HEIGHT + BAR_HEIGHT - 4,
                    "width": round(min(completion, CHART_MAX) * scale, 1),
                    "value_x": round(LABEL_WIDTH + min(completion, CHART_MAX) * scale + 4, 1),
                    "percent": f"{completion * 100:.1f}%",
                    "behind": figures["behind"],
                }
            )
        if bars:
            height = 20 + len(bars) * ROW_HEIGHT
            charts.append(
                {
                    "code": indicator["code"],
                    "bars": bars,
                    "width": CHART_WIDTH,
                    "height": height,
                    "label_width": LABEL_WIDTH,
                    "bar_height": BAR_HEIGHT,
                    "time_x": round(time_x, 1),
                    "time_label_y": height - 2,
                }
            )
    return charts
