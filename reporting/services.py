"""Writes for reports: save, submit, return, accept, attachments, supervision visits, notices, reminders."""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import Action, audit_record
from campaigns.models import Campaign, Department, Town, User
from reporting.models import (
    ATTACHMENT_EXTENSIONS,
    ATTACHMENT_MAX_BYTES,
    ATTACHMENTS_PER_REPORT,
    Notice,
    ReminderLog,
    Report,
    ReportAttachment,
    ReportEvent,
    ReportUrge,
    SupervisionVisit,
)
from reporting.schedule import SHANGHAI, Period, all_periods
from reporting.selectors import office_recipients, period_statuses, town_figures, unit_filter, unit_kind

logger = logging.getLogger(__name__)

Unit = Town | Department
TEXT_FIELDS = {"progress": _("工作进展情况"), "problems": _("存在问题"), "measures": _("对策措施")}


def attachment_check(file: UploadedFile) -> str:
    """The attachment's kind (document or photo); ValidationError naming the file when it is not allowed."""
    suffix = Path(file.name or "").suffix.lower().lstrip(".")
    if suffix not in ATTACHMENT_EXTENSIONS:
        raise ValidationError(
            _("附件“%(name)s”的类型不允许：只能上传 %(types)s 文件。"),
            params={"name": file.name, "types": "、".join(ATTACHMENT_EXTENSIONS)},
            code="attachment_type",
        )
    if file.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("附件“%(name)s”超过 %(mb)d MB。"),
            params={"name": file.name, "mb": ATTACHMENT_MAX_BYTES // (1024 * 1024)},
            code="attachment_size",
        )
    return ATTACHMENT_EXTENSIONS[suffix]


def _report_locked(*, period: Period, unit: Unit) -> Report:
    report, _created = Report.objects.get_or_create(
        campaign=period.campaign, kind=period.kind, period=period.start, **unit_filter(unit)
    )
    locked = Report.objects.select_for_update().get(pk=report.pk)
    locked.campaign = period.campaign
    return locked


def _detach(*, report: Report, ids: Iterable[int]) -> list[str]:
    """Remove the report's attachments with these ids (others' ids are ignored); their names, for the message.

    The files go once the transaction commits, so a write that fails later keeps them.
    """
    attachments = list(report.attachments.filter(pk__in=list(ids)))
    for attachment in attachments:
        name, storage = attachment.file.name, attachment.file.storage
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
    ReportAttachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    return [a.original_name for a in attachments]


def _attach(*, report: Report, files: Iterable[UploadedFile], user: User) -> None:
    files = list(files)
    if not files:
        return
    if report.attachments.count() + len(files) > ATTACHMENTS_PER_REPORT:
        raise ValidationError(
            _("每份报告最多 %(n)d 个附件。"), params={"n": ATTACHMENTS_PER_REPORT}, code="attachment_count"
        )
    for file in files:
        kind = attachment_check(file)
        attachment = ReportAttachment.objects.create(
            report=report, file=file, original_name=file.name[:255], kind=kind, size=file.size, uploaded_by=user
        )
        audit_record(action=Action.UPLOAD, what=f"attachment:{attachment.pk}", user=user, detail=f"report:{report.pk}")


def _write(
    *,
    period: Period,
    unit: Unit,
    user: User,
    progress: str,
    problems: str,
    measures: str,
    files: Iterable[UploadedFile],
    remove: Iterable[int],
    submit: bool,
) -> Report:
    if user.unit != unit or not user.has_perm("reporting.file_report"):
        raise PermissionDenied
    now = timezone.now()
    if submit and now.astimezone(SHANGHAI).date() < period.opens:
        raise ValidationError(
            _("%(period)s 的报告自 %(day)s 起才能报送。"),
            params={"period": period.label, "day": f"{period.opens:%Y-%m-%d}"},
            code="not_open",
        )
    texts = {"progress": progress.strip(), "problems": problems.strip(), "measures": measures.strip()}
    if submit:
        empty = {name: _("报送前请填写“%(label)s”。") % {"label": label} for name, label in TEXT_FIELDS.items()}
        errors = {name: message for name, message in empty.items() if not texts[name]}
        if errors:
            raise ValidationError(errors)
    report = _report_locked(period=period, unit=unit)
    if not report.editable_by_unit:
        raise ValidationError(
            _("报告状态为“%(status)s”，不能修改；如需修改请联系领导小组办公室退回。"),
            params={"status": report.get_status_display()},
            code="read_only",
        )
    before = report.status
    for name, value in texts.items():
        setattr(report, name, value)
    _detach(report=report, ids=remove)
    _attach(report=report, files=files, user=user)
    if submit:
        if isinstance(unit, Town):
            # Frozen at every submission: a resubmission after a return carries the figures as they stand then.
            report.figures = town_figures(period=period, town=unit)
        report.first_submitted_at = report.first_submitted_at or now
        report.submitted_at = now
        report.status = Report.Status.SUBMITTED
    report.save()
    ReportEvent.objects.create(
        report=report, actor=user, at=now, action=ReportEvent.Action.SUBMIT if submit else ReportEvent.Action.SAVE
    )
    if submit:
        _audit_transition(report, before, user)
    return report


def _audit_transition(report: Report, before: str, user: User) -> None:
    detail = f"{Report.Status(before).label}→{report.get_status_display()}"
    audit_record(action=Action.REPORT, what=f"report:{report.pk}", user=user, detail=detail)


@transaction.atomic
def report_save(
    *,
    period: Period,
    unit: Unit,
    user: User,
    progress: str,
    problems: str,
    measures: str,
    files: Iterable[UploadedFile] = (),
    remove: Iterable[int] = (),
) -> Report:
    """Keep a draft (or the edits to a returned report). Texts may be incomplete.

    ``files`` are added and the attachments whose ids are in ``remove`` are deleted, in the same write.
    """
    return _write(
        period=period,
        unit=unit,
        user=user,
        progress=progress,
        problems=problems,
        measures=measures,
        files=files,
        remove=remove,
        submit=False,
    )


@transaction.atomic
def report_submit(
    *,
    period: Period,
    unit: Unit,
    user: User,
    progress: str,
    problems: str,
    measures: str,
    files: Iterable[UploadedFile] = (),
    remove: Iterable[int] = (),
) -> Report:
    """Submit: all three texts required; a town's figures are frozen; the first submission time is kept."""
    return _write(
        period=period,
        unit=unit,
        user=user,
        progress=progress,
        problems=problems,
        measures=measures,
        files=files,
        remove=remove,
        submit=True,
    )


def _review_locked(report: Report, user: User) -> Report:
    if not user.has_perm("reporting.review_report"):
        raise PermissionDenied
    locked = (
        Report.objects.select_for_update(of=("self",))
        .select_related("campaign", "town", "department")
        .get(pk=report.pk)
    )
    if locked.status != Report.Status.SUBMITTED:
        raise ValidationError(
            _("只有已报送、待审核的报告才能退回或审核；此报告当前为“%(status)s”。"),
            params={"status": locked.get_status_display()},
            code="not_submitted",
        )
    return locked


@transaction.atomic
def report_return(*, report: Report, user: User, comment: str) -> Report:
    """退回: the unit edits and resubmits; the first submission time still decides lateness."""
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("退回时请填写退回意见。")})
    report = _review_locked(report, user)
    now = timezone.now()
    report.status = Report.Status.RETURNED
    report.save(update_fields=["status", "updated_at"])
    _audit_transition(report, Report.Status.SUBMITTED, user)
    ReportEvent.objects.create(report=report, actor=user, at=now, action=ReportEvent.Action.RETURN, comment=comment)
    period = report.schedule_period
    Notice.objects.create(
        campaign=report.campaign,
        **unit_filter(report.unit),
        kind=Notice.Kind.RETURNED,
        title=_("%(period)s报告被退回，请修改后重新报送") % {"period": period.label},
        body=comment,
        link=reverse("reporting:report", args=[period.key]) if not period.is_summary else reverse("reporting:summary"),
    )
    return report


@transaction.atomic
def report_accept(*, report: Report, user: User, comment: str = "") -> Report:
    """已审核: final; the unit can no longer change it."""
    report = _review_locked(report, user)
    report.status = Report.Status.ACCEPTED
    report.save(update_fields=["status", "updated_at"])
    _audit_transition(report, Report.Status.SUBMITTED, user)
    ReportEvent.objects.create(
        report=report, actor=user, at=timezone.now(), action=ReportEvent.Action.ACCEPT, comment=comment.strip()
    )
    return report


@transaction.atomic
def report_attachment_delete(*, attachment: ReportAttachment, user: User) -> None:
    report = Report.objects.select_for_update().get(pk=attachment.report_id)
    if user.unit != report.unit or not user.has_perm("reporting.file_report"):
        raise PermissionDenied
    if not report.editable_by_unit:
        raise ValidationError(_("报告已报送，附件不能删除。"), code="read_only")
    _detach(report=report, ids=[attachment.pk])


@transaction.atomic
def supervision_visit_save(
    *, visit: SupervisionVisit | None, campaign: Campaign, user: User, unit: Unit, **fields: object
) -> SupervisionVisit:
    """Record or update the office's visit to a unit in a quarter (one per unit per quarter).

    Checks its own rules: the reviewer's permission, the visit and the unit in the user's county, a
    completion date when corrected, a correction deadline not before the visit (ValidationError by field).
    """
    if not user.has_perm("reporting.review_report"):
        raise PermissionDenied
    if not Campaign.objects.for_user(user).filter(pk=campaign.pk, county_id=unit.county_id).exists():
        raise PermissionDenied
    if (
        visit is not None
        and not SupervisionVisit.objects.for_user(user).filter(pk=visit.pk, campaign=campaign).exists()
    ):
        raise PermissionDenied
    visit = visit or SupervisionVisit(campaign=campaign, recorded_by=user)
    visit.town, visit.department = (unit, None) if isinstance(unit, Town) else (None, unit)
    for name, value in fields.items():
        setattr(visit, name, value)
    if not visit.corrected:
        visit.corrected_on = None
    errors: dict[str, str] = {}
    if visit.corrected and not visit.corrected_on:
        errors["corrected_on"] = _("已整改时请填写整改完成日期。")
    if visit.visited_on and visit.correct_by and visit.correct_by < visit.visited_on:
        errors["correct_by"] = _("整改期限不能早于督导日期。")
    duplicate = SupervisionVisit.objects.filter(campaign=campaign, quarter=visit.quarter, **unit_filter(unit)).exclude(
        pk=visit.pk
    )
    if duplicate.exists():
        errors["unit"] = _("%(unit)s第%(q)s季度已有督导记录，请修改该记录。") % {"unit": unit, "q": visit.quarter}
    if errors:
        raise ValidationError(errors)
    visit.full_clean()
    visit.save()
    return visit


@transaction.atomic
def notice_dismiss(*, notice: Notice, user: User) -> None:
    if not Notice.objects.for_unit_user(user).filter(pk=notice.pk).exists():
        raise PermissionDenied
    Notice.objects.filter(pk=notice.pk, dismissed_at__isnull=True).update(dismissed_at=timezone.now())


# --- Reminders ------------------------------------------------------------------------------------------

# A reminder goes from the day before the due day to the due day itself; the overdue notice from the day after
# for three days. Beat runs daily at 09:00, so normally on the 1st and the 3rd; the windows only let a missed
# beat catch up, and the reminder log keeps every one to exactly once.
DUE_WINDOW = (datetime.timedelta(days=-1), datetime.timedelta(days=0))
OVERDUE_WINDOW = (datetime.timedelta(days=1), datetime.timedelta(days=3))


def reminders_send(*, now: datetime.datetime) -> dict[str, int]:
    """Send what is due today for every campaign; returns counts by reminder kind."""
    today = now.astimezone(SHANGHAI).date()
    counts = {kind: 0 for kind in ReminderLog.Kind.values}
    for campaign in Campaign.objects.select_related("county"):
        for period in all_periods(campaign):
            offset = today - period.due_date
            if DUE_WINDOW[0] <= offset <= DUE_WINDOW[1]:
                counts[ReminderLog.Kind.DUE] += _remind_units(period, ReminderLog.Kind.DUE, now=now)
            elif OVERDUE_WINDOW[0] <= offset <= OVERDUE_WINDOW[1]:
                counts[ReminderLog.Kind.OVERDUE] += _remind_units(period, ReminderLog.Kind.OVERDUE, now=now)
                counts[ReminderLog.Kind.OFFICE_LIST] += _remind_office(period, now=now)
    return counts


def _unsubmitted_units(period: Period, now: datetime.datetime) -> list[Unit]:
    return [s.unit for s in period_statuses(period=period, now=now) if s.first_submitted_at is None]


def _log_key(period: Period, kind: str) -> dict[str, object]:
    return {"campaign": period.campaign, "report_kind": period.kind, "period": period.start, "kind": kind}


def _claim(period: Period, kind: str, units: list[Unit] | None, now: datetime.datetime) -> list[ReminderLog]:
    """Create the period's log rows (ignoring those that exist) and claim the pending ones.

    The claim is a row lock plus a conditional UPDATE in the caller's transaction: a second beat or a retried
    worker finds the rows sent (or locked, and skips them), so nothing goes twice.
    """
    key = _log_key(period, kind)
    if units is None:
        rows = [ReminderLog(**key)]
        scope = Q(town__isnull=True, department__isnull=True)
    else:
        rows = [ReminderLog(**key, **unit_filter(unit)) for unit in units]
        scope = Q(town__in=[u for u in units if isinstance(u, Town)]) | Q(
            department__in=[u for u in units if isinstance(u, Department)]
        )
    ReminderLog.objects.bulk_create(rows, ignore_conflicts=True)
    pending = ReminderLog.objects.filter(scope, **key, status=ReminderLog.Status.PENDING)
    ids = list(pending.select_for_update(skip_locked=True).values_list("pk", flat=True))
    if not ids:
        return []
    ReminderLog.objects.filter(pk__in=ids, status=ReminderLog.Status.PENDING).update(
        status=ReminderLog.Status.SENT, sent_at=now
    )
    return list(ReminderLog.objects.filter(pk__in=ids).select_related("town", "department"))


def _unit_emails(logs: list[ReminderLog]) -> dict[tuple[str, int], list[str]]:
    towns = [log.town_id for log in logs if log.town_id]
    departments = [log.department_id for log in logs if log.department_id]
    emails: dict[tuple[str, int], list[str]] = {}
    users = (
        User.objects.filter(Q(town__in=towns) | Q(department__in=departments), is_active=True)
        .exclude(email="")
        .values_list("town_id", "department_id", "email")
    )
    for town_id, department_id, email in users:
        emails.setdefault(("town", town_id) if town_id else ("department", department_id), []).append(email)
    return emails


@transaction.atomic
def _remind_units(period: Period, kind: str, *, now: datetime.datetime) -> int:
    logs = _claim(period, kind, _unsubmitted_units(period, now), now)
    if not logs:
        return 0
    link = reverse("reporting:summary") if period.is_summary else reverse("reporting:report", args=[period.key])
    due = period.due_label
    if kind == ReminderLog.Kind.DUE:
        title = _("请于 %(due)s 前报送%(period)s报告") % {"due": due, "period": period.label}
        body = _("%(period)s报告（工作进展情况、存在问题、对策措施）报送截止时间为 %(due)s，请及时报送。")
    else:
        title = _("%(period)s报告已逾期未报") % {"period": period.label}
        body = _("%(period)s报告已于 %(due)s 截止，贵单位尚未报送，请立即报送。逾期报送将记为迟报。")
    body = body % {"period": period.label, "due": due}
    notice_kind = Notice.Kind.REMINDER if kind == ReminderLog.Kind.DUE else Notice.Kind.OVERDUE
    Notice.objects.bulk_create(
        [
            Notice(
                campaign=period.campaign,
                town=log.town,
                department=log.department,
                kind=notice_kind,
                title=title,
                body=body,
                link=link,
            )
            for log in logs
        ]
    )
    emails = _unit_emails(logs)
    messages = []
    for log in logs:
        to = emails.get(("town", log.town_id) if log.town_id else ("department", log.department_id), [])
        log.emails = len(to)
        if to:
            messages.append(EmailMessage(subject=title, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to))
    ReminderLog.objects.bulk_update(logs, ["emails"])
    _send(messages)
    return len(logs)


@transaction.atomic
def _remind_office(period: Period, *, now: datetime.datetime) -> int:
    missing = _unsubmitted_units(period, now)
    if not missing:
        return 0
    logs = _claim(period, ReminderLog.Kind.OFFICE_LIST, None, now)
    if not logs:
        return 0
    names = "、".join(unit.name for unit in missing)
    title = _("%(period)s报告逾期未报单位(%(n)d 个)") % {"period": period.label, "n": len(missing)}
    body = _("截至 %(due)s，以下单位未报送%(period)s报告：%(names)s。") % {
        "due": period.due_label,
        "period": period.label,
        "names": names,
    }
    link = reverse("reporting:overview", args=[period.key])
    Notice.objects.create(campaign=period.campaign, kind=Notice.Kind.OVERDUE_LIST, title=title, body=body, link=link)
    to = office_recipients(period.campaign)
    logs[0].emails = len(to)
    logs[0].save(update_fields=["emails"])
    if to:
        _send([EmailMessage(subject=title, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)])
    return 1


@dataclass(frozen=True)
class UrgeOutcome:
    urged: list[Unit]
    already_today: list[Unit]
    emails: int


@transaction.atomic
def reports_urge(*, user: User, period: Period, now: datetime.datetime) -> UrgeOutcome:
    """催报: a notice and an e-mail to every unit (in the user's scope) that has not submitted the period's report,
    each recorded; a unit already urged today is skipped (at most once a day per unit)."""
    if not user.has_perm("reporting.review_report"):
        raise PermissionDenied(_("只有领导小组办公室可以催报"))
    units = [s.unit for s in period_statuses(period=period, now=now, user=user) if s.first_submitted_at is None]
    if not units:
        return UrgeOutcome(urged=[], already_today=[], emails=0)
    today = now.astimezone(SHANGHAI).date()
    token = uuid.uuid4()
    key = {"campaign": period.campaign, "report_kind": period.kind, "period": period.start}
    ReportUrge.objects.bulk_create(
        [ReportUrge(**key, **unit_filter(unit), day=today, urged_by=user, token=token) for unit in units],
        ignore_conflicts=True,
    )
    # Exactly the rows this press inserted: another press the same day (or at the same moment) inserted the rest.
    urges = list(ReportUrge.objects.filter(token=token).select_related("town", "department"))
    inserted = {("town", u.town_id) if u.town_id else ("department", u.department_id) for u in urges}
    already = [unit for unit in units if (unit_kind(unit), unit.pk) not in inserted]
    if not urges:
        return UrgeOutcome(urged=[], already_today=already, emails=0)
    title = _("催报：请尽快报送%(period)s报告") % {"period": period.label}
    body = _("领导小组办公室提醒：贵单位尚未报送%(period)s报告（截止时间：%(due)s），请尽快报送。") % {
        "period": period.label,
        "due": period.due_label,
    }
    link = reverse("reporting:summary") if period.is_summary else reverse("reporting:report", args=[period.key])
    Notice.objects.bulk_create(
        [
            Notice(
                campaign=period.campaign,
                town=urge.town,
                department=urge.department,
                kind=Notice.Kind.URGE,
                title=title,
                body=body,
                link=link,
            )
            for urge in urges
        ]
    )
    emails = _unit_emails(urges)
    messages = []
    for urge in urges:
        to = emails.get(("town", urge.town_id) if urge.town_id else ("department", urge.department_id), [])
        urge.emails = len(to)
        if to:
            messages.append(EmailMessage(subject=title, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to))
    ReportUrge.objects.bulk_update(urges, ["emails"])
    _send(messages)
    return UrgeOutcome(
        urged=[u.town or u.department for u in urges], already_today=already, emails=sum(u.emails for u in urges)
    )


def _send(messages: list[EmailMessage]) -> None:
    # Sent inside the claiming transaction: if the mail server fails, the claim rolls back and a retry sends
    # again; only a crash between a successful send and the commit could repeat a message.
    if messages:
        get_connection().send_messages(messages)
        logger.info("report reminders: %d e-mails sent", len(messages))
