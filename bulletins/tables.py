"""The bulletin's tables (django-tables2), all read from the bulletin's frozen snapshot."""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bulletins.models import AccountabilityLead
from targets.templatetags.measures import completion, percent

REPORT_TONES = {"missing": "bad", "late": "warn", "returned": "warn", "submitted": "good", "accepted": "good"}


class IndicatorColumn(tables.Column):
    """One indicator: the town's judged completion and rank, the cell in its status tone."""

    def __init__(self, code: str, label: str, unit: str, **kwargs: object) -> None:
        super().__init__(
            verbose_name=format_html('{}<span class="d-block small text-muted fw-normal">（{}）</span>', label, unit),
            accessor=f"cells__{code}",
            order_by=(f"sort__{code}",),
            attrs={
                "td": {
                    "class": lambda record: (
                        f"tone-{record['cells'][code].get('tone')}" if record["cells"][code].get("tone") else ""
                    ),
                    "data-indicator": code,
                },
                "th": {"class": "text-center"},
            },
            default="—",
            **kwargs,
        )

    def render(self, value: dict) -> str:
        if value.get("target") is None:
            return "—"
        rank = value.get("rank")
        return format_html(
            '<span data-testid="completion">{}</span>{}',
            completion(value),
            format_html('<span class="d-block small text-muted">{}</span>', _("第 %(rank)s 名") % {"rank": rank})
            if rank
            else "",
        )


class RankingTable(tables.Table):
    """Towns ranked by the composite, with each indicator's completion and rank."""

    rank = tables.Column(verbose_name=_("综合排名"), accessor="rank", default="—", order_by=("sort__rank",))
    town = tables.Column(
        verbose_name=_("镇(街道)"), accessor="name", attrs={"td": {"class": "fw-semibold text-nowrap"}}
    )
    composite = tables.Column(verbose_name=_("综合完成率"), accessor="composite", order_by=("sort__composite",))
    lagging = tables.Column(verbose_name=_("滞后或未达标"), accessor="lagging", orderable=False)

    class Meta:
        attrs = {"class": "table table-sm table-bordered align-middle text-center", "data-testid": "ranking"}
        orderable = True
        sequence = ("rank", "town", "...", "composite", "lagging")
        row_attrs = {"data-town": lambda record: record["name"]}

    def __init__(self, snapshot: dict, **kwargs: object) -> None:
        indicators = snapshot["indicators"]
        cells: dict[str, dict[str, dict]] = {}
        for item in indicators:
            for row in item["towns"]:
                cells.setdefault(row["town"], {})[item["code"]] = row
        data = []
        for town in snapshot["towns"]:
            own = {item["code"]: cells.get(town["name"], {}).get(item["code"], {}) for item in indicators}
            data.append(
                {
                    **town,
                    "cells": own,
                    "sort": {
                        **{code: -1.0 if f.get("completion") is None else f["completion"] for code, f in own.items()},
                        "rank": town["rank"] or 10_000,
                        "composite": -1.0 if town["composite"] is None else town["composite"],
                    },
                }
            )
        extra = [(item["code"], IndicatorColumn(item["code"], item["name"], item["unit"])) for item in indicators]
        super().__init__(data, extra_columns=extra, **kwargs)

    def render_composite(self, value: float | None) -> str:
        return percent(value)

    def render_lagging(self, value: list[str]) -> str:
        return "、".join(value) if value else "—"


class ReportTable(tables.Table):
    """Each unit's report of the month: status (coloured), when first submitted."""

    name = tables.Column(verbose_name=_("单位"), attrs={"td": {"class": "text-nowrap"}})
    label = tables.Column(
        verbose_name=_("报送情况"),
        order_by=("status",),
        attrs={
            "td": {
                "class": lambda record: (
                    f"tone-{REPORT_TONES[record['status']]}" if record["status"] in REPORT_TONES else ""
                )
            }
        },
    )
    submitted_at = tables.Column(verbose_name=_("首次报送时间"), default="—")

    class Meta:
        attrs = {"class": "table table-sm table-bordered w-auto"}
        orderable = True
        row_attrs = {"data-unit": lambda record: record["name"], "data-status": lambda record: record["status"]}

    def render_submitted_at(self, value: str) -> str:
        return value.replace("T", " ")[:16]


class LeadTable(tables.Table):
    unit = tables.Column(verbose_name=_("单位"), accessor="unit", orderable=False)
    rules = tables.Column(verbose_name=_("触发规则"), accessor="rule_labels", orderable=False)
    bulletins = tables.Column(verbose_name=_("被通报批评"), empty_values=(), orderable=False)
    status = tables.Column(verbose_name=_("状态"))
    created_at = tables.DateTimeColumn(verbose_name=_("生成时间"), format="Y-m-d H:i")
    decided = tables.Column(verbose_name=_("处理"), empty_values=(), orderable=False)

    class Meta:
        model = AccountabilityLead
        fields = ()
        sequence = ("unit", "rules", "bulletins", "status", "created_at", "decided")
        attrs = {"class": "table table-sm table-bordered align-middle", "data-testid": "leads"}
        row_attrs = {"data-lead": lambda record: record.pk, "data-unit": lambda record: record.unit.name}

    def render_rules(self, value: list[str]) -> str:
        return "、".join(value)

    def render_bulletins(self, record: AccountabilityLead) -> str:
        months = [item for item in record.evidence.get("months", []) if item.get("criticised")]
        return "；".join(f"{item['label']}（{item['number']}）" for item in months)

    def render_status(self, record: AccountabilityLead) -> str:
        tone = {"open": "warn", "confirmed": "bad", "dismissed": "none"}[record.status]
        return format_html('<span class="badge badge-tone tone-{}">{}</span>', tone, record.get_status_display())

    def render_decided(self, record: AccountabilityLead) -> str:
        if record.decided_at is None:
            return "—"
        who = record.decided_by.get_full_name() or record.decided_by.username
        return format_html(
            '{} {}<span class="d-block small">{}</span>',
            who,
            f"{timezone.localtime(record.decided_at):%Y-%m-%d %H:%M}",
            record.note,
        )
