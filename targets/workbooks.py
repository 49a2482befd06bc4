"""The progress tables as a workbook: one home for how a measured value, a completion and a status look in xlsx
(the dashboard's workbook uses the same cells)."""

from __future__ import annotations

import datetime
import io

from django.utils.translation import gettext as _

from campaigns.models import Campaign, User
from campaigns.xlsx import Styled, XlsxWriter
from targets.assessment import Status
from targets.charts import TONE_FILLS
from targets.templatetags.measures import completion

PERCENT = "0.0%"
NUMBER_FORMATS = {"count": "#,##0", "average": "#,##0.00", "rate": PERCENT}
HEADER_FILL = "dee2e6"


def tone_fill(figures: dict | None) -> str | None:
    tone = (figures or {}).get("tone")
    return TONE_FILLS[tone].lstrip("#") if tone else None


def figure(value: object, kind: str, *, fill: str | None = None) -> Styled:
    """A measured value in its kind's format (persons, yuan, a rate as a percentage)."""
    return Styled(value, number_format=NUMBER_FORMATS.get(kind), fill=fill, border=True, align="right")


def completion_cell(figures: dict | None) -> Styled:
    """The judged completion as a percentage, or why there is none (基数未设置 / 无数据 / —), in its tone."""
    figures = figures or {}
    fill = tone_fill(figures)
    if figures.get("target") is None:
        return Styled("—", fill=fill, border=True, align="center")
    value = figures.get("completion")
    if value is None:
        return Styled(completion(figures), fill=fill, border=True, align="center")
    return Styled(value, number_format=PERCENT, fill=fill, border=True, align="right")


def status_cell(figures: dict | None) -> Styled:
    status = (figures or {}).get("status")
    return Styled(str(Status(status).label) if status else "", fill=tone_fill(figures), border=True, align="center")


def head(value: object) -> Styled:
    return Styled(value, bold=True, fill=HEADER_FILL, border=True, align="center", wrap=True)


def cell(value: object, **style: object) -> Styled:
    return Styled(value, border=True, **style)


def write_progress_workbook(
    progress: dict, *, campaign: Campaign, as_of: datetime.date, author: User | None
) -> tuple[bytes, int]:
    """/progress/'s tables: the towns' composite ranking, then each indicator's city and towns. (bytes, rows)."""
    title = _("目标任务进度")
    writer = XlsxWriter(title=f"{campaign.name} {title} {as_of:%Y-%m-%d}", author=author)
    sheet = writer.sheet(title)
    sheet.widths([8, 16, 14, 14, 14, 14, 12, 14, 12, 14])
    sheet.print_setup(landscape=True)
    subtitle = _("%(campaign)s　统计截止：%(day)s　时间进度：%(progress)s") % {
        "campaign": campaign.name,
        "day": f"{as_of:%Y-%m-%d}",
        "progress": f"{float(progress['time_progress']) * 100:.1f}%",
    }
    sheet.append([Styled(title, bold=True, size=14)])
    sheet.append([subtitle])
    rows = 0
    if progress.get("towns_overall"):
        sheet.append([])
        sheet.append([Styled(_("镇(街道)综合排名"), bold=True)])
        sheet.append([head(_("排名")), head(_("镇(街道)")), head(_("综合完成率")), head(_("状态"))])
        for town in progress["towns_overall"]:
            state = _("有滞后指标") if town["behind"] else (_("正常") if town["behind"] is False else "—")
            sheet.append(
                [
                    cell(town["rank"] if town["rank"] is not None else "—", align="center"),
                    cell(town["town"]),
                    figure(town["composite"], "rate"),
                    cell(state, align="center"),
                ]
            )
            rows += 1
    for indicator in progress["indicators"]:
        kind = indicator["kind"]
        sheet.append([])
        sheet.append([Styled(f"{indicator['name']}（{indicator['unit']}）", bold=True)])
        labels = [_("排名"), _("单位"), _("目标"), _("基数"), _("完成")]
        if kind != "rate":
            labels.append(_("新增"))
        labels += [_("完成率"), _("预计年底")]
        if kind == "count":
            labels.append(_("每日尚需"))
        labels.append(_("状态"))
        sheet.append([head(label) for label in labels])
        places = ([("", _("全市"), indicator["city"])] if indicator.get("city") else []) + [
            (town["rank"] if town["rank"] is not None else "", town["town"], town) for town in indicator["towns"]
        ]
        for rank, name, figures in places:
            values = [
                cell(rank, align="center"),
                cell(name, bold=not rank and name == _("全市")),
                figure(figures["target"], kind),
                figure(figures["baseline"], kind),
                figure(figures["actual"], kind),
            ]
            if kind != "rate":
                values.append(figure(figures["new"], kind))
            values += [completion_cell(figures), figure(figures["forecast"], kind)]
            if kind == "count":
                values.append(figure(figures["needed_per_day"], kind))
            values.append(status_cell(figures))
            sheet.append(values)
            rows += 1
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue(), rows
