"""A bulletin and a confirmed lead as formatted workbooks, through the one xlsx writer (no formula anywhere).

One sheet per table: the notice (number, title, praise, criticism, commentary), the city's figures, the towns'
ranking (merged headers, percentages as percentages, the dashboard's colours) and the month's reports.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from bulletins.models import AccountabilityLead, Bulletin, BulletinUnit, Verdict
from bulletins.tables import REPORT_TONES
from campaigns.models import User
from campaigns.xlsx import Styled, XlsxWriter
from dashboard.workbooks import PERCENT, cell, head, headline_sheet, ranking_sheet, title_rows
from targets.charts import TONE_FILLS


def _fill(tone: str | None) -> str | None:
    return TONE_FILLS[tone].lstrip("#") if tone else None


def subtitle(bulletin: Bulletin) -> str:
    snapshot = bulletin.snapshot
    return _("统计截止：%(day)s　时间进度：%(progress)s　%(state)s") % {
        "day": snapshot["as_of"],
        "progress": f"{snapshot['time_progress'] * 100:.1f}%",
        "state": bulletin.number if bulletin.is_published else _("草稿（未发布）"),
    }


def ranking_rows(snapshot: dict) -> list[dict]:
    cells: dict[str, dict[str, dict]] = {}
    for item in snapshot["indicators"]:
        for row in item["towns"]:
            cells.setdefault(row["town"], {})[item["code"]] = row
    return [
        {
            "town": town["name"],
            "cells": cells.get(town["name"], {}),
            "composite": town["composite"],
            "rank": town["rank"],
            "behind": town["behind"],
        }
        for town in snapshot["towns"]
    ]


def write_bulletin_workbook(bulletin: Bulletin, units: list[BulletinUnit], *, author: User) -> bytes:
    snapshot = bulletin.snapshot
    writer = XlsxWriter(title=bulletin.title or snapshot["label"], author=author)
    line = subtitle(bulletin)

    sheet = writer.sheet(_("通报"))
    title_rows(sheet, bulletin.title, line, 4)
    sheet.append([head(_("单位")), head(_("类型")), head(_("通报")), head(_("依据"))])
    for row in units:
        if row.verdict == Verdict.NONE:
            continue
        reasons = "；".join(row.candidate_reasons + ([row.reason] if row.reason else []))
        tone = "good" if row.verdict == Verdict.PRAISE else "bad"
        sheet.append(
            [
                cell(row.unit.name),
                cell(_("镇(街道)") if row.kind == "town" else _("市直部门")),
                cell(row.get_verdict_display(), fill=_fill(tone), align="center"),
                cell(reasons, wrap=True),
            ]
        )
    if bulletin.commentary:
        sheet.append([])
        sheet.append([Styled(_("通报意见"), bold=True)])
        sheet.append([Styled(bulletin.commentary, wrap=True)])
        sheet.merge(f"A{sheet.rows}:D{sheet.rows}")
    sheet.widths([16, 10, 10, 70])
    sheet.print_setup()

    headline_sheet(
        writer.sheet(_("主要指标")),
        title=_("%(month)s主要指标完成情况") % {"month": snapshot["label"]},
        subtitle=line,
        indicators=snapshot["indicators"],
    )
    ranking_sheet(
        writer.sheet(_("镇街排名")),
        title=_("%(month)s各镇(街道)目标任务完成情况排名") % {"month": snapshot["label"]},
        subtitle=line,
        indicators=snapshot["indicators"],
        rows=ranking_rows(snapshot),
    )
    reports = writer.sheet(_("报送情况"))
    period = snapshot.get("period")
    title_rows(reports, _("%(month)s月报报送情况") % {"month": snapshot["label"]}, line, 4)
    reports.append([head(_("单位")), head(_("类型")), head(_("报送情况")), head(_("首次报送时间"))])
    for report in snapshot.get("reports", []) if period else []:
        reports.append(
            [
                cell(report["name"]),
                cell(_("镇(街道)") if report["kind"] == "town" else _("市直部门")),
                cell(report["label"], fill=_fill(REPORT_TONES.get(report["status"])), align="center"),
                cell((report["submitted_at"] or "").replace("T", " ")[:16]),
            ]
        )
    reports.widths([16, 10, 12, 18])
    reports.print_setup()
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue()


def write_lead_workbook(lead: AccountabilityLead, *, author: User) -> bytes:
    """A confirmed lead for the discipline inspection body: the unit, the rule, its bulletins month by month."""
    writer = XlsxWriter(title=_("问责线索 %(unit)s") % {"unit": lead.unit.name}, author=author)
    sheet = writer.sheet(_("问责线索"))
    labels = [_("月份"), _("通报文号"), _("通报"), _("依据"), _("综合完成率"), _("综合排名"), _("滞后或未达标")]
    labels += [_("月报报送"), _("首次报送时间")]
    line = _("单位：%(unit)s　触发规则：%(rules)s　处理意见：%(note)s") % {
        "unit": lead.unit.name,
        "rules": "、".join(lead.rule_labels),
        "note": lead.note,
    }
    title_rows(sheet, _("%(unit)s问责线索") % {"unit": lead.unit.name}, line, len(labels))
    sheet.append([head(label) for label in labels])
    for month in lead.evidence.get("months", []):
        sheet.append(
            [
                cell(month["label"]),
                cell(month["number"]),
                cell(
                    str(Verdict(month["verdict"]).label),
                    fill=_fill("bad" if month["criticised"] else None),
                    align="center",
                ),
                cell("；".join(month["reasons"]), wrap=True),
                cell(month["composite"], number_format=PERCENT, align="right"),
                cell(month["rank"], align="center"),
                cell("、".join(month["lagging"]), wrap=True),
                cell(
                    month["report_status"] or "—",
                    fill=_fill("bad" if month["report_late"] or month["report_status"] == _("未报") else None),
                ),
                cell((month["report_submitted_at"] or "").replace("T", " ")[:16]),
            ]
        )
    sheet.widths([10, 24, 10, 50, 11, 8, 30, 10, 16])
    sheet.print_setup(landscape=True)
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue()
