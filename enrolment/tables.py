from __future__ import annotations

import html
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
from django_tables2.utils import Accessor, AttributeDict, signature

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
        inspection, the column's attributes computed again, a choices lookup, an accessor that tries every step
        as a dictionary key first): each column's way to its cell is worked out once per page. Columns of other
        types than a plain Column or a CheckBoxColumn go through django-tables2's own ``get_cell``.
        """
        columns = list(self.columns)
        makers = [self._cell_maker(column) for column in columns]
        cell_attrs = [column.attrs["td"].as_html() for column in columns]
        row_attrs = self._row_attrs_maker()
        return [
            (row_attrs(row), [(attrs, make(row)) for attrs, make in zip(cell_attrs, makers, strict=True)])
            for row in self.paginated_rows
        ]

    def page_rows(self) -> SafeString:
        """The page's rows as HTML: each of `page_cells` written as the template writes a value, joined at once
        (a template loop would resolve and escape every cell through its variable machinery)."""
        context = Context()

        def shown(cell: object) -> str:
            # What render_value_in_context gives, without its conversions for a string.
            if type(cell) is SafeString:
                return cell
            return _escaped(cell) if type(cell) is str else render_value_in_context(cell, context)

        # Safe: each cell is escaped as a template escapes a value; the attributes come escaped.
        return mark_safe(
            "\n".join(
                f"<tr {row_attrs}>" + "".join(f"<td {attrs}>{shown(cell)}</td>" for attrs, cell in cells) + "</tr>"
                for row_attrs, cells in self.page_cells()
            )
        )

    def _row_attrs_maker(self) -> Callable[[BoundRow], str]:
        """A row's attributes as ``BoundRow.attrs`` gives them (with its even/odd class), each callable's
        parameters read once per page instead of once per row."""
        static: dict[str, object] = {}
        computed: list[tuple[str, Callable[..., object], tuple[str, ...]]] = []
        for name, value in self.row_attrs.items():
            if not callable(value):
                static[name] = value
                continue
            wanted, takes_any = signature(value)
            if takes_any or not set(wanted) <= {"table", "record"}:
                return lambda row: row.attrs.as_html()
            computed.append((name, value, wanted))
        if any(isinstance(value, dict) for value in static.values()):
            return lambda row: row.attrs.as_html()

        def make(row: BoundRow) -> str:
            given = {"table": self, "record": row.record}
            attrs = dict(static)
            for name, function, wanted in computed:
                attrs[name] = function(**{key: given[key] for key in wanted})
            parity = row.get_even_odd_css_class()
            attrs["class"] = f"{attrs['class']} {parity}" if attrs.get("class") else parity
            return _attributes_html(attrs)

        return make

    def _cell_maker(self, bound_column: tables.columns.BoundColumn) -> Callable[[BoundRow], object]:
        column = bound_column.column
        # A CheckBoxColumn renders from (value, bound_column, record) alone, like a plain Column.
        if type(column) not in (tables.Column, tables.CheckBoxColumn) or column.localize is not None:
            return lambda row: row.get_cell(bound_column.name)
        render = bound_column.render
        if isinstance(column, tables.CheckBoxColumn):
            render = self._checkbox_maker(column, bound_column) or render
        wanted, takes_any = signature(render)
        accessor = Accessor(bound_column.accessor)
        get = _attribute_getter(accessor)
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
            value = get(record)
            if labels is not None:
                value = labels.get(value, value)
            if value in empty:
                return default
            given = {"value": value, "record": record, "column": column, "bound_column": bound_column}
            given.update(bound_row=row, table=self)
            content = render(**(given if takes_any else {name: given[name] for name in wanted}))
            return link(content, **given) if link else content

        return make

    @staticmethod
    def _checkbox_maker(
        column: tables.CheckBoxColumn, bound_column: tables.columns.BoundColumn
    ) -> Callable[..., SafeString] | None:
        """A tick box whose attributes and checked state are the same on every row: made once per page with a
        stand-in value, and each row's value put in its place."""
        given = {**column.attrs.get("input", {}), **column.attrs.get("td__input", {})}
        if column.checked is not None or any(callable(value) for value in given.values()):
            return None
        template = str(column.render(value=_STAND_IN, bound_column=bound_column, record=None))
        if template.count(_STAND_IN) != 1:
            return None

        def render(value: object) -> SafeString:
            return mark_safe(template.replace(_STAND_IN, _escaped(value)))

        return render

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

        get = _attribute_getter(accessor)
        before, after = (_escaped(part) for part in template.split(_STAND_IN))

        def make(content: object, *, record: object, **_kwargs: object) -> SafeString:
            # Safe: the URL's parts and the row's value escaped, as format_html('<a href="{}">{}</a>') would.
            return mark_safe(f'<a href="{before}{_escaped(get(record))}{after}">{_escaped(content)}</a>')

        return make

    def render_key(self, record: PushEntry) -> str:
        return format_html('<span data-field="key">{}</span>', shown_key(record, unmasked=self.unmasked))

    def render_phone(self, record: PushEntry) -> SafeString:
        shown = format_html('<span data-field="phone">{}</span>', shown_phone(record.phone, unmasked=self.unmasked))
        if not self.can_reveal or not (record.phone or is_person(record)):
            return shown
        return mark_safe(f"{shown} {self._reveal_form.replace(_STAND_IN, str(record.pk))}")

    @cached_property
    def _reveal_form(self) -> str:
        """The row's 查看完整信息 form, made once per page for a stand-in id."""
        return format_html(
            '<form method="post" action="{}" class="d-inline d-print-none" data-reveal data-failed-text="{}">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit" class="btn btn-link btn-sm p-0 align-baseline" data-testid="reveal">'
            "{}</button></form>",
            reverse("entry-reveal", args=[_STAND_IN]),
            _("查看失败，请重试"),
            self.csrf_token,
            _("查看完整信息"),
        )

    def render_status(self, record: PushEntry) -> str:
        badge = self._status_badges.get(record.status)
        if badge is None:
            badge = entry_status_badge(record.status, self._labels("status").get(record.status, record.status))
        if is_system_matched(record):
            badge = format_html(
                '{} <span class="small text-muted" data-testid="system-matched">{}</span>', badge, _("系统比对")
            )
        return badge

    @cached_property
    def _status_badges(self) -> dict[str, SafeString]:
        """Each status's badge, made once per page."""
        return {status: entry_status_badge(status, label) for status, label in self._labels("status").items()}

    def render_suggestions(self, record: PushEntry) -> SafeString:
        """Open suggestions (to accept or dismiss) and tags, by what they mean for the entry."""
        suggestions, tags = suggestion_kinds(record)
        return format_html_join(
            " ",
            '<span class="badge {}" data-suggestion="{}">{}</span>',
            [("text-bg-warning", kind, suggestion_badge(kind)) for kind in suggestions]
            + [("text-bg-info", kind, suggestion_badge(kind)) for kind in tags],
        )


def _attribute_getter(accessor: Accessor) -> Callable[[object], object]:
    """``accessor.resolve(record, quiet=True)`` for a model instance, by attribute lookups: the accessor's own
    way tries every step as a dictionary key first and pays for the exception each time. Anything else (a
    dictionary, a method to call, a missing attribute) goes the accessor's own way."""
    bits = accessor.bits

    def get(record: object) -> object:
        if isinstance(record, dict):
            return accessor.resolve(record, quiet=True)
        current = record
        for bit in bits:
            if current is None:
                return None
            current = getattr(current, bit, _MISSING)
            if current is _MISSING or callable(current):
                return accessor.resolve(record, quiet=True)
        return current

    return get


_MISSING = object()


def _escaped(value: object) -> str:
    """``conditional_escape(value)``, without the check for a lazy argument that wraps each call of it."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attributes_html(attrs: dict[str, object]) -> SafeString:
    """``AttributeDict(attrs).as_html()``: ``name="value"`` pairs, escaped, without the None values and the
    names django-tables2 keeps for the table's parts."""
    return mark_safe(
        " ".join(
            f'{_escaped(name)}="{_escaped(value)}"'
            for name, value in attrs.items()
            if value is not None and name not in AttributeDict.blacklist
        )
    )
