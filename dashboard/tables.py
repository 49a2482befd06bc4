"""The town × indicator matrix as a django-tables2 table: sortable by any column, coloured by status."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_tables2.rows import BoundRow
from django_tables2.utils import Accessor, AttributeDict

from dashboard.selectors import Cell, CountyRow, MatrixRow
from targets.templatetags.measures import completion, measure, percent


class CompletionColumn(tables.Column):
    """One indicator: the judged completion (or 基数未设置 / 无数据), its rank, the cell in its status tone."""

    def __init__(self, code: str, label: str, unit: str, **kwargs: object) -> None:
        self.code = code
        super().__init__(
            verbose_name=format_html('{}<span class="d-block small text-muted fw-normal">（{}）</span>', label, unit),
            accessor=f"cells__{code}",
            order_by=(f"sort__{code}",),
            attrs={
                "td": {
                    "class": lambda record: _tone_class(record["cells"][code]),
                    "data-indicator": code,
                },
                "th": {"class": "text-center"},
            },
            **kwargs,
        )

    def render(self, value: Cell) -> str:
        if not value.has_target:
            actual = value.figures.get("actual")
            return format_html(
                '<span class="text-muted" title="{}">—</span>{}',
                _("无此项目标"),
                format_html(
                    '<span class="d-block small text-muted">{} {}</span>', _("完成"), measure(actual, value.kind)
                )
                if actual
                else "",
            )
        rank = value.figures.get("rank")
        return format_html(
            '<span data-testid="completion">{}</span>{}',
            completion(value.figures),
            format_html('<span class="d-block small text-muted">{}</span>', _("第 %(rank)s 名") % {"rank": rank})
            if rank
            else "",
        )

    def value(self, value: Cell) -> str:
        return completion(value.figures) if value.has_target else ""


def _td_attrs(bound_column: tables.columns.BoundColumn, record: dict) -> str:
    """A cell's attributes as django-tables2 writes them (its classes sorted), the column's callables given the
    record."""
    attrs = AttributeDict(
        {
            key: value(record=record) if callable(value) else value
            for key, value in bound_column.column.attrs.get("td", {}).items()
        }
    )
    classes = attrs.get("class")
    attrs["class"] = None if classes is None else " ".join(sorted(set(classes.split(" "))))
    return attrs.as_html()


def _tone_class(cell: Cell) -> str:
    tone = cell.figures.get("tone")
    return f"tone-{tone}" if tone else ""


class MatrixTable(tables.Table):
    town = tables.Column(
        verbose_name=_("镇(街道)"),
        accessor="town_name",
        order_by=("order",),
        linkify=lambda record: record["url"],
        attrs={"td": {"class": "fw-semibold text-nowrap"}},
    )
    composite = tables.Column(
        verbose_name=_("综合完成率"),
        accessor="composite",
        order_by=("sort__composite",),
        attrs={
            "td": {"class": lambda record: "text-nowrap tone-bad" if record["behind"] else "text-nowrap"},
            "th": {"class": "text-center"},
        },
    )
    composite_rank = tables.Column(
        verbose_name=_("综合排名"), accessor="composite_rank", order_by=("sort__composite_rank",), default="—"
    )

    class Meta:
        attrs = {"class": "table table-sm table-bordered align-middle text-center matrix", "data-testid": "matrix"}
        template_name = "dashboard/_matrix_table.html"
        orderable = True
        order_by = ("composite_rank",)
        sequence = ("town", "...", "composite", "composite_rank")
        row_attrs = {"data-town": lambda record: record["town_name"]}
        pinned_row_attrs = {"data-town": lambda record: record["town_name"], "class": "fw-semibold table-light"}

    def __init__(
        self,
        rows: list[MatrixRow],
        indicators: list[dict],
        *,
        as_of: datetime.date,
        city: list[Cell] | None = None,
        city_label: str | None = None,
        campaign_id: int | None = None,
        **kwargs: object,
    ):
        # Links keep the campaign asked for: a region's office reads a county's board by its campaign.
        self.campaign_query = f"&campaign={campaign_id}" if campaign_id else ""
        data = [self.record(row, as_of) for row in rows]
        self.city = _city_record(city, city_label or str(_("全市"))) if city else None
        extra = [(item["code"], CompletionColumn(item["code"], item["name"], item["unit"])) for item in indicators]
        super().__init__(data, extra_columns=extra, **kwargs)

    def record(self, row: MatrixRow, as_of: datetime.date) -> dict[str, object]:
        record = _record(row, as_of)
        record["url"] += self.campaign_query
        return record

    def get_top_pinned_data(self) -> list[dict] | None:
        """The city (a region's total) first, whatever the order."""
        return [self.city] if self.city else None

    def page_cells(self) -> list[tuple[str, list[tuple[str, object]]]]:
        """The rows (the city pinned first) as (row attributes, [(cell attributes, cell)…]) for
        templates/dashboard/_matrix_table.html.

        The cells ``{% render_table %}`` would render, without its per-cell cost (a signature inspection for
        every attribute and renderer, the column's attributes computed again): each column's way to its cell is
        worked out once per table.
        """
        columns = list(self.columns)
        makers = [self._cell_maker(column) for column in columns]
        return [
            (
                row.attrs.as_html(),
                [(_td_attrs(column, row.record), make(row)) for column, make in zip(columns, makers, strict=True)],
            )
            for row in self.paginated_rows
        ]

    def _cell_maker(self, bound_column: tables.columns.BoundColumn) -> Callable[[BoundRow], object]:
        column = bound_column.column
        accessor = Accessor(bound_column.accessor)
        render = getattr(self, f"render_{bound_column.name}", None)
        link, default, empty = bound_column.link, bound_column.default, column.empty_values

        def make(row: BoundRow) -> object:
            record = row.record
            value = accessor.resolve(record, quiet=True)
            if value in empty:
                return default
            content = render(value=value, record=record) if render else column.render(value=value)
            if not link:
                return content
            return link(content, value=value, record=record, column=column, bound_column=bound_column, table=self)

        return make

    def render_composite(self, value: float | None, record: dict) -> str:
        text = percent(value)
        if record["behind"]:
            return format_html('{}<span class="d-block small">{}</span>', text, _("有滞后指标"))
        return text


def _city_record(cells: list[Cell], label: str) -> dict[str, object]:
    return {
        "town_name": label,
        "order": -1,
        "url": None,
        "cells": {cell.code: cell for cell in cells},
        "composite": None,
        "composite_rank": None,
        "behind": None,
        "sort": {},
    }


def _record(row: MatrixRow, as_of: datetime.date) -> dict[str, object]:
    return {
        "town_name": row.town.name,
        "order": row.town.order,
        "url": reverse("dashboard-town", args=[row.town.pk]) + f"?as_of={as_of.isoformat()}",
        "cells": {cell.code: cell for cell in row.cells},
        "composite": row.composite,
        "composite_rank": row.composite_rank,
        "behind": row.behind,
        "sort": {
            **{cell.code: cell.sort_value for cell in row.cells},
            "composite": -1.0 if row.composite is None else row.composite,
            # Unranked towns after the ranked ones.
            "composite_rank": row.composite_rank or 10_000,
        },
    }


class CountyMatrixTable(MatrixTable):
    """The same matrix for a region's office: a row per county, each linking down to that county's dashboard."""

    town = tables.Column(
        verbose_name=_("县(市、区)"),
        accessor="town_name",
        order_by=("order",),
        linkify=lambda record: record["url"],
        attrs={"td": {"class": "fw-semibold text-nowrap"}},
    )

    class Meta(MatrixTable.Meta):
        pass

    def record(self, row: CountyRow, as_of: datetime.date) -> dict[str, object]:
        return {
            "town_name": row.name,
            "order": row.campaign.county.division_code,
            "url": reverse("dashboard") + f"?campaign={row.campaign.pk}&as_of={row.campaign.clamp(as_of).isoformat()}",
            "cells": {cell.code: cell for cell in row.cells},
            "composite": row.composite,
            "composite_rank": row.composite_rank,
            "behind": row.behind,
            "sort": {
                **{cell.code: cell.sort_value for cell in row.cells},
                "composite": -1.0 if row.composite is None else row.composite,
                "composite_rank": row.composite_rank or 10_000,
            },
        }
