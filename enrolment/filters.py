"""The queue's filters, shared by the page, the JSON API and the Excel export (same parameters)."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign, Town, User
from campaigns.params import int_param
from campaigns.places import towns_named
from campaigns.text import normalize_text
from enrolment.identifiers import IdentifierError, normalize_id_number, normalize_uscc
from enrolment.models import (
    EnrolmentRecord,
    EntryMatch,
    EntryPush,
    EntryStatus,
    Insurance,
    ListKind,
    PushEntry,
    ReferenceKind,
)
from enrolment.selectors import capped_count, entry_count_parts, entry_counts, filter_choices

# The filters the entry counters are keyed on; any other narrows the list past what they can answer.
_COUNTED_FILTERS = frozenset({"kind", "status", "town"})

_KEY_LIKE = re.compile(r"[0-9A-Z]{15,18}")


def search_key(query: str) -> str | None:
    """The normalised ID number or credit code a search looks like, else None (a name search)."""
    text = normalize_text(query).upper()
    for normalize in (normalize_id_number, normalize_uscc):
        try:
            return normalize(text)
        except IdentifierError:
            pass
    # Looks like an identifier but is not a valid one: match it exactly all the same (finds nothing).
    return text if _KEY_LIKE.fullmatch(text) and any(c.isdigit() for c in text) else None


class EntryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=gettext_lazy("姓名/证件号码"), method="filter_q")
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("清单类型"), choices=ListKind.choices, empty_label=gettext_lazy("全部类型")
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("核查状态"), choices=EntryStatus.choices, empty_label=gettext_lazy("全部状态")
    )
    town = django_filters.CharFilter(label=gettext_lazy("镇(街道)"), method="filter_town", widget=forms.Select)
    village = django_filters.CharFilter(label=gettext_lazy("村(社区)"), method="filter_village", widget=forms.Select)
    batch = django_filters.CharFilter(label=gettext_lazy("推送批次"), method="filter_batch", widget=forms.Select)
    # Entries with an open suggestion (or a tag) of a kind of department data.
    suggestion = django_filters.ChoiceFilter(
        label=gettext_lazy("比对提示"),
        choices=ReferenceKind.choices,
        empty_label=gettext_lazy("全部"),
        method="filter_suggestion",
    )

    class Meta:
        model = PushEntry
        fields = ["q", "kind", "status", "town", "village", "batch", "suggestion"]

    def __init__(self, *args: object, user: User, with_choices: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        form_filters = self.form.fields
        if with_choices:
            choices = filter_choices(user)
            form_filters["batch"].widget.choices = [("", _("全部批次")), *choices.batches]
            form_filters["village"].widget.choices = [("", _("全部村(社区)")), *choices.villages]
            if user.sees_all_towns:
                form_filters["town"].widget.choices = [("", _("全部镇(街道)")), *choices.towns]
        if not user.sees_all_towns:
            del form_filters["town"]

    def filter_queryset(self, queryset: QuerySet[PushEntry]) -> QuerySet[PushEntry]:
        # django-filter skips a filter whose value is invalid; here a bad value must find nothing,
        # never everything.
        if self.form.errors:
            return queryset.none()
        data = self.form.cleaned_data
        for name, value in data.items():
            queryset = self.filters[name].filter(queryset, value)
        # "town" has no form field for town staff, but the parameter still narrows (usually to nothing).
        town = (self.data or {}).get("town")
        if "town" not in data and town:
            queryset = self.filter_town(queryset, "town", town)
        return queryset

    def _counted(self) -> dict[str, object] | None:
        """The counters' filters (kind, status, town ids) when only those narrow the list, else None."""
        data = self.form.cleaned_data
        active = {name for name, value in data.items() if normalize_text(value or "")}
        town = data.get("town") or (self.data or {}).get("town") or ""
        if normalize_text(town):
            active.add("town")
        if active - _COUNTED_FILTERS:
            return None
        town_ids = self._town_ids(town) if "town" in active else None
        return {"kind": data.get("kind"), "status": data.get("status"), "town_ids": town_ids}

    def counter_total(self) -> int | None:
        """How many entries the filters select, from the entry counters, when only kind, status and town narrow
        the list (the counters' key); None when another filter does."""
        if self.form.errors:
            return 0
        counted = self._counted()
        return None if counted is None else sum(entry_counts(self.user, **counted).values())

    def counted_parts(self) -> list[tuple[int, str, int]] | None:
        """(town, status, entries) of the pairs holding the entries the filters select, from the entry counters,
        when only kind, status and town narrow the list; None when another filter does (`entries_page` merges
        them)."""
        if self.form.errors:
            return []
        counted = self._counted()
        return None if counted is None else entry_count_parts(self.user, **counted)

    def total(self) -> tuple[int, bool]:
        """(how many entries the filters select, whether that is exact): from the counters where they can
        answer, else counted up to `COUNT_CAP`."""
        counted = self.counter_total()
        return (counted, True) if counted is not None else capped_count(self.qs)

    def filter_q(self, queryset: QuerySet[PushEntry], name: str, value: str) -> QuerySet[PushEntry]:
        text = normalize_text(value)
        if not text:
            return queryset
        key = search_key(text)
        if key is not None:
            return queryset.with_key(key, campaigns=Campaign.objects.for_user(self.user))
        return queryset.filter(name__icontains=text)

    def filter_town(self, queryset: QuerySet[PushEntry], name: str, value: str) -> QuerySet[PushEntry]:
        text = normalize_text(value)
        if not text:
            return queryset
        # Resolved to ids first (one small query) so the planner uses the (town, status, id) indexes.
        return queryset.filter(town_id__in=self._town_ids(text))

    def _town_ids(self, value: str) -> list[int]:
        if not hasattr(self, "_town_ids_of"):
            self._town_ids_of: dict[str, list[int]] = {}
        text = normalize_text(value)
        if text not in self._town_ids_of:
            towns = towns_named(text, Town.objects.for_user(self.user))
            self._town_ids_of[text] = list(towns.values_list("id", flat=True))
        return self._town_ids_of[text]

    def filter_village(self, queryset: QuerySet[PushEntry], name: str, value: str) -> QuerySet[PushEntry]:
        text = normalize_text(value)
        if not text:
            return queryset
        if text.isdigit():
            return queryset.filter(village_id=int_param({name: text}, name))
        return queryset.filter(village__name=text)

    def filter_batch(self, queryset: QuerySet[PushEntry], name: str, value: str) -> QuerySet[PushEntry]:
        """The entries a batch pushed: first pushed in it, or pushed again in it. By id or label."""
        text = (value or "").strip()
        if not text:
            return queryset
        if text.isdigit():
            batch_id = int_param({name: text}, name)
            pushes = EntryPush.objects.filter(batch_id=batch_id)
            return queryset.filter(Q(batch_id=batch_id) | Q(pk__in=pushes.values("entry_id")))
        pushes = EntryPush.objects.filter(batch__label=text)
        return queryset.filter(Q(batch__label=text) | Q(pk__in=pushes.values("entry_id")))

    def filter_suggestion(self, queryset: QuerySet[PushEntry], name: str, value: str) -> QuerySet[PushEntry]:
        if not value:
            return queryset
        return queryset.filter(pk__in=EntryMatch.objects.filter(kind=value).values("entry_id"))

    def summary(self) -> str:
        """The active filters for the audit log: codes and ids, and only whether a search was made."""
        data = self.data or {}
        parts = [
            f"{name}={data[name]}"
            for name in ("kind", "status", "town", "village", "batch", "suggestion")
            if data.get(name)
        ]
        if data.get("q"):
            parts.append("q=" + _("(已填写)"))
        return "，".join(parts) or _("全部")


class RecordFilter(django_filters.FilterSet):
    """/records/: town, insurance, enrolment date range, a name or an exact ID number (shared by the export)."""

    q = django_filters.CharFilter(label=gettext_lazy("姓名/证件号码"), method="filter_q")
    town = django_filters.CharFilter(label=gettext_lazy("镇(街道)"), method="filter_town", widget=forms.Select)
    insurance = django_filters.ChoiceFilter(
        label=gettext_lazy("险种"), choices=Insurance.choices, empty_label=gettext_lazy("全部险种")
    )
    enrolled_from = django_filters.DateFilter(
        label=gettext_lazy("参保日期从"),
        field_name="enrolled_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    enrolled_to = django_filters.DateFilter(
        label=gettext_lazy("至"),
        field_name="enrolled_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = EnrolmentRecord
        fields = ["q", "town", "insurance", "enrolled_from", "enrolled_to"]

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.sees_all_towns:
            towns = Town.objects.for_user(user).values_list("name", flat=True)
            self.form.fields["town"].widget.choices = [("", _("全部镇(街道)")), *((name, name) for name in towns)]
        else:
            del self.form.fields["town"]

    def filter_queryset(self, queryset: QuerySet[EnrolmentRecord]) -> QuerySet[EnrolmentRecord]:
        # A bad value (a date like 2021-13-40) finds nothing, never everything.
        if self.form.errors:
            return queryset.none()
        data = self.form.cleaned_data
        for name, value in data.items():
            queryset = self.filters[name].filter(queryset, value)
        # Town staff have no town field, but the parameter still narrows (to nothing but their own town).
        town = (self.data or {}).get("town")
        if "town" not in data and town:
            queryset = self.filter_town(queryset, "town", town)
        return queryset

    def filter_q(self, queryset: QuerySet[EnrolmentRecord], name: str, value: str) -> QuerySet[EnrolmentRecord]:
        text = normalize_text(value)
        if not text:
            return queryset
        key = search_key(text)
        if key is not None:
            return queryset.filter(id_number=key)
        return queryset.filter(name__icontains=text)

    def filter_town(self, queryset: QuerySet[EnrolmentRecord], name: str, value: str) -> QuerySet[EnrolmentRecord]:
        text = normalize_text(value)
        if not text:
            return queryset
        towns = towns_named(text, Town.objects.for_user(self.user))
        return queryset.filter(town_id__in=list(towns.values_list("id", flat=True)))

    def summary(self) -> str:
        """The active filters for the audit log: never the search text itself."""
        data = self.data or {}
        names = ("town", "insurance", "enrolled_from", "enrolled_to")
        parts = [f"{name}={data[name]}" for name in names if data.get(name)]
        if data.get("q"):
            parts.append("q=" + _("(已填写)"))
        return "，".join(parts) or _("全部")
