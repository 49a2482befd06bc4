"""Server-rendered SVG charts of progress: each chart's geometry, and its markup (``chart.svg``).

No script, no web font, nothing fetched: the intranet has no internet, and charts must print on A4. Every
chart carries its figures as text too (labels and ``<title>``), so it reads without colour. The markup is
built here rather than in a template: a page draws a few thousand SVG elements, and a template loop over
them costs more than the rest of the page.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
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


def _tenth(value: float) -> float:
    """``value`` to one decimal place, for coordinates (``round(value, 1)`` costs far more, a chart has thousands)."""
    return math.floor(value * 10 + 0.5) / 10


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

    @property
    def svg(self) -> SafeString:
        parts = [
            f'<svg class="progress-chart" data-testid="chart-{escape(self.code)}" width="{self.width}" '
            f'height="{self.height}" viewBox="0 0 {self.width} {self.height}" role="img" '
            f'aria-label="{escape(_("完成率对比"))}">'
        ]
        for bar in self.bars:
            label, text = escape(bar.label), escape(bar.text)
            parts.append(
                f'<text x="{self.label_width - 6}" y="{bar.text_y}" text-anchor="end" font-size="12">{label}</text>'
                f'<rect x="{self.label_width}" y="{bar.y}" width="{bar.width}" height="{self.bar_height}" '
                f'fill="{bar.colour}"><title>{label} {text}</title></rect>'
                f'<text x="{bar.value_x}" y="{bar.text_y}" font-size="11">{text}</text>'
            )
        parts.append(
            f'<line x1="{self.reference_x}" x2="{self.reference_x}" y1="4" y2="{self.height - 14}" '
            f'stroke="{REFERENCE_COLOUR}" stroke-width="2" stroke-dasharray="4 3"/>'
            f'<text x="{self.reference_x}" y="{self.height - 2}" font-size="10" text-anchor="middle" '
            f'fill="{REFERENCE_COLOUR}">{escape(self.reference_label)}</text></svg>'
        )
        return mark_safe("".join(parts))  # every text above is escaped


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
                width=_tenth(drawn),
                value_x=_tenth(BAR_LABEL_WIDTH + drawn + 4),
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
        reference_x=_tenth(BAR_LABEL_WIDTH + reference * scale),
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

    @property
    def svg(self) -> SafeString:
        title = escape(self.title)
        right = self.left + self.plot_width
        bottom = self.top + self.plot_height
        parts = [
            f'<figure class="trend-chart mb-3" data-testid="trend-{title}">'
            f'<figcaption class="small fw-semibold mb-1">{title}</figcaption>'
            f'<svg width="{self.width}" height="{self.height}" viewBox="0 0 {self.width} {self.height}" '
            f'role="img" aria-label="{title} {escape(_("各月完成率"))}">'
        ]
        for tick in self.y_ticks:
            parts.append(
                f'<line x1="{self.left}" x2="{right}" y1="{tick.position}" y2="{tick.position}" stroke="#dee2e6"/>'
                f'<text x="{self.left - 4}" y="{tick.position}" font-size="10" text-anchor="end" '
                f'dominant-baseline="middle" fill="#6c757d">{escape(tick.label)}</text>'
            )
        for tick in self.x_ticks:
            parts.append(
                f'<text x="{tick.position}" y="{bottom + 16}" font-size="10" text-anchor="middle" '
                f'fill="#6c757d">{escape(tick.label)}</text>'
            )
        for line in self.lines:
            dash = ' stroke-dasharray="5 4"' if line.dashed else ""
            parts.append(
                f'<polyline points="{line.path}" fill="none" stroke="{line.colour}" stroke-width="{line.width}"{dash}/>'
            )
            if not line.dashed:
                parts.extend(
                    f'<circle cx="{point.x}" cy="{point.y}" r="2.5" fill="{line.colour}">'
                    f"<title>{escape(point.title)}</title></circle>"
                    for point in line.points
                )
        for label, colour, dashed, x, y in self.legend:
            dash = ' stroke-dasharray="4 3"' if dashed else ""
            parts.append(
                f'<line x1="{x}" x2="{x + 16}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="2"{dash}/>'
                f'<text x="{x + 20}" y="{y}" font-size="10" dominant-baseline="middle">{escape(label)}</text>'
            )
        parts.append("</svg></figure>")
        return mark_safe("".join(parts))  # every text above is escaped


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
    # The axis runs to 100 % at least, in steps of 25 % (of 50 % above 125 %), never beyond 200 %.
    step = 0.25 if max([1.0, *values, *(reference or [])]) <= 1.25 else 0.5
    top_value = min(2.0, step * -(-max([1.0, *values, *(reference or [])]) // step))

    def x_of(index: int) -> float:
        return _tenth(LINE_LEFT + (plot_width * index / (len(dates) - 1) if len(dates) > 1 else plot_width / 2))

    def y_of(value: float) -> float:
        return _tenth(LINE_TOP + plot_height * (1 - min(value, top_value) / top_value))

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
    y_ticks = [Tick(y_of(step * n), f"{step * n * 100:.0f}%") for n in range(round(top_value / step) + 1)]
    x_ticks = [Tick(x_of(index), _("%(month)d月") % {"month": day.month}) for index, day in enumerate(dates)]
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


# --- the phases of a campaign on its calendar -----------------------------------------------------------


@dataclass(frozen=True)
class PhaseBar:
    label: str
    dates: str
    x: float
    y: float
    width: float
    current: bool


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    bar_height: int
    bars: list[PhaseBar]
    months: list[Tick]
    marker_x: float
    marker_label: str
    axis_y: float
    left: int = 0
    right: int = 0

    @property
    def svg(self) -> SafeString:
        parts = [
            f'<svg class="phase-timeline" data-testid="phase-timeline" width="{self.width}" height="{self.height}" '
            f'viewBox="0 0 {self.width} {self.height}" role="img" aria-label="{escape(_("工作阶段"))}">'
        ]
        for bar in self.bars:
            fill, ink = ("#0d6efd", "#fff") if bar.current else ("#9ec5fe", "#052c65")
            text = escape(f"{bar.label} {bar.dates}")
            parts.append(
                f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{self.bar_height}" rx="3" fill="{fill}">'
                f"<title>{text}</title></rect>"
                f'<text x="{bar.x + 4}" y="{bar.y + 13}" font-size="11" fill="{ink}">{text}</text>'
            )
        parts.append(
            f'<line x1="{self.left}" x2="{self.right}" y1="{self.axis_y}" y2="{self.axis_y}" stroke="#adb5bd"/>'
        )
        parts.extend(
            f'<text x="{tick.position}" y="{self.axis_y + 14}" font-size="10" text-anchor="middle" '
            f'fill="#6c757d">{escape(tick.label)}</text>'
            for tick in self.months
        )
        parts.append(
            f'<line x1="{self.marker_x}" x2="{self.marker_x}" y1="2" y2="{self.axis_y + 4}" stroke="#dc3545" '
            f'stroke-width="2"/><text x="{self.marker_x}" y="{self.height - 2}" font-size="10" '
            f'text-anchor="middle" fill="#dc3545">{escape(self.marker_label)}</text></svg>'
        )
        return mark_safe("".join(parts))  # every text above is escaped


TIMELINE_WIDTH = 760
TIMELINE_LEFT = 20
TIMELINE_ROW = 24


def phase_timeline(
    *, phases: Sequence[object], start: datetime.date, end: datetime.date, day: datetime.date
) -> Timeline:
    """Each phase as a bar on the campaign's calendar (overlapping phases on rows of their own), the months
    along the bottom and ``day`` marked."""
    span = max(1, (end - start).days)
    plot = TIMELINE_WIDTH - TIMELINE_LEFT - 20

    def x_of(when: datetime.date) -> float:
        return _tenth(TIMELINE_LEFT + plot * min(max((when - start).days, 0), span) / span)

    bars = [
        PhaseBar(
            label=str(phase.name),
            dates=f"{phase.start:%m-%d} — {phase.end:%m-%d}",
            x=x_of(phase.start),
            y=8 + index * TIMELINE_ROW,
            width=max(2.0, round(x_of(phase.end) - x_of(phase.start), 1)),
            current=phase.start <= day <= phase.end,
        )
        for index, phase in enumerate(phases)
    ]
    axis_y = 8 + len(bars) * TIMELINE_ROW + 4
    months = []
    month = start.replace(day=1)
    while month <= end:
        if month >= start:
            months.append(Tick(x_of(month), _("%(month)d月") % {"month": month.month}))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return Timeline(
        width=TIMELINE_WIDTH,
        height=int(axis_y + 30),
        bar_height=TIMELINE_ROW - 6,
        bars=bars,
        months=months,
        marker_x=x_of(day),
        marker_label=f"{day:%Y-%m-%d}",
        axis_y=axis_y,
        left=TIMELINE_LEFT,
        right=TIMELINE_WIDTH - 20,
    )
