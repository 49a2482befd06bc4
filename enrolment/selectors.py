"""Reads for the work queue: the filtered entries, the funnel, filter choices, and entries as JSON."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections
from django.db.models import Count, Prefetch, Q, QuerySet, Sum, Value
from django.utils.translation import gettext_lazy

from campaigns.models import Town, User, Village
from enrolment.identifiers import mask_id_number, mask_phone
from enrolment.models import (
    Batch,
    EntryCount,
    EntryMatch,
    EntryPush,
    EntryStatus,
    EntrySuggestion,
    ListKind,
    PushEntry,
    ReferenceKind,
)

# A list filtered by what the counters do not key on (a search, a village, a batch…) counts at most this many
# rows and says so: beyond it the exact figure would cost a scan of the selection on every page.
COUNT_CAP = 10_000


def entries_for(user: User) -> QuerySet[PushEntry]:
    """The entries a user may see, with what the queue shows in the same query."""
    return (
        PushEntry.objects.for_user(user)
        .select_related("town", "village", "batch")
        .only(
            "id",
            "kind",
            "key",
            "name",
            "phone",
            "status",
            "not_due_reason",
            "pushed_times",
            "version",
            "status_changed_at",
            "status_changed_by",
            "town__name",
            "village__name",
            "batch__label",
        )
    )


_KIND_ORDER = {kind: n for n, kind in enumerate(ReferenceKind.values)}


def with_suggestions(queryset: QuerySet[PushEntry]) -> QuerySet[PushEntry]:
    """The entries with their open suggestions and tags (``entry.open_suggestions``), in one more query."""
    open_ones = EntryMatch.objects.only("entry_id", "kind")
    return queryset.prefetch_related(Prefetch("matches", queryset=open_ones, to_attr="open_suggestions"))


def suggestion_kinds(entry: PushEntry) -> tuple[list[str], list[str]]:
    """(open suggestion kinds, tag kinds) of an entry, in the kinds' order."""
    found = getattr(entry, "open_suggestions", None)
    if found is None:
        found = list(entry.matches.only("entry_id", "kind"))
    kinds = sorted({suggestion.kind for suggestion in found}, key=_KIND_ORDER.__getitem__)
    tags = ReferenceKind.tag_kinds()
    return [kind for kind in kinds if kind not in tags], [kind for kind in kinds if kind in tags]


def is_system_matched(entry: PushEntry) -> bool:
    """Closed as 已参保 by the business system's records (系统比对) rather than by a person."""
    return (
        entry.status == EntryStatus.ENROLLED
        and entry.status_changed_by_id is None
        and entry.status_changed_at is not None
    )


@dataclass(frozen=True)
class Funnel:
    """Every entry counted under exactly one status, so the parts add up to ``pushed``."""

    pushed: int
    pending: int
    enrolled: int
    not_due: int
    refused: int
    unreachable: int

    @property
    def worked(self) -> int:
        """Entries someone has looked at: every status but 待核查."""
        return self.pushed - self.pending

    @property
    def open(self) -> int:
        """Entries still to be followed up: 待核查, 拒绝参保 and 无法联系."""
        return self.pending + self.refused + self.unreachable

    def parts(self) -> list[tuple[str, str, int]]:
        """(status, label, count) for every status, in the order the statuses are declared."""
        return [(status.value, str(status.label), getattr(self, status.value)) for status in EntryStatus]

    def count(self, status: str) -> int:
        return getattr(self, status) if status in EntryStatus.values else 0


def entry_funnel(queryset: QuerySet[PushEntry]) -> Funnel:
    """How many entries hold each status, in one aggregate query over the entries."""
    counts = queryset.order_by().aggregate(
        pushed=Count("id"),
        **{status.value: Count("id", filter=Q(status=status)) for status in EntryStatus},
    )
    return Funnel(**counts)


def _counters(user: User, *, kind: str | None, status: str | None, town_ids: list[int] | None) -> QuerySet[EntryCount]:
    """The entry counters the user may see, of one kind, status and set of towns where given."""
    counts = EntryCount.objects.for_user(user)
    if kind:
        counts = counts.filter(kind=kind)
    if status:
        counts = counts.filter(status=status)
    if town_ids is not None:
        counts = counts.filter(town_id__in=town_ids)
    return counts


def entry_counts(
    user: User, *, kind: str | None = None, status: str | None = None, town_ids: list[int] | None = None
) -> dict[str, int]:
    """Entries per status the user may see, from the counters (a few rows, whatever the number of entries)."""
    counts = _counters(user, kind=kind, status=status, town_ids=town_ids)
    return dict(counts.order_by().values("status").annotate(n=Sum("entries")).values_list("status", "n"))


def entry_count_parts(
    user: User, *, kind: str | None = None, status: str | None = None, town_ids: list[int] | None = None
) -> list[tuple[int, str, int]]:
    """(town, status, entries) for each pair holding entries the user may see, from the counters, in town and
    status order."""
    counts = _counters(user, kind=kind, status=status, town_ids=town_ids)
    rows = counts.order_by("town_id", "status").values("town_id", "status").annotate(n=Sum("entries"))
    return [(row["town_id"], row["status"], row["n"]) for row in rows if row["n"]]


# Beyond this many (town, status) pairs (a prefecture's or a province's office, unfiltered) one merge would
# cost more to plan than a walk of the id order: the page is read in one query instead.
MERGED_PARTS = 120


def entries_page(
    queryset: QuerySet[PushEntry], *, parts: list[tuple[int, str, int]] | None, start: int, stop: int
) -> list[PushEntry]:
    """Rows ``start:stop`` of ``queryset`` in id order, each page read within its own towns' entries.

    Ordered by id across several towns, one query would walk the whole table's id order and keep its towns'
    rows: as far as the table is long (every county's entries interleave in id order). Given ``parts``, the
    (town, status) pairs that hold the selected entries (`EntryFilter.counted_parts`, from the counters),
    each pair's first ``stop`` ids are read from its own range of the (town, status, id) index and the
    database merges the ordered ranges (a Merge Append on PostgreSQL), so a page reads at most ``stop`` index
    entries a pair; the page's rows are then read by id, through the same scoped ``queryset``. Without parts,
    with too many, or on a database that cannot order the branches of a UNION (SQLite), one sliced query.
    """
    if parts is not None and not parts:
        return []
    ordered = queryset.order_by("id")
    can_merge = connections[queryset.db].features.supports_slicing_ordering_in_compound
    if parts is None or len(parts) > MERGED_PARTS or not can_merge:
        return list(ordered[start:stop])
    if len(parts) == 1:
        ((town_id, status, _entries),) = parts
        return list(ordered.filter(town_id=town_id, status=status)[start:stop])
    ids = _merged_ids(ordered, parts=parts, start=start, stop=stop)
    return list(ordered.filter(pk__in=ids)) if ids else []


# Stand-ins no town id or status takes: one branch of the merge is compiled with them, and each pair's values
# take their places in the parameters.
_TOWN_STAND_IN = -987_654_321
_STATUS_STAND_IN = "\x00stand-in"


def _merged_ids(ordered: QuerySet[PushEntry], *, parts: list[tuple[int, str, int]], start: int, stop: int) -> list[int]:
    """Ids ``start:stop`` of the UNION ALL of each (town, status) pair's first ``stop`` ids, in id order.

    Every branch is the same query but for its town and status: it is compiled once (the ORM takes about a
    millisecond to compile each of a county's dozen branches) and its SQL repeated, each branch with its own
    parameters.
    """
    branch = ordered.filter(town_id=_TOWN_STAND_IN, status=_STATUS_STAND_IN).values_list("id", flat=True)[:stop]
    sql, params = branch.query.sql_with_params()
    town_at = [i for i, value in enumerate(params) if value == _TOWN_STAND_IN]
    status_at = [i for i, value in enumerate(params) if value == _STATUS_STAND_IN]
    if len(town_at) != 1 or len(status_at) != 1:
        branches = [
            ordered.filter(town_id=town_id, status=status).values_list("id", flat=True)[:stop]
            for town_id, status, _entries in parts
        ]
        return list(branches[0].union(*branches[1:], all=True).order_by("id")[start:stop])
    merged_params: list[object] = []
    for town_id, status, _entries in parts:
        given = list(params)
        given[town_at[0]], given[status_at[0]] = town_id, status
        merged_params += given
    merged = " UNION ALL ".join([f"({sql})"] * len(parts)) + " ORDER BY 1 LIMIT %s OFFSET %s"
    with connections[ordered.db].cursor() as cursor:
        cursor.execute(merged, [*merged_params, stop - start, start])
        return [row[0] for row in cursor.fetchall()]


def queue_funnel(user: User) -> Funnel:
    """The funnel of every entry the user may see (every status), from the counters."""
    by_status = entry_counts(user)
    return Funnel(pushed=sum(by_status.values()), **{s.value: by_status.get(s.value, 0) for s in EntryStatus})


def capped_count(queryset: QuerySet[PushEntry], *, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, exact): the rows of the queryset counted up to ``cap`` (cap + 1 and not exact beyond)."""
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    return counted, counted <= cap


@dataclass(frozen=True)
class FilterChoices:
    towns: list[tuple[str, str]]
    batches: list[tuple[str, str]]
    villages: list[tuple[str, str]]


def filter_choices(user: User) -> FilterChoices:
    """The towns, batches and villages the filter form offers, in one UNION query."""
    batches = (
        Batch.objects.for_user(user)
        .annotate(group=Value("b"), parent=Value(""))
        .values_list("group", "id", "label", "parent")
    )
    villages = (
        Village.objects.for_user(user)
        .annotate(group=Value("v"), parent=Value(""))
        .values_list("group", "id", "name", "town__short_name")
    )
    parts = [villages]
    if user.sees_all_towns:
        parts.append(
            Town.objects.for_user(user)
            .annotate(group=Value("t"), parent=Value(""))
            .values_list("group", "id", "name", "parent")
        )
    rows = sorted(batches.order_by().union(*(p.order_by() for p in parts), all=True), key=lambda r: (r[0], r[1]))
    return FilterChoices(
        towns=[(name, name) for group, _id, name, _parent in rows if group == "t"],
        batches=[(str(pk), label) for group, pk, label, _parent in rows if group == "b"],
        villages=[
            (str(pk), f"{parent} · {name}" if user.sees_all_towns else name)
            for group, pk, name, parent in rows
            if group == "v"
        ],
    )


def is_person(entry: PushEntry) -> bool:
    return entry.kind not in ListKind.employer_kinds()


def shown_key(entry: PushEntry, *, unmasked: bool) -> str:
    """A person's ID number masked unless permitted; an employer's credit code is public."""
    if unmasked or not is_person(entry):
        return entry.key
    return mask_id_number(entry.key)


def shown_phone(phone: str, *, unmasked: bool) -> str:
    if not phone or unmasked:
        return phone
    return mask_phone(phone)


def entry_json(entry: PushEntry, *, unmasked: bool) -> dict[str, object]:
    """The public JSON shape of an entry in a list."""
    data: dict[str, object] = {
        "id": entry.pk,
        "kind": entry.kind,
        "name": entry.name,
        "key": shown_key(entry, unmasked=unmasked),
        "town": entry.town.name,
        # "" rather than null when the list gave no village, in every response.
        "village": entry.village.name if entry.village_id else "",
        "status": entry.status,
        "batch": entry.batch.label,
        "pushed_times": entry.pushed_times,
    }
    data["suggestions"], data["tags"] = suggestion_kinds(entry)
    return data


def entry_detail_json(entry: PushEntry, *, unmasked: bool) -> dict[str, object]:
    """The list shape plus the entry's details, for ``/api/entries/<id>/``."""
    data = entry_json(entry, unmasked=unmasked)
    data.update(
        {
            "kind_label": entry.get_kind_display(),
            "status_label": entry.get_status_display(),
            "phone": shown_phone(entry.phone, unmasked=unmasked),
            "address": entry.address,
            "employer_name": entry.employer_name,
            "last_paid": entry.last_paid.strftime("%Y-%m") if entry.last_paid else None,
            "interrupted_insurance": entry.interrupted_insurance,
            "legal_rep": entry.legal_rep,
            "employees": entry.employees,
            "industry": entry.industry,
            "last_pushed_batch": entry.last_pushed_batch.label if entry.last_pushed_batch_id else None,
            "not_due_reason": entry.not_due_reason,
            "enrolled_insurance": entry.enrolled_insurance,
            "enrolled_on": entry.enrolled_on.isoformat() if entry.enrolled_on else None,
            "note": entry.note,
            "version": entry.version,
            "status_changed_at": entry.status_changed_at.isoformat() if entry.status_changed_at else None,
        }
    )
    return data


def entry_in_scope(user: User, pk: int) -> PushEntry:
    """One entry within the user's scope; raises PushEntry.DoesNotExist otherwise."""
    return (
        PushEntry.objects.for_user(user)
        .select_related("town", "village", "batch", "last_pushed_batch", "status_changed_by")
        .get(pk=pk)
    )


def next_open_entry_id(user: User, *, after: int) -> int | None:
    """The next 待核查 entry of the user's queue after ``after`` in id order, wrapping round; None when none is left."""
    pending = PushEntry.objects.for_user(user).filter(status=EntryStatus.PENDING).exclude(pk=after).order_by("pk")
    following = pending.filter(pk__gt=after).values_list("pk", flat=True).first()
    return following if following is not None else pending.values_list("pk", flat=True).first()


@dataclass(frozen=True)
class HistoryLine:
    at: object
    user: str
    from_status: str
    to_status: str
    reason: str
    note: str


def entry_history(entry: PushEntry) -> list[HistoryLine]:
    """Every status change of the entry, newest first: who, when, from, to.

    Entries are created 待核查 (the import may store them without a history record), and only the
    status services change them afterwards, so the first change starts from 待核查.
    """
    records = list(
        entry.history.select_related("history_user")
        .order_by("history_date", "history_id")
        .only("history_date", "history_user", "history_type", "status", "note", "history_change_reason")
    )
    lines: list[HistoryLine] = []
    previous = EntryStatus.PENDING
    for record in records:
        if record.history_type != "+":
            user = record.history_user
            lines.append(
                HistoryLine(
                    at=record.history_date,
                    user=(user.get_full_name() or user.username) if user else "",
                    from_status=EntryStatus(previous).label,
                    to_status=EntryStatus(record.status).label,
                    reason=record.history_change_reason or "",
                    note=record.note,
                )
            )
        previous = record.status
    lines.reverse()
    return lines


def batch_funnel(*, batch: Batch) -> Funnel:
    """What became of the entries a batch pushed — new ones and earlier ones pushed again — in one query."""
    pushed_again = EntryPush.objects.filter(batch=batch).values("entry_id")
    return entry_funnel(PushEntry.objects.filter(Q(batch=batch) | Q(pk__in=pushed_again)))


@dataclass(frozen=True)
class SuggestionLine:
    suggestion: EntrySuggestion
    label: str
    outcome: str
    detail: str


def entry_suggestions(entry: PushEntry) -> list[SuggestionLine]:
    """Every suggestion and tag of an entry with its source list and date, and what accepting it does: the open
    ones first, then the decided ones."""
    from enrolment.services.references import place_label
    from enrolment.services.suggestions import outcome_of

    lines = []
    open_ones = entry.matches.select_related("reference_list__department", "reference_row").order_by("kind")
    decided = entry.suggestions.select_related("reference_list__department", "reference_row", "decided_by")
    for suggestion in [match.as_suggestion() for match in open_ones] + list(decided.order_by("status", "kind")):
        suggestion.entry = entry
        outcome = outcome_of(suggestion)
        row = suggestion.reference_row
        detail = "，".join(str(value) for value in row.details.values() if value)
        if suggestion.kind == ReferenceKind.INSURED_16PLUS:
            detail = "，".join(part for part in (detail, place_label(row.category)) if part)
        elif row.category:
            detail = "，".join(part for part in (row.category, detail) if part)
        label = str(_TAG_LABELS.get(suggestion.kind) or (outcome.label if outcome else suggestion.get_kind_display()))
        lines.append(SuggestionLine(suggestion, label, outcome.label if outcome else "", detail))
    return lines


def system_match_source(entry: PushEntry) -> str:
    """The business-system records an entry was closed by (file and time), or "" when a person closed it."""
    if not is_system_matched(entry):
        return ""
    record = entry.records.select_related("data_import").order_by("enrolled_on").first()
    if record is None:
        return "—"
    if record.data_import_id:
        moment = record.data_import.finished_at or record.data_import.uploaded_at
        return f"{record.data_import.file_name}，{moment:%Y-%m-%d %H:%M}" if moment else record.data_import.file_name
    return f"{record.get_source_display()}，{record.created_at:%Y-%m-%d %H:%M}"


# Tags are shown by what they mean for the entry, not by the list they came from.
_GOVERNMENT_PAYS = gettext_lazy("政府代缴对象")
_LIVE_EMPLOYER = gettext_lazy("在营单位")
_TAG_LABELS = {
    ReferenceKind.POVERTY: _GOVERNMENT_PAYS,
    ReferenceKind.DIBAO_TEKUN: _GOVERNMENT_PAYS,
    ReferenceKind.DISABLED: _GOVERNMENT_PAYS,
    ReferenceKind.REGISTERED_BUSINESS: _LIVE_EMPLOYER,
    ReferenceKind.TAX_PAYING_EMPLOYER: _LIVE_EMPLOYER,
}


def suggestion_badge(kind: str) -> str:
    """How the queue names a suggestion or tag in one or two words (已死亡, 在校学生, 政府代缴对象…)."""
    return str(_TAG_LABELS.get(kind) or _BADGES.get(kind) or ReferenceKind(kind).label)


_BADGES = {
    ReferenceKind.DECEASED: gettext_lazy("已死亡"),
    ReferenceKind.STUDENT: gettext_lazy("在校学生"),
    ReferenceKind.INSURED_16PLUS: gettext_lazy("医保参保"),
    ReferenceKind.HOUSEHOLD_MOVED: gettext_lazy("户籍迁出"),
}


@dataclass(frozen=True)
class Resolved:
    """How many entries one source of data resolved: a department's lists (accepted suggestions), or the business
    system's records (entries closed by 系统比对)."""

    source: str
    entries: int


def entries_resolved_by_source(*, campaign: object) -> list[Resolved]:
    """Entries each department's data resolved (suggestions accepted), then those the business system closed:
    two grouped queries."""
    by_department = (
        EntrySuggestion.objects.filter(status=EntrySuggestion.Status.ACCEPTED, reference_list__campaign=campaign)
        .order_by()
        .values_list("reference_list__department__name")
        .annotate(n=Count("entry_id", distinct=True))
    )
    found = [Resolved(str(name), n) for name, n in sorted(by_department, key=lambda item: -item[1])]
    system = PushEntry.objects.filter(
        campaign=campaign, status=EntryStatus.ENROLLED, status_changed_by__isnull=True, status_changed_at__isnull=False
    ).count()
    if system:
        found.append(Resolved(str(gettext_lazy("业务系统参保记录（系统比对）")), system))
    return found
