"""The monthly bulletin (通报), the office's decision on each unit, and the accountability leads (问责线索).

A bulletin is generated as a draft from the month-end figures and that month's report statuses, kept in
``snapshot``; once published it is frozen: its snapshot, its decisions and its number never change again.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.models import Campaign, Department, Town
from campaigns.scoping import CountyScopedQuerySet

MANAGE_PERMISSION = "bulletins.manage_bulletin"

# Exactly one of town and department: the unit a row is about.
_ONE_UNIT = (Q(town__isnull=False) & Q(department__isnull=True)) | (Q(town__isnull=True) & Q(department__isnull=False))


class BulletinSettingsQuerySet(CountyScopedQuerySet):
    county_field = "campaign__county"


class BulletinSettings(models.Model):
    """How a campaign's bulletins are headed and numbered (发文机关, 文号 pattern)."""

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="bulletin_settings", verbose_name=_("专项行动")
    )
    issuer = models.CharField(_("发文机关"), max_length=100)
    number_pattern = models.CharField(
        _("通报文号格式"),
        max_length=100,
        help_text=_("{year} 为年份，{number} 为序号，例如：澄扩面办通报〔{year}〕{number}号"),
    )
    first_number = models.PositiveIntegerField(_("起始序号"), default=1)

    objects = BulletinSettingsQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("通报设置")
        verbose_name_plural = _("通报设置")

    def __str__(self) -> str:
        return str(self.issuer)

    def number_for(self, *, year: int, sequence: int) -> str:
        return self.number_pattern.replace("{year}", str(year)).replace("{number}", str(sequence))


class BulletinQuerySet(CountyScopedQuerySet):
    county_field = "campaign__county"

    def for_user(self, user: object) -> BulletinQuerySet:
        """The county's bulletins; drafts only for those who write them (the office)."""
        scoped = super().for_user(user)
        if not (user.is_authenticated and user.has_perm(MANAGE_PERMISSION)):
            scoped = scoped.filter(status=Bulletin.Status.PUBLISHED)
        return scoped

    def published(self) -> BulletinQuerySet:
        return self.filter(status=Bulletin.Status.PUBLISHED)


class Bulletin(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="bulletins", verbose_name=_("专项行动")
    )
    month = models.DateField(_("通报月份"), help_text=_("该月第一天"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    commentary = models.TextField(_("通报意见"), blank=True)
    # The month-end figures, rankings and report statuses the bulletin shows; frozen once published.
    snapshot = models.JSONField(_("数据快照"), default=dict, encoder=DjangoJSONEncoder)
    generated_at = models.DateTimeField(_("生成时间"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("生成人")
    )
    sequence = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    number = models.CharField(_("文号"), max_length=100, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = BulletinQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["campaign", "-month"]
        permissions = [("manage_bulletin", _("编写、发布通报，处理问责线索"))]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "month"], name="bulletin_unique_month"),
            models.UniqueConstraint(
                fields=["campaign", "sequence"], condition=Q(sequence__isnull=False), name="bulletin_unique_sequence"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="bulletin_month_first_day"),
            models.CheckConstraint(
                condition=Q(status="draft", published_at__isnull=True, sequence__isnull=True)
                | Q(status="published", published_at__isnull=False, sequence__isnull=False),
                name="bulletin_publication_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.title or self.key

    @property
    def key(self) -> str:
        """The URL name of the month: ``2021-06``."""
        return f"{self.month:%Y-%m}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def as_of(self) -> datetime.date:
        return datetime.date.fromisoformat(self.snapshot["as_of"])


class Verdict(models.TextChoices):
    PRAISE = "praise", _("通报表扬")
    CRITICISM = "criticism", _("通报批评")
    NONE = "none", _("不通报")


class BulletinUnit(models.Model):
    """One unit in one bulletin: what the rule proposes (with why), and what the office decided."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="units", verbose_name=_("通报"))
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("镇(街道)")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("部门")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    candidate = models.CharField(_("按规则"), max_length=10, choices=Verdict.choices, default=Verdict.NONE)
    candidate_reasons = models.JSONField(_("规则依据"), default=list)
    verdict = models.CharField(_("办公室决定"), max_length=10, choices=Verdict.choices, default=Verdict.NONE)
    # Why the office departs from the rule (adds or drops the unit); required then.
    reason = models.TextField(_("调整理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("决定人"),
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("通报单位")
        verbose_name_plural = _("通报单位")
        ordering = ["bulletin", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=_ONE_UNIT, name="bulletinunit_exactly_one_unit"),
            models.UniqueConstraint(
                fields=["bulletin", "town"], condition=Q(town__isnull=False), name="bulletinunit_unique_town"
            ),
            models.UniqueConstraint(
                fields=["bulletin", "department"],
                condition=Q(department__isnull=False),
                name="bulletinunit_unique_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_verdict_display()}"

    @property
    def unit(self) -> Town | Department:
        return self.town or self.department

    @property
    def kind(self) -> str:
        return "town" if self.town_id else "department"

    @property
    def overridden(self) -> bool:
        return self.verdict != self.candidate


class LeadQuerySet(CountyScopedQuerySet):
    county_field = "campaign__county"

    def for_user(self, user: object) -> LeadQuerySet:
        """Only those who handle them (the office) see accountability leads."""
        if not (user.is_authenticated and user.has_perm(MANAGE_PERMISSION)):
            return self.none()
        return super().for_user(user)


class AccountabilityLead(models.Model):
    """问责线索: a unit criticised in two consecutive published bulletins, or in three in one campaign."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        CONFIRMED = "confirmed", _("已确认")
        DISMISSED = "dismissed", _("已排除")

    class Rule(models.TextChoices):
        CONSECUTIVE = "consecutive", _("连续两期被通报批评")
        THREE = "three", _("本专项行动内三次被通报批评")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="accountability_leads", verbose_name=_("专项行动")
    )
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("镇(街道)")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("部门")
    )
    # The publication that raised the lead, and every bulletin that criticised the unit (the evidence).
    raised_by = models.ForeignKey(Bulletin, on_delete=models.PROTECT, related_name="+", verbose_name=_("触发通报"))
    bulletins = models.ManyToManyField(Bulletin, related_name="leads", verbose_name=_("相关通报"))
    rules = models.JSONField(_("触发规则"), default=list)
    # The unit's figures and report lateness month by month, from the published bulletins' snapshots.
    evidence = models.JSONField(_("证据"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(_("处理意见"), blank=True)
    created_at = models.DateTimeField(_("生成时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("生成人")
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )

    objects = LeadQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问责线索")
        verbose_name_plural = _("问责线索")
        ordering = ["campaign", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=_ONE_UNIT, name="lead_exactly_one_unit"),
            # One open lead per unit: later criticism adds to its evidence.
            models.UniqueConstraint(
                fields=["campaign", "town"],
                condition=Q(town__isnull=False, status="open"),
                name="lead_one_open_per_town",
            ),
            models.UniqueConstraint(
                fields=["campaign", "department"],
                condition=Q(department__isnull=False, status="open"),
                name="lead_one_open_per_department",
            ),
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True) | (~Q(status="open") & Q(decided_at__isnull=False)),
                name="lead_decision_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_status_display()}"

    @property
    def unit(self) -> Town | Department:
        return self.town or self.department

    @property
    def rule_labels(self) -> list[str]:
        return [str(self.Rule(rule).label) for rule in self.rules]
