from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.models import Campaign, Department, Town
from campaigns.scoping import CountyScopedQuerySet, UnitScopedQuerySet, county_filter
from reporting.schedule import Period

# Exactly one of town and department: the reporting unit that owns the row.
_ONE_UNIT = (Q(town__isnull=False) & Q(department__isnull=True)) | (Q(town__isnull=True) & Q(department__isnull=False))


class ReportKind(models.TextChoices):
    MONTHLY = "monthly", _("月度报告")
    SUMMARY = "summary", _("年度总结")


class ReportQuerySet(UnitScopedQuerySet):
    def for_period(self, period: Period) -> ReportQuerySet:
        return self.filter(campaign=period.campaign, kind=period.kind, period=period.start)


class Report(models.Model):
    """A unit's report for one period. Texts are the unit's; ``figures`` are frozen from the progress engine."""

    Kind = ReportKind

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已报送")
        RETURNED = "returned", _("退回")
        ACCEPTED = "accepted", _("已审核")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reports", verbose_name=_("专项行动"))
    kind = models.CharField(_("类型"), max_length=10, choices=ReportKind.choices, default=ReportKind.MONTHLY)
    period = models.DateField(_("报告期"), help_text=_("月报为该月第一天；年度总结为总结截止月第一天"))
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, null=True, blank=True, related_name="reports", verbose_name=_("镇(街道)")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="reports", verbose_name=_("部门")
    )
    progress = models.TextField(_("工作进展情况"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    measures = models.TextField(_("对策措施"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    first_submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("最近报送时间"), null=True, blank=True)
    figures = models.JSONField(_("进度数据"), null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = ReportQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("报告")
        verbose_name_plural = _("报告")
        ordering = ["campaign", "kind", "period", "town", "department"]
        permissions = [
            ("file_report", _("填报本单位报告")),
            ("review_report", _("审核报告（退回、审核通过）")),
        ]
        constraints = [
            models.CheckConstraint(condition=_ONE_UNIT, name="report_exactly_one_unit"),
            models.CheckConstraint(condition=Q(period__day=1), name="report_period_first_of_month"),
            # A draft has never been submitted; every other status has.
            models.CheckConstraint(
                condition=Q(status="draft", first_submitted_at__isnull=True)
                | (~Q(status="draft") & Q(first_submitted_at__isnull=False, submitted_at__isnull=False)),
                name="report_submission_times_match_status",
            ),
            models.UniqueConstraint(
                fields=["campaign", "kind", "period", "town"],
                condition=Q(town__isnull=False),
                name="report_unique_town_period",
            ),
            models.UniqueConstraint(
                fields=["campaign", "kind", "period", "department"],
                condition=Q(department__isnull=False),
                name="report_unique_department_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.schedule_period.label}"

    @property
    def unit(self) -> Town | Department:
        return self.town or self.department

    @property
    def schedule_period(self) -> Period:
        return Period(self.campaign, self.kind, self.period)

    @property
    def late(self) -> bool | None:
        return self.schedule_period.is_late(self.first_submitted_at)

    @property
    def editable_by_unit(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class ReportEvent(models.Model):
    """Who did what to a report, when, and why: the audit trail of every save and transition."""

    class Action(models.TextChoices):
        SAVE = "save", _("保存草稿")
        SUBMIT = "submit", _("报送")
        RETURN = "return", _("退回")
        ACCEPT = "accept", _("审核通过")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events", verbose_name=_("报告"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"))
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("报告操作记录")
        verbose_name_plural = _("报告操作记录")
        ordering = ["report", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


ATTACHMENT_EXTENSIONS = {
    "pdf": "document",
    "doc": "document",
    "docx": "document",
    "xls": "document",
    "xlsx": "document",
    "wps": "document",
    "et": "document",
    "jpg": "photo",
    "jpeg": "photo",
    "png": "photo",
}
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENTS_PER_REPORT = 20


def _attachment_path(instance: ReportAttachment, filename: str) -> str:
    # The stored name is neutral (no user-supplied text on disk); the original name is kept in the row.
    suffix = Path(filename).suffix.lower()
    return f"reports/{instance.report.period:%Y-%m}/{instance.report_id}-{uuid.uuid4().hex}{suffix}"


class ReportAttachment(models.Model):
    """A document or photo attached to a report; served only by an access-checked view."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("文档")
        PHOTO = "photo", _("照片")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("报告"))
    file = models.FileField(_("文件"), upload_to=_attachment_path, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("报告附件")
        verbose_name_plural = _("报告附件")
        ordering = ["report", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class SupervisionVisitQuerySet(UnitScopedQuerySet):
    pass


class SupervisionVisit(models.Model):
    """季督导: the office's visit to one unit in one quarter, and whether what it found was corrected."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="supervision_visits", verbose_name=_("专项行动")
    )
    quarter = models.PositiveSmallIntegerField(
        _("季度"), choices=[(q, _("第{q}季度").format(q=q)) for q in (1, 2, 3, 4)]
    )
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("镇(街道)")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("部门")
    )
    visited_on = models.DateField(_("督导日期"))
    findings = models.TextField(_("发现的问题"))
    corrections = models.TextField(_("整改要求"), blank=True)
    correct_by = models.DateField(_("整改期限"), null=True, blank=True)
    corrected = models.BooleanField(_("已整改"), default=False)
    corrected_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = SupervisionVisitQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("季度督导")
        verbose_name_plural = _("季度督导")
        ordering = ["campaign", "quarter", "town", "department"]
        constraints = [
            models.CheckConstraint(condition=_ONE_UNIT, name="supervision_exactly_one_unit"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="supervision_quarter_valid"),
            models.CheckConstraint(
                condition=Q(corrected=True) | Q(corrected_on__isnull=True), name="supervision_corrected_on_if_corrected"
            ),
            models.UniqueConstraint(
                fields=["campaign", "quarter", "town"], condition=Q(town__isnull=False), name="supervision_unique_town"
            ),
            models.UniqueConstraint(
                fields=["campaign", "quarter", "department"],
                condition=Q(department__isnull=False),
                name="supervision_unique_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town or self.department} · {self.get_quarter_display()}"

    @property
    def unit(self) -> Town | Department:
        return self.town or self.department


class NoticeQuerySet(CountyScopedQuerySet):
    county_field = "campaign__county"

    def for_unit_user(self, user: object) -> NoticeQuerySet:
        """Notices addressed to the user's unit, or to the office for office staff and admins."""
        if user.sees_all_towns:
            qs = self.filter(town__isnull=True, department__isnull=True)
            return qs.filter(county_filter(user, "campaign__county"))
        if user.town_id:
            return self.filter(town=user.town_id)
        if user.department_id:
            return self.filter(department=user.department_id)
        return self.none()


class Notice(models.Model):
    """An in-app notice on a start page: to a unit (town or department), or to the office (neither)."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("报送提醒")
        OVERDUE = "overdue", _("逾期未报")
        OVERDUE_LIST = "overdue_list", _("逾期未报单位")
        RETURNED = "returned", _("报告退回")
        URGE = "urge", _("催报")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="notices", verbose_name=_("专项行动"))
    town = models.ForeignKey(Town, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    dismissed_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(town__isnull=True) | Q(department__isnull=True), name="notice_at_most_one_unit"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ReminderLogQuerySet(CountyScopedQuerySet):
    county_field = "campaign__county"


class ReminderLog(models.Model):
    """One reminder to one unit (or to the office) for one period: the claim that makes it go exactly once."""

    class Kind(models.TextChoices):
        DUE = "due", _("报送提醒")
        OVERDUE = "overdue", _("逾期通知")
        OFFICE_LIST = "office_list", _("逾期名单（办公室）")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("专项行动"))
    report_kind = models.CharField(_("报告类型"), max_length=10, choices=ReportKind.choices)
    period = models.DateField(_("报告期"))
    kind = models.CharField(_("提醒类型"), max_length=12, choices=Kind.choices)
    town = models.ForeignKey(Town, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    emails = models.PositiveSmallIntegerField(_("邮件数"), default=0)

    objects = ReminderLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(town__isnull=True) | Q(department__isnull=True), name="reminder_at_most_one_unit"
            ),
            # (campaign, period, unit, kind) once: three partial indexes because NULLs never collide.
            models.UniqueConstraint(
                fields=["campaign", "report_kind", "period", "kind", "town"],
                condition=Q(town__isnull=False),
                name="reminder_once_per_town",
            ),
            models.UniqueConstraint(
                fields=["campaign", "report_kind", "period", "kind", "department"],
                condition=Q(department__isnull=False),
                name="reminder_once_per_department",
            ),
            models.UniqueConstraint(
                fields=["campaign", "report_kind", "period", "kind"],
                condition=Q(town__isnull=True, department__isnull=True),
                name="reminder_once_for_office",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period:%Y-%m} {self.town or self.department or _('办公室')}"


class ReportUrgeQuerySet(CountyScopedQuerySet):
    county_field = "campaign__county"


class ReportUrge(models.Model):
    """催报: the office urged one unit to file one period's report, on one day (at most once a day per unit)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("专项行动"))
    report_kind = models.CharField(_("报告类型"), max_length=10, choices=ReportKind.choices)
    period = models.DateField(_("报告期"))
    town = models.ForeignKey(Town, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    day = models.DateField(_("催报日期"))
    urged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("催报人")
    )
    created_at = models.DateTimeField(_("催报时间"), auto_now_add=True)
    emails = models.PositiveSmallIntegerField(_("邮件数"), default=0)
    # The rows one press of the button inserted (the others were urged earlier that day).
    token = models.UUIDField(_("批次"), db_index=True)

    objects = ReportUrgeQuerySet.as_manager()

    class Meta:
        verbose_name = _("催报记录")
        verbose_name_plural = _("催报记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(town__isnull=False, department__isnull=True)
                | Q(town__isnull=True, department__isnull=False),
                name="urge_exactly_one_unit",
            ),
            models.UniqueConstraint(
                fields=["campaign", "report_kind", "period", "town", "day"],
                condition=Q(town__isnull=False),
                name="urge_once_a_day_per_town",
            ),
            models.UniqueConstraint(
                fields=["campaign", "report_kind", "period", "department", "day"],
                condition=Q(department__isnull=False),
                name="urge_once_a_day_per_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town or self.department} {self.period:%Y-%m} {self.day}"
