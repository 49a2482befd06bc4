"""Acting on the matching's suggestions: accept (one, or every open one of a kind in a filtered selection), or
dismiss with a reason. Only a person changes an entry's status this way, through the same validated,
set-based status change as the queue's own (`enrolment.services.entries`); each decision moves the open match
(`EntryMatch`) to a decided suggestion (`EntrySuggestion`) recording who and when, and goes through the audit
door. A suggestion is named by its entry and kind (the open matches have no id of their own).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import Action, audit_record
from campaigns.models import User
from enrolment.models import (
    EntryMatch,
    EntryStatus,
    EntrySuggestion,
    Insurance,
    ListKind,
    NotDueReason,
    PushEntry,
    ReferenceKind,
)
from enrolment.services.entries import CHANGE_PERMISSION, StatusChange, _apply, entries_status_plan

DECIDE_PERMISSION = "enrolment.change_entrysuggestion"

_NOT_DUE = {
    ReferenceKind.DECEASED: NotDueReason.DECEASED,
    ReferenceKind.STUDENT: NotDueReason.STUDENT,
    ReferenceKind.HOUSEHOLD_MOVED: NotDueReason.MOVED_AWAY,
}
# The insurance an entry enrolled as when the medical-insurance list names none we count.
_DEFAULT_INSURANCE = {
    ListKind.EMPLOYED_PERSON: Insurance.EMPLOYEE_PENSION,
    ListKind.PERSON: Insurance.RESIDENT_PENSION,
    ListKind.INTERRUPTED: Insurance.EMPLOYEE_PENSION,
}


@dataclass(frozen=True)
class Outcome:
    """What accepting a suggestion does to its entry."""

    status: str
    not_due_reason: str = ""
    insurance: str = ""
    enrolled_on: datetime.date | None = None

    @property
    def label(self) -> str:
        text = str(EntryStatus(self.status).label)
        if self.not_due_reason:
            text += f" · {NotDueReason(self.not_due_reason).label}"
        elif self.insurance:
            text += f" · {Insurance(self.insurance).label}"
        return text


def _insurance(suggestion: EntrySuggestion) -> str:
    from enrolment.services.records import parse_insurance

    written = suggestion.reference_row.details.get("insurance", "")
    try:
        return parse_insurance(written)
    except ValueError:
        pass
    entry = suggestion.entry
    if entry.kind == ListKind.INTERRUPTED:
        try:
            return parse_insurance(entry.interrupted_insurance)
        except ValueError:
            pass
    return _DEFAULT_INSURANCE.get(entry.kind, Insurance.RESIDENT_PENSION)


def outcome_of(suggestion: EntrySuggestion) -> Outcome | None:
    """The status accepting a suggestion gives its entry; None for a tag (nothing to accept)."""
    kind = suggestion.kind
    if kind in _NOT_DUE:
        return Outcome(EntryStatus.NOT_DUE, not_due_reason=_NOT_DUE[kind])
    if kind == ReferenceKind.INSURED_16PLUS:
        if suggestion.reference_row.category == "elsewhere":
            return Outcome(EntryStatus.NOT_DUE, not_due_reason=NotDueReason.INSURED_ELSEWHERE)
        enrolled_on = min(suggestion.reference_list.as_of, timezone.localdate())
        return Outcome(EntryStatus.ENROLLED, insurance=_insurance(suggestion), enrolled_on=enrolled_on)
    return None


def open_matches_for(user: User) -> QuerySet[EntryMatch]:
    return EntryMatch.objects.for_user(user).select_related(
        "entry", "reference_list", "reference_list__department", "reference_row"
    )


def _open_one(user: User, entry_id: int, kind: str) -> EntrySuggestion:
    """The open suggestion of the entry and kind, locked; a ValidationError if it was decided, and
    EntrySuggestion.DoesNotExist if there is none the user may see."""
    match = open_matches_for(user).select_for_update(of=("self",)).filter(entry_id=entry_id, kind=kind).first()
    if match is not None:
        return match.as_suggestion()
    decided = EntrySuggestion.objects.for_user(user).filter(entry_id=entry_id, kind=kind).first()
    if decided is None:
        raise EntrySuggestion.DoesNotExist
    raise ValidationError(_("该提示已处理（%(status)s）") % {"status": decided.get_status_display()})


def _decide(suggestions: Sequence[EntrySuggestion], *, user: User, status: str, reason: str = "") -> None:
    """Record the decisions and drop their open matches (which the matching never writes again)."""
    now = timezone.now()
    for suggestion in suggestions:
        suggestion.status, suggestion.reason, suggestion.decided_by, suggestion.decided_at = status, reason, user, now
    EntrySuggestion.objects.bulk_create(suggestions, batch_size=1000)
    by_kind: dict[str, list[int]] = {}
    for suggestion in suggestions:
        by_kind.setdefault(suggestion.kind, []).append(suggestion.entry_id)
    for kind, entry_ids in by_kind.items():
        for start in range(0, len(entry_ids), 1000):
            EntryMatch.objects.filter(kind=kind, entry_id__in=entry_ids[start : start + 1000]).delete()


def _check_permission(user: User) -> None:
    if not (user.has_perm(DECIDE_PERMISSION) and user.has_perm(CHANGE_PERMISSION)):
        raise PermissionDenied(_("您没有处理比对提示的权限"))


@dataclass
class AcceptResult:
    accepted: int = 0
    skipped: int = 0
    problems: list[str] | None = None


def _accept(user: User, suggestions: Sequence[EntrySuggestion]) -> AcceptResult:
    result = AcceptResult(problems=[])
    requests: list[StatusChange] = []
    by_entry: dict[int, EntrySuggestion] = {}
    for suggestion in suggestions:
        outcome = outcome_of(suggestion)
        if (
            outcome is None
            or suggestion.status != EntrySuggestion.Status.OPEN
            or suggestion.entry.status in (EntryStatus.ENROLLED, EntryStatus.NOT_DUE)
            or suggestion.entry_id in by_entry
        ):
            result.skipped += 1
            continue
        source = suggestion.reference_list
        note = _("采纳比对提示：%(kind)s（%(department)s %(as_of)s）") % {
            "kind": ReferenceKind(suggestion.kind).label,
            "department": source.department.name,
            "as_of": f"{source.as_of:%Y-%m-%d}",
        }
        requests.append(
            StatusChange(
                entry_id=suggestion.entry_id,
                status=outcome.status,
                not_due_reason=outcome.not_due_reason,
                insurance=outcome.insurance,
                enrolled_on=outcome.enrolled_on,
                note=note,
                version=suggestion.entry.version,
            )
        )
        by_entry[suggestion.entry_id] = suggestion
    plan = entries_status_plan(user=user, requests=requests, lock=True)
    _apply(plan.changes, user=user)
    accepted = [by_entry[change.entry.pk] for change in plan.changes]
    _decide(accepted, user=user, status=EntrySuggestion.Status.ACCEPTED)
    result.accepted = len(accepted)
    result.skipped += plan.unchanged + len(plan.conflicts) + len(plan.problems)
    result.problems = [problem.reason for problem in [*plan.problems, *plan.conflicts]]
    if accepted:
        audit_record(
            action=Action.SUGGESTION,
            what=_("采纳比对提示：%(ids)s") % {"ids": ",".join(str(s.pk) for s in accepted[:50])},
            user=user,
            rows=len(accepted),
        )
    return result


@transaction.atomic
def suggestion_accept(*, user: User, entry_id: int, kind: str) -> AcceptResult:
    """Accept the entry's open suggestion of a kind: the entry takes the suggested status.
    EntrySuggestion.DoesNotExist out of scope."""
    _check_permission(user)
    suggestion = _open_one(user, entry_id, kind)
    if suggestion.is_tag:
        raise ValidationError(_("该提示只是标记，无需采纳"))
    result = _accept(user, [suggestion])
    if not result.accepted:
        raise ValidationError(result.problems or [_("该条目已核查完毕，未作更改")])
    return result


@transaction.atomic
def suggestions_accept_bulk(*, user: User, entries: QuerySet[PushEntry], kind: str) -> AcceptResult:
    """Accept every open suggestion of ``kind`` on the given entries (the queue's filtered selection, already
    scoped to the user). A few queries, whatever the number."""
    _check_permission(user)
    if kind not in ReferenceKind.values or kind in ReferenceKind.tag_kinds():
        raise ValidationError(_("请选择要批量采纳的比对提示类型"))
    matches = (
        open_matches_for(user)
        .select_for_update(of=("self",))
        .filter(kind=kind, entry__in=entries.order_by().values("pk"))
        .order_by("entry_id")
    )
    return _accept(user, [match.as_suggestion() for match in matches])


@transaction.atomic
def suggestion_dismiss(*, user: User, entry_id: int, kind: str, reason: str) -> EntrySuggestion:
    """Dismiss the entry's open suggestion of a kind with a reason; the entry is left as it is."""
    _check_permission(user)
    suggestion = _open_one(user, entry_id, kind)
    reason = " ".join((reason or "").split())
    if suggestion.is_tag:
        raise ValidationError(_("该提示只是标记，无需驳回"))
    if not reason:
        raise ValidationError(_("驳回比对提示时必须填写原因"))
    _decide([suggestion], user=user, status=EntrySuggestion.Status.DISMISSED, reason=reason[:500])
    audit_record(action=Action.SUGGESTION, what=_("驳回比对提示：%(id)s") % {"id": suggestion.pk}, user=user, rows=1)
    return suggestion
