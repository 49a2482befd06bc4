"""The dashboard's figures as a formatted workbook, through the one xlsx writer (no formula anywhere).

Percentages are numbers shown as percentages (0.361 → 36.1%), cells carry the dashboard's tone colours,
and headers over an indicator's columns are merged. The helpers here are shared with the bulletins.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import User
from campaigns.xlsx import Styled, XlsxSheet, XlsxWriter
from targets.workbooks import (
    PERCENT,
    cell,
    completion_cell,
    figure,
    head,
    status_cell,
    tone_fill,
)


def title_rows(sheet: XlsxSheet, title: str, subtitle: str, width: int) -> None:
    """A title and a subtitle line, each merged across the table's ``width`` columns."""
    last = _column(width)
    sheet.append([Styled(title, bold=True, size=14, align="center")])
    sheet.merge(f"A{sheet.rows}:{last}{sheet.rows}")
    sheet.append([Styled(subtitle, align="center")])
    sheet.merge(f"A{sheet.rows}:{last}{sheet.rows}")


def _column(number: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(number)


def ranking_sheet(
    sheet: XlsxSheet,
    *,
    title: str,
    subtitle: str,
    indicators: Sequence[dict],
    rows: Sequence[dict],
    place_label: str | None = None,
):
    """Towns (or counties) × indicators: a merged header per indicator over 完成率 and 排名, then the composite.

    ``rows``: ``{"town": name, "cells": {code: figures}, "composite": float|None, "rank": int|None,
    "behind": bool|None}``, in the order to print.
    """
    width = 2 + 2 * len(indicators) + 2
    title_rows(sheet, title, subtitle, width)
    top = sheet.rows + 1
    first = [head(_("综合排名")), head(place_label or _("镇(街道)"))]
    second = [head(""), head("")]
    for item in indicators:
        first += [head(f"{item['name']}（{item['unit']}）"), head("")]
        second += [head(_("完成率")), head(_("排名"))]
    first += [head(_("综合完成率")), head(_("状态"))]
    second += [head(""), head("")]
    sheet.append(first)
    sheet.append(second)
    for column in (1, 2, width - 1, width):
        sheet.merge(f"{_column(column)}{top}:{_column(column)}{top + 1}")
    for index in range(len(indicators)):
        start = 3 + 2 * index
        sheet.merge(f"{_column(start)}{top}:{_column(start + 1)}{top}")
    for row in rows:
        values: list[object] = [cell(row["rank"], align="center"), cell(row["town"])]
        for item in indicators:
            figures = row["cells"].get(item["code"])
            values += [completion_cell(figures), cell((figures or {}).get("rank"), align="center")]
        behind = row["behind"]
        values += [
            cell(
                row["composite"],
                number_format=PERCENT,
                align="right",
                fill=tone_fill({"tone": "bad"}) if behind else None,
            ),
            cell(_("有滞后指标") if behind else (_("正常") if behind is False else "—"), align="center"),
        ]
        sheet.append(values)
    sheet.widths([8, 12, *([12, 6] * len(indicators)), 11, 11])
    sheet.freeze(f"C{top + 2}")
    sheet.print_setup(landscape=True, repeat_rows=f"{top}:{top + 1}")


def headline_sheet(
    sheet: XlsxSheet, *, title: str, subtitle: str, indicators: Sequence[dict], place: str = "city"
) -> None:
    """The city (``place``: the key of its figures, a region's "total") on each indicator: target, baseline,
    actual, new, completion, status, forecast, needed per day."""
    labels = [_("指标"), _("单位"), _("目标"), _("基数"), _("完成"), _("新增"), _("完成率")]
    labels += [_("状态"), _("预计年底"), _("每日尚需")]
    title_rows(sheet, title, subtitle, len(labels))
    sheet.append([head(label) for label in labels])
    header_row = sheet.rows
    for item in indicators:
        city = item[place] or {}
        kind = item["kind"]
        sheet.append(
            [
                cell(item["name"], wrap=True),
                cell(item["unit"], align="center"),
                figure(city.get("target"), kind),
                figure(city.get("baseline"), kind) if city.get("baseline") is not None else cell(_("基数未设置")),
                figure(city.get("actual"), kind),
                figure(city.get("new"), kind),
                completion_cell(city),
                status_cell(city),
                figure(city.get("forecast"), kind),
                cell(city.get("needed_per_day"), number_format="#,##0.0", align="right"),
            ]
        )
    sheet.widths([34, 6, 11, 11, 11, 10, 10, 10, 11, 10])
    sheet.print_setup(landscape=True, repeat_rows=f"{header_row}:{header_row}")


def write_dashboard_workbook(board: object, *, author: User | None) -> bytes:
    """主要指标, 镇街完成情况 and 推送清单核查 of the dashboard for ``board.as_of``."""
    campaign, as_of = board.campaign, board.as_of
    writer = XlsxWriter(
        title=_("%(campaign)s 工作看板 %(day)s") % {"campaign": campaign.name, "day": as_of}, author=author
    )
    subtitle = _("统计截止：%(day)s　时间进度：%(progress)s　制表时间：%(now)s") % {
        "day": f"{as_of:%Y-%m-%d}",
        "progress": f"{board.time_progress * 100:.1f}%",
        "now": f"{timezone.localtime():%Y-%m-%d %H:%M}",
    }
    headline_sheet(
        writer.sheet(_("主要指标")),
        title=_("%(campaign)s 主要指标完成情况") % {"campaign": campaign.name},
        subtitle=subtitle,
        indicators=board.indicators,
    )
    ranking_sheet(
        writer.sheet(_("镇街完成情况")),
        title=_("各镇(街道)目标任务完成情况"),
        subtitle=subtitle,
        indicators=board.indicators,
        rows=[
            {
                "town": row.town.name,
                "cells": {cell_.code: cell_.figures for cell_ in row.cells},
                "composite": row.composite,
                "rank": row.composite_rank,
                "behind": row.behind,
            }
            for row in board.matrix
        ],
    )
    work_sheet(writer.sheet(_("推送清单核查")), title=_("推送清单核查进度"), subtitle=subtitle, work=board.work)
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue()


def write_region_workbook(board: object, *, total_label: str, author: User | None) -> bytes:
    """主要指标 (the region's total line) and 各县完成情况 of a region's board for ``board.as_of``."""
    region, as_of, plan = board.region, board.as_of, board.plan
    writer = XlsxWriter(
        title=_("%(region)s各县(市、区)工作看板 %(day)s") % {"region": region.name, "day": as_of}, author=author
    )
    subtitle = _("统计截止：%(day)s　制表时间：%(now)s") % {
        "day": f"{as_of:%Y-%m-%d}",
        "now": f"{timezone.localtime():%Y-%m-%d %H:%M}",
    }
    if plan:
        subtitle = (
            _("依据：%(plan)s%(number)s　时间进度：%(progress)s　")
            % {
                "plan": plan["name"],
                "number": f"（{plan['document_number']}）" if plan["document_number"] else "",
                "progress": f"{plan['time_progress'] * 100:.1f}%",
            }
            + subtitle
        )
    headline_sheet(
        writer.sheet(_("主要指标")),
        title=_("%(total)s主要指标完成情况") % {"total": total_label},
        subtitle=subtitle,
        indicators=board.indicators,
        place="total",
    )
    ranking_sheet(
        writer.sheet(_("各县完成情况")),
        title=_("各县(市、区)目标任务完成情况"),
        subtitle=subtitle,
        indicators=board.indicators,
        place_label=_("县(市、区)"),
        rows=[
            {
                "town": row.name,
                "cells": {cell_.code: cell_.figures for cell_ in row.cells},
                "composite": row.composite,
                "rank": row.composite_rank,
                "behind": row.behind,
            }
            for row in board.matrix
        ],
    )
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue()


WORK_COLUMNS = ("pushed", "worked", "enrolled", "not_due", "refused", "unreachable", "pending")


def work_labels() -> list[str]:
    return [_("推送"), _("已核查"), _("已参保"), _("无需参保"), _("拒绝参保"), _("无法联系"), _("待核查")]


def work_sheet(sheet: XlsxSheet, *, title: str, subtitle: str, work: object) -> None:
    labels = [_("镇(街道)"), _("清单类型"), *work_labels()]
    title_rows(sheet, title, subtitle, len(labels))
    sheet.append([head(label) for label in labels])
    for line in work.lines:
        sheet.append(
            [cell(line.town.name), cell(line.kind_label)] + [cell(getattr(line.counts, name)) for name in WORK_COLUMNS]
        )
    total = work.total
    sheet.append(
        [cell(_("合计"), bold=True), cell("")] + [cell(getattr(total, name), bold=True) for name in WORK_COLUMNS]
    )
    sheet.widths([12, 22, *([10] * len(WORK_COLUMNS))])
    sheet.print_setup(landscape=False)
