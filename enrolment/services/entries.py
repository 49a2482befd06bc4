"""Working through the push lists: changing an entry's status, one at a time or a whole workbook at once.

Every change is validated the same way (`_validated`), bumps the entry's ``version`` (so an offline
workbook can tell a stale row from a fresh one), records who and when on the entry, and leaves a
simple-history record whose user is the one who acted and whose change reason reads "待核查→已参保".
An entry of a person kind that becomes 已参保 creates (or links) the person's EnrolmentRecord, which is
what the campaign's progress counts.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from audit.services import Action, audit_record
from campaigns.models import User
from enrolment.models import (
    EnrolmentRecord,
    EntryStatus,
    Insurance,
    ListKind,
    NotDueReason,
    PushEntry,
)
from enrolment.services._progress import progress_changed

CHANGE_PERMISSION = "enrolment.change_pushentry"

# The fields a status change writes; also what bulk_update sends.
_STATUS_FIELDS = ("status", "not_due_reason", "enrolled_insurance", "enrolled_on", "note")
_WRITTEN_FIELDS = [*_STATUS_FIELDS, "version", "status_changed_at", "status_changed_by"]


@dataclass(frozen=True)
class StatusChange:
    """A requested change of one entry. ``version`` is the version the user saw (None: do not check)."""

    entry_id: int
    status: str
    not_due_reason: str = ""
    insurance: str = ""
    enrolled_on: datetime.date | None = None
    note: str = ""
    version: int | None = None
    row: int | None = None


@dataclass(frozen=True)
class RowProblem:
    row: int | None
    entry_id: int | None
    reason: str


@dataclass
class PlannedChange:
    row: int | None
    entry: PushEntry
    from_status: str
    values: dict[str, object]

    @property
    def to_status(self) -> str:
        return str(self.values["status"])

    @property
    def from_label(self) -> str:
        return status_label(self.from_status)

    @property
    def to_label(self) -> str:
        return status_label(self.to_status)


@dataclass
class ChangePlan:
    changes: list[PlannedChange] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    conflicts: list[RowProblem] = field(default_factory=list)
    unchanged: int = 0


def status_label(status: str) -> str:
    return str(EntryStatus(status).label) if status in EntryStatus.values else status


def _validated(entry: PushEntry, change: StatusChange, *, today: datetime.date) -> dict[str, object] | None:
    """The entry's new status fields, or None when the change would change nothing.

    Raises ValidationError keyed by the status form's field names, with a Chinese message for every field
    that is wrong (not only the first).
    """
    status = change.status
    if status not in EntryStatus.values:
        raise ValidationError(
            {
                "status": _("核查状态“%(status)s”无效，应为：%(choices)s")
                % {"status": status, "choices": "、".join(str(s.label) for s in EntryStatus)}
            }
        )
    note = (change.note or "").strip()
    values: dict[str, object] = {
        "status": status,
        "not_due_reason": "",
        "enrolled_insurance": "",
        "enrolled_on": None,
        "note": note,
    }
    errors: dict[str, str] = {}
    if status == EntryStatus.ENROLLED:
        if not change.insurance:
            errors["insurance"] = _("标记为“已参保”时必须选择参保险种")
        elif change.insurance not in Insurance.values:
            errors["insurance"] = _("参保险种“%(insurance)s”无效") % {"insurance": change.insurance}
        if change.enrolled_on is None:
            errors["enrolled_on"] = _("标记为“已参保”时必须填写参保日期")
        elif change.enrolled_on > today:
            errors["enrolled_on"] = _("参保日期 %(day)s 晚于今天") % {"day": f"{change.enrolled_on:%Y-%m-%d}"}
        values["enrolled_insurance"] = change.insurance
        values["enrolled_on"] = change.enrolled_on
    elif status == EntryStatus.NOT_DUE:
        if not change.not_due_reason:
            errors["not_due_reason"] = _("标记为“无需参保”时必须选择原因")
        elif change.not_due_reason not in NotDueReason.values:
            errors["not_due_reason"] = _("无需参保原因“%(reason)s”无效") % {"reason": change.not_due_reason}
        elif change.not_due_reason == NotDueReason.OTHER and not note:
            errors["note"] = _("无需参保原因为“其他”时必须在备注中说明")
        values["not_due_reason"] = change.not_due_reason
    elif status == EntryStatus.REFUSED and not note:
        errors["note"] = _("标记为“拒绝参保”时必须在备注中说明情况，以便后续跟进")
    if errors:
        raise ValidationError(errors)
    if all(getattr(entry, name) == value for name, value in values.items()):
        return None
    # Closed by the business system's records (系统比对): reopening it is a person's considered decision.
    system_matched = entry.status == EntryStatus.ENROLLED and entry.status_changed_by_id is None
    if system_matched and entry.status_changed_at is not None and status != EntryStatus.ENROLLED and not note:
        raise ValidationError(_("该条目由业务系统比对确认已参保，更改状态时必须在备注中说明原因"))
    return values


def _check_permission(user: User) -> None:
    if not user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied(_("您没有修改推送清单条目的权限"))


def _apply(changes: Sequence[PlannedChange], *, user: User) -> None:
    """Write the planned changes set-based: one bulk update, one bulk history insert, the records."""
    if not changes:
        return
    now = timezone.now()
    entries = []
    for change in changes:
        entry = change.entry
        for name, value in change.values.items():
            setattr(entry, name, value)
        entry.version += 1
        entry.status_changed_at = now
        entry.status_changed_by = user
        entry._history_user = user
        entry._history_date = now
        entry._change_reason = f"{status_label(change.from_status)}→{status_label(change.to_status)}"
        entries.append(entry)
    bulk_update_with_history(entries, PushEntry, _WRITTEN_FIELDS, batch_size=1000, default_user=user, default_date=now)
    _records_sync(changes)
    # Every change of status moves the progress figures (the push-list work is counted with them; entering or
    # leaving 已参保 moves the enrolment counts too): one coalesced recompute is asked for.
    touched = {c.entry.campaign_id for c in changes}
    for campaign_id in sorted(touched):
        progress_changed(campaign_id=campaign_id)


def _records_sync(changes: Sequence[PlannedChange]) -> None:
    """Keep the EnrolmentRecords that entries created in step with the entries' new status.

    A record this workflow created is replaced when its entry leaves 已参保 or changes insurance; a
    record that came from the business system (import) or was entered by hand is only linked or
    unlinked, never altered: it is the better source.
    """
    persons = [c for c in changes if c.entry.kind not in ListKind.employer_kinds()]
    left = [c.entry.pk for c in persons if c.from_status == EntryStatus.ENROLLED]
    if left:
        EnrolmentRecord.objects.filter(entry_id__in=left, source=EnrolmentRecord.Source.ENTRY).delete()
        EnrolmentRecord.objects.filter(entry_id__in=left).update(entry=None)
    enrolled = [c.entry for c in persons if c.to_status == EntryStatus.ENROLLED]
    if not enrolled:
        return
    existing = {
        (record.campaign_id, record.id_number, record.insurance): record
        for record in EnrolmentRecord.objects.filter(
            campaign_id__in={e.campaign_id for e in enrolled},
            id_number__in={e.key for e in enrolled},
            insurance__in={e.enrolled_insurance for e in enrolled},
        )
    }
    to_create: list[EnrolmentRecord] = []
    to_update: list[EnrolmentRecord] = []
    for entry in enrolled:
        record = existing.get((entry.campaign_id, entry.key, entry.enrolled_insurance))
        if record is None:
            record = EnrolmentRecord(
                campaign_id=entry.campaign_id,
                id_number=entry.key,
                name=entry.name,
                insurance=entry.enrolled_insurance,
                enrolled_on=entry.enrolled_on,
                town_id=entry.town_id,
                village_id=entry.village_id,
                source=EnrolmentRecord.Source.ENTRY,
                entry=entry,
            )
            existing[(entry.campaign_id, entry.key, entry.enrolled_insurance)] = record
            to_create.append(record)
            continue
        if record.source == EnrolmentRecord.Source.ENTRY:
            record.name = entry.name
            record.enrolled_on = entry.enrolled_on
            record.town_id = entry.town_id
            record.village_id = entry.village_id
        record.entry = entry
        to_update.append(record)
    user = enrolled[0].status_changed_by
    if to_create:
        bulk_create_with_history(to_create, EnrolmentRecord, batch_size=1000, default_user=user)
    if to_update:
        bulk_update_with_history(
            to_update,
            EnrolmentRecord,
            ["name", "enrolled_on", "town", "village", "entry"],
            batch_size=1000,
            default_user=user,
        )


@dataclass(frozen=True)
class Revealed:
    entry_id: int
    key: str
    phone: str


@transaction.atomic
def entry_personal_data_reveal(*, user: User, entry_id: int) -> Revealed:
    """One entry's full ID number and phone for a user who may ask for them, recorded in the access log.

    Raises PermissionDenied without the permission and PushEntry.DoesNotExist outside the user's scope
    (the caller answers 404, as for a missing id).
    """
    if not user.may_reveal_personal_data:
        raise PermissionDenied(_("您没有查看完整个人信息的权限"))
    entry = PushEntry.objects.for_user(user).only("id", "key", "phone").get(pk=entry_id)
    audit_record(action=Action.REVEAL, what=f"entry:{entry.pk}", user=user, rows=1, unmasked=True)
    return Revealed(entry_id=entry.pk, key=entry.key, phone=entry.phone)


@transaction.atomic
def entry_status_change(
    *,
    entry: PushEntry,
    user: User,
    status: str,
    not_due_reason: str = "",
    insurance: str = "",
    enrolled_on: datetime.date | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> PushEntry:
    """Change one entry's status. ``expected_version``: the version the user's form showed."""
    _check_permission(user)
    # Locked and re-read through the user's scope: the caller's object may be stale or, by mistake, foreign.
    try:
        locked = PushEntry.objects.for_user(user).select_for_update(of=("self",)).get(pk=entry.pk)
    except PushEntry.DoesNotExist:
        raise PermissionDenied(_("该条目不在您的管辖范围内")) from None
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(_("该条目在您打开后已被他人修改，请刷新页面后重新填写"))
    change = StatusChange(
        entry_id=locked.pk,
        status=status,
        not_due_reason=not_due_reason,
        insurance=insurance,
        enrolled_on=enrolled_on,
        note=note,
    )
    values = _validated(locked, change, today=timezone.localdate())
    if values is None:
        raise ValidationError(_("没有任何变化：状态和填写内容与当前一致"))
    from_status = locked.status
    _apply([PlannedChange(row=None, entry=locked, from_status=from_status, values=values)], user=user)
    return locked


def entries_status_plan(*, user: User, requests: Iterable[StatusChange], lock: bool = False) -> ChangePlan:
    """Sort requested changes into changes, problems, conflicts and unchanged rows, with one query.

    A row whose entry changed since the workbook was downloaded (its version differs) is a conflict
    and is not applied, unless it asks for exactly what the entry already holds.
    """
    requests = list(requests)
    queryset = PushEntry.objects.for_user(user).filter(pk__in={r.entry_id for r in requests})
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    entries = {entry.pk: entry for entry in queryset}
    today = timezone.localdate()
    plan = ChangePlan()
    seen: set[int] = set()
    for request in requests:
        entry = entries.get(request.entry_id)
        if entry is None:
            # One message for "no such id" and "not yours": the answer must not reveal which.
            plan.problems.append(
                RowProblem(
                    request.row,
                    request.entry_id,
                    _("系统编号 %(id)s 不存在或不在您的管辖范围内") % {"id": request.entry_id},
                )
            )
            continue
        if request.entry_id in seen:
            plan.problems.append(
                RowProblem(
                    request.row,
                    request.entry_id,
                    _("系统编号 %(id)s 重复出现，只采用第一次出现的行") % {"id": request.entry_id},
                )
            )
            continue
        seen.add(request.entry_id)
        try:
            values = _validated(entry, request, today=today)
        except ValidationError as error:
            plan.problems.append(RowProblem(request.row, request.entry_id, "；".join(error.messages)))
            continue
        if values is None:
            plan.unchanged += 1
            continue
        if request.version is not None and request.version != entry.version:
            plan.conflicts.append(
                RowProblem(
                    request.row,
                    request.entry_id,
                    _("下载后该条目已在系统中被修改（当前状态：%(status)s），为避免覆盖未作更改")
                    % {"status": status_label(entry.status)},
                )
            )
            continue
        plan.changes.append(PlannedChange(row=request.row, entry=entry, from_status=entry.status, values=values))
    return plan


@transaction.atomic
def entries_status_change_bulk(*, user: User, requests: Iterable[StatusChange]) -> ChangePlan:
    """Apply every valid, non-conflicting change in one transaction; report the rest."""
    _check_permission(user)
    plan = entries_status_plan(user=user, requests=requests, lock=True)
    _apply(plan.changes, user=user)
    return plan


# A selection larger than this is refused: a village round is tens or hundreds of entries, and one
# transaction must stay short.
BULK_LIMIT = 5000


@transaction.atomic
def entries_status_set(
    *,
    user: User,
    entry_ids: Collection[int],
    status: str,
    not_due_reason: str = "",
    insurance: str = "",
    enrolled_on: datetime.date | None = None,
    note: str = "",
) -> ChangePlan:
    """Give every selected entry the same status (e.g. 无法联系 after a village round), all or nothing.

    An id outside the user's scope, or a status the rules refuse, changes nothing and raises ValidationError;
    entries that already hold exactly this status are counted in ``unchanged``.
    """
    _check_permission(user)
    if not entry_ids:
        raise ValidationError(_("请先勾选要修改的条目"))
    if len(entry_ids) > BULK_LIMIT:
        raise ValidationError(
            _("一次最多修改 %(limit)d 条，当前选择了 %(chosen)d 条，请缩小筛选范围")
            % {"limit": BULK_LIMIT, "chosen": len(entry_ids)}
        )
    requests = [
        StatusChange(
            entry_id=entry_id,
            status=status,
            not_due_reason=not_due_reason,
            insurance=insurance,
            enrolled_on=enrolled_on,
            note=note,
        )
        for entry_id in sorted(set(entry_ids))
    ]
    # The same change for every entry: its own rules (a note for 拒绝参保…) are checked once, field by field.
    _validated(PushEntry(), requests[0], today=timezone.localdate())
    plan = entries_status_plan(user=user, requests=requests, lock=True)
    if plan.problems:
        # One message for "no such id" and "not yours", as everywhere.
        raise ValidationError(
            _("有 %(count)d 条不存在或不在您的管辖范围内，未作任何修改") % {"count": len(plan.problems)}
        )
    _apply(plan.changes, user=user)
    return plan
