from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import django_tables2 as tables
from django.template import Context
from django.template.base import render_value_in_context
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tables2.columns.base import LinkTransform
from django_tables2.rows import BoundRow
from django_tables2.utils import Accessor, signature

from enrolment.models import PushEntry
from enrolment.selectors import is_person, is_system_matched, shown_key, shown_phone, suggestion_badge, suggestion_kinds
from enrolment.templatetags.entry_status import entry_status_badge

# A value no id takes, reversed into a URL once per page and replaced by each row's id.
_STAND_IN = "987654321987654321"


class EntryTable(tables.Table):
    # Ticks for 批量设置状态. The boxes belong to the bulk form outside the table (HTML's form attribute), so no
    # form sits inside another (the rows' 查看完整信息 forms are in the table).
    select = tables.CheckBoxColumn(
        accessor="pk",
        verbose_name=gettext_lazy("选择"),
        attrs={
            "th__input": {"data-select-all": "", "aria-label": gettext_lazy("全选本页"), "form": "entry-bulk"},
            "td__input": {
                "name": "ids",
                "form": "entry-bulk",
                "aria-label": gettext_lazy("选择"),
                "data-testid": "select-entry",
            },
            "th": {"class": "d-print-none"},
            "td": {"class": "d-print-none"},
        },
    )
    id = tables.Column(verbose_name=gettext_lazy("编号"), linkify=("entry-detail", {"pk": tables.A("pk")}))
    kind = tables.Column(verbose_name=gettext_lazy("清单类型"))
    name = tables.Column(verbose_name=gettext_lazy("姓名/单位名称"), linkify=("entry-detail", {"pk": tables.A("pk")}))
    key = tables.Column(verbose_name=gettext_lazy("证件号码/信用代码"), empty_values=())
    phone = tables.Column(verbose_name=gettext_lazy("联系电话"), empty_values=())
    town = tables.Column(verbose_name=gettext_lazy("镇(街道)"), accessor="town__name")
    village = tables.Column(verbose_name=gettext_lazy("村(社区)"), accessor="village__name", default="")
    batch = tables.Column(verbose_name=gettext_lazy("推送批次"), accessor="batch__label")
    pushed_times = tables.Column(verbose_name=gettext_lazy("推送次数"))
    status = tables.Column(verbose_name=gettext_lazy("核查状态"))
    suggestions = tables.Column(verbose_name=gettext_lazy("比对提示"), empty_values=(), accessor="pk")

    class Meta:
        model = PushEntry
        fields: tuple[str, ...] = ()
        sequence = (
            "select",
            "id",
            "kind",
            "name",
            "key",
            "phone",
            "town",
            "village",
            "batch",
            "pushed_times",
            "status",
            "suggestions",
        )
        # Sorting a million rows by name would need an index per column; the queue is worked in id order.
        orderable = False
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "entry-table"}
        template_name = "enrolment/_entry_table.html"
        row_attrs = {"data-entry-id": lambda record: record.pk}

    def __init__(
        self, *args: object, unmasked: bool, can_reveal: bool = False, csrf_token: str = "", **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.unmasked = unmasked
        # 查看完整信息 per row: a small form (works without JavaScript; static/js/reveal.js fills the row in place).
        self.can_reveal = can_reveal
        self.csrf_token = csrf_token

    def page_cells(self) -> list[tuple[str, list[tuple[str, object]]]]:
        """The page's rows as (row attributes, [(cell attributes, cell)…]) for templates/enrolment/_entry_table.html.

        The same cells as ``{% render_table %}`` would render, without its per-cell cost (a signature
        inspection, the column's attributes computed again, a choices lookup): each column's way to its cell is
        worked out once per page. Columns of other types than a plain Column or a CheckBoxColumn go through
        django-tables2's own ``get_cell``.
        """
        columns = list(self.columns)
        makers = [self._cell_maker(column) for column in columns]
        cell_attrs = [column.attrs["td"].as_html() for column in columns]
        return [
            (row.attrs.as_html(), [(attrs, make(row)) for attrs, make in zip(cell_attrs, makers, strict=True)])
            for row in self.paginated_rows
        ]

    def page_rows(self) -> SafeString:
        """The page's rows as HTML: each of `page_cells` written as the template writes a value, joined at once
        (a template loop would resolve and escape every cell through its variable machinery)."""
        context = Context()
        # Safe: each cell is escaped as a template escapes a value; the attributes come escaped by AttributeDict.
        return mark_safe(
            "\n".join(
                f"<tr {row_attrs}>"
                + "".join(f"<td {attrs}>{render_value_in_context(cell, context)}</td>" for attrs, cell in cells)
                + "</tr>"
                for row_attrs, cells in self.page_cells()
            )
        )

    def _cell_maker(self, bound_column: tables.columns.BoundColumn) -> Callable[[BoundRow], object]:
        column = bound_column.column
        # A CheckBoxColumn renders from (value, bound_column, record) alone, like a plain Column.
        if type(column) not in (tables.Column, tables.CheckBoxColumn) or column.localize is not None:
            return lambda row: row.get_cell(bound_column.name)
        render = bound_column.render
        wanted, takes_any = signature(render)
        accessor = Accessor(bound_column.accessor)
        # A choice's label, translated once per page (a model's get_FOO_display hashes every lazy label of the
        # field's choices on each call, translating each of them again).
        labels: dict[object, str] | None = None
        if "__" not in accessor and "." not in accessor:
            field = next((f for f in PushEntry._meta.concrete_fields if f.name == accessor), None)
            if field is not None and field.choices:
                labels = self._labels(field.name)
        link, default, empty = self._link_maker(bound_column.link), bound_column.default, column.empty_values

        def make(row: BoundRow) -> object:
            record = row.record
            value = accessor.resolve(record, quiet=True)
            if labels is not None:
                value = labels.get(value, value)
            if value in empty:
                return default
            given = {"value": value, "record": record, "column": column, "bound_column": bound_column}
            given.update(bound_row=row, table=self)
            content = render(**(given if takes_any else {name: given[name] for name in wanted}))
            return link(content, **given) if link else content

        return make

    def _labels(self, field_name: str) -> dict[object, str]:
        """The field's choices' labels in the request's language, worked out once per table."""
        found = self.__dict__.setdefault("_choice_labels", {})
        if field_name not in found:
            field = PushEntry._meta.get_field(field_name)
            found[field_name] = {value: str(label) for value, label in field.flatchoices}
        return found[field_name]

    @staticmethod
    def _link_maker(link: object) -> Callable[..., object] | None:
        """A cell's link: for a reverse() of one accessor (``linkify=("entry-detail", {"pk": A("pk")})``) the URL
        is reversed once per page with a stand-in value and filled in per row; any other link as django-tables2
        makes it."""
        if not isinstance(link, LinkTransform) or link.url or link.attrs or link.accessor:
            return link
        args = link.reverse_args
        kwargs = args.get("kwargs") or {}
        if set(args) != {"viewname", "kwargs"} or not isinstance(args["viewname"], str) or len(kwargs) != 1:
            return link
        ((name, accessor),) = kwargs.items()
        if not isinstance(accessor, Accessor):
            return link
        template = reverse(args["viewname"], kwargs={name: _STAND_IN})
        if template.count(_STAND_IN) != 1:
            return link

        def make(content: object, *, record: object, **_kwargs: object) -> SafeString:
            href = template.replace(_STAND_IN, str(accessor.resolve(record)))
            return format_html('<a href="{}">{}</a>', href, content)

        return make

    def render_key(self, record: PushEntry) -> str:
        return format_html('<span data-field="key">{}</span>', shown_key(record, unmasked=self.unmasked))

    def render_phone(self, record: PushEntry) -> SafeString:
        shown = format_html('<span data-field="phone">{}</span>', shown_phone(record.phone, unmasked=self.unmasked))
        if not self.can_reveal or not (record.phone or is_person(record)):
            return shown
        return format_html(
            '{} <form method="post" action="{}" class="d-inline d-print-none" data-reveal data-failed-text="{}">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit" class="btn btn-link btn-sm p-0 align-baseline" data-testid="reveal">'
            "{}</button></form>",
            shown,
            self._reveal_url.replace(_STAND_IN, str(record.pk)),
            self._reveal_texts[0],
            self.csrf_token,
            self._reveal_texts[1],
        )

    @cached_property
    def _reveal_url(self) -> str:
        return reverse("entry-reveal", args=[_STAND_IN])

    @cached_property
    def _reveal_texts(self) -> tuple[str, str]:
        return _("查看失败，请重试"), _("查看完整信息")

    def render_status(self, record: PushEntry) -> str:
        badge = entry_status_badge(record.status, self._labels("status").get(record.status, record.status))
        if is_system_matched(record):
            badge = format_html(
                '{} <span class="small text-muted" data-testid="system-matched">{}</span>', badge, _("系统比对")
            )
        return badge

    def render_suggestions(self, record: PushEntry) -> SafeString:
        """Open suggestions (to accept or dismiss) and tags, by what they mean for the entry."""
        suggestions, tags = suggestion_kinds(record)
        return format_html_join(
            " ",
            '<span class="badge {}" data-suggestion="{}">{}</span>',
            [("text-bg-warning", kind, suggestion_badge(kind)) for kind in suggestions]
            + [("text-bg-info", kind, suggestion_badge(kind)) for kind in tags],
        )
