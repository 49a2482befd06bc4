"""Server-rendered SVG charts of progress: the geometry here, the markup in ``templates/charts/``.

No script, no web font, nothing fetched: the intranet has no internet, and charts must print on A4. Every
chart carries its figures as text too (labels and ``<title>``), so it reads without colour.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from targets.assessment import Status, Tone

# One palette for every chart, page and workbook (Bootstrap's success / warning / danger / secondary).
TONE_COLOURS: dict[str, str] = {
    Tone.GOOD: "#198754",
    Tone.WARN: "#e0a800",
    Tone.BAD: "#dc3545",
    Tone.NONE: "#adb5bd",
}
# Pale cell backgrounds of the same tones, for tables and workbooks.
TONE_FILLS: dict[str, str] = {
    Tone.GOOD: "#d1e7dd",
    Tone.WARN: "#fff3cd",
    Tone.BAD: "#f8d7da",
    Tone.NONE: "#e9ecef",
}
REFERENCE_COLOUR = "#0d6efd"
SERIES_COLOURS = ["#0d6efd", "#6f42c1", "#d63384", "#fd7e14", "#20c997", "#6c757d", "#198754", "#b58900"]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


# --- bars: completion per unit against a reference line ----------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    text_y: float
    width: float
    value_x: float
    text: str
    colour: str


@dataclass(frozen=True)
class BarChart:
    code: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int
    reference_x: float
    reference_label: str


BAR_CHART_WIDTH = 560
BAR_LABEL_WIDTH = 90
BAR_HEIGHT = 18
BAR_ROW = 26
# Bars are drawn up to 120 % completion; beyond that they are cut at the edge.
BAR_MAX = 1.2


def completion_bars(indicator: dict[str, object], time_progress: float | None) -> BarChart | None:
    """One indicator of the progress document: the city and each town's completion, coloured by tone.

    Counts are compared with the time progress; rates and averages with their target (100 %), which they
    must reach whatever the date. Units that cannot be assessed are listed with 基数未设置 / 无数据.
    """
    scale = (BAR_CHART_WIDTH - BAR_LABEL_WIDTH - 70) / BAR_MAX
    reference = (time_progress or 0.0) if indicator["kind"] == "count" else 1.0
    entries = [(_("全市"), indicator["city"])] if indicator.get("city") else []
    entries += [(town["town"], town) for town in indicator["towns"]]
    bars = []
    for label, figures in entries:
        if not figures.get("status"):
            continue  # no target here
        y = 10 + len(bars) * BAR_ROW
        completion = figures["completion"]
        drawn = min(completion, BAR_MAX) * scale if completion is not None else 0.0
        bars.append(
            Bar(
                label=label,
                y=y,
                text_y=y + BAR_HEIGHT - 4,
                width=round(drawn, 1),
                value_x=round(BAR_LABEL_WIDTH + drawn + 4, 1),
                text=percent(completion) if completion is not None else str(status_label(figures["status"])),
                colour=TONE_COLOURS[figures.get("tone") or Tone.NONE],
            )
        )
    if not bars:
        return None
    height = 24 + len(bars) * BAR_ROW
    return BarChart(
        code=str(indicator["code"]),
        bars=bars,
        width=BAR_CHART_WIDTH,
        height=height,
        label_width=BAR_LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        reference_x=round(BAR_LABEL_WIDTH + reference * scale, 1),
        reference_label=_("时间进度") if indicator["kind"] == "count" else _("目标"),
    )


def status_label(status: str | None) -> str:
    return str(Status(status).label) if status else ""


# --- lines: month-end values per unit over the campaign ------------------------------------------------


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    points: list[Point]
    dashed: bool = False
    width: float = 1.5

    @property
    def path(self) -> str:
        return " ".join(f"{point.x},{point.y}" for point in self.points)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class LineChart:
    title: str
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    legend: list[tuple[str, str, bool, float, float]] = field(default_factory=list)


LINE_WIDTH = 560
LINE_HEIGHT = 230
LINE_LEFT = 46
LINE_TOP = 12
LINE_RIGHT = 120
LINE_BOTTOM = 28


def trend_chart(
    *,
    title: str,
    dates: Sequence[datetime.date],
    series: Sequence[tuple[str, Sequence[float | None]]],
    reference: Sequence[float] | None = None,
    reference_label: str = "",
) -> LineChart | None:
    """Completion at each month end, one line per unit (the first one drawn thicker: the city), with the
    time progress as a dashed reference line. Values are fractions; the axis runs from 0 to at least 100 %."""
    if not dates:
        return None
    plot_width = LINE_WIDTH - LINE_LEFT - LINE_RIGHT
    plot_height = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    values = [value for _label, points in series for value in points if value is not None]
    top_value = max([1.0, *values, *(reference or [])])
    top_value = min(2.0, -(-top_value * 4 // 1) / 4)  # round up to a quarter, at most 200 %

    def x_of(index: int) -> float:
        return round(LINE_LEFT + (plot_width * index / (len(dates) - 1) if len(dates) > 1 else plot_width / 2), 1)

    def y_of(value: float) -> float:
        return round(LINE_TOP + plot_height * (1 - min(value, top_value) / top_value), 1)

    lines = []
    for number, (label, points) in enumerate(series):
        drawn = [
            Point(x_of(index), y_of(value), f"{label} {dates[index]:%Y-%m} {percent(value)}")
            for index, value in enumerate(points)
            if value is not None
        ]
        if drawn:
            colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
            lines.append(Line(label, colour, drawn, width=2.5 if number == 0 else 1.5))
    if reference:
        lines.append(
            Line(
                reference_label,
                REFERENCE_COLOUR,
                [
                    Point(x_of(index), y_of(value), f"{reference_label} {dates[index]:%Y-%m} {percent(value)}")
                    for index, value in enumerate(reference)
                ],
                dashed=True,
                width=1.5,
            )
        )
    steps = 4
    y_ticks = [
        Tick(y_of(top_value * step / steps), f"{top_value * step / steps * 100:.0f}%") for step in range(steps + 1)
    ]
    x_ticks = [Tick(x_of(index), f"{day.month}月") for index, day in enumerate(dates)]
    legend = [
        (line.label, line.colour, line.dashed, LINE_WIDTH - LINE_RIGHT + 10, LINE_TOP + 6 + index * 16)
        for index, line in enumerate(lines)
    ]
    return LineChart(
        title=title,
        width=LINE_WIDTH,
        height=LINE_HEIGHT,
        left=LINE_LEFT,
        top=LINE_TOP,
        plot_width=plot_width,
        plot_height=plot_height,
        lines=lines,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        legend=legend,
    )
