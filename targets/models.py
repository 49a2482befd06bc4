from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.models import Campaign, County, Region, RegionPlan, Town, User, Village
from campaigns.scoping import CountyScopedQuerySet, ReferenceQuerySet
from enrolment.models import EntryStatus, ListKind
from targets.assessment import Status


class Indicator(models.Model):
    """One of the measures a campaign is judged by. ``code`` is public and never changes."""

    class Kind(models.TextChoices):
        COUNT = "count", _("人数")
        AVERAGE = "average", _("人均金额")
        RATE = "rate", _("比率")

    code = models.SlugField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    unit = models.CharField(_("单位"), max_length=10, help_text=_("人、元 或 %(比率以小数保存，0.9 即 90%)"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    description = models.TextField(_("口径说明"), blank=True)

    objects = ReferenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class TargetQuerySet(CountyScopedQuerySet):
    # Targets and progress are published to every unit of the county (rankings are public),
    # so they are scoped by county, not by town.
    county_field = "campaign__county"

    def for_campaign(self, campaign: Campaign) -> TargetQuerySet:
        return self.filter(campaign=campaign).select_related("indicator", "town")


def _baseline_field(help_text: str) -> models.DecimalField:
    return models.DecimalField(_("基数"), max_digits=14, decimal_places=4, null=True, blank=True, help_text=help_text)


class TargetFigures(models.Model):
    """What a target asks on one indicator: the level to reach from a baseline (empty: not set, so the
    completion cannot be judged, never taken as 0); a town's, a city's or a county's alike."""

    target_value = models.DecimalField(_("目标值"), max_digits=14, decimal_places=4)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def unit(self) -> str:
        return self.indicator.unit


class Target(TargetFigures):
    """What the city (``town`` empty) or one town must reach on one indicator by the campaign's target date."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets", verbose_name=_("专项行动"))
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets", verbose_name=_("指标"))
    town = models.ForeignKey(
        Town,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("镇(街道)"),
        help_text=_("留空表示全市目标"),
    )
    baseline = _baseline_field(_("专项行动开始时的数值；留空表示基数未设置，完成率无法评估（不按 0 计）"))

    objects = TargetQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("目标任务")
        verbose_name_plural = _("目标任务")
        ordering = ["campaign", "indicator__order", "town__order"]
        permissions = [("set_baseline", _("可以设置基数"))]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "indicator", "town"],
                condition=Q(town__isnull=False),
                name="target_unique_per_town",
            ),
            models.UniqueConstraint(
                fields=["campaign", "indicator"], condition=Q(town__isnull=True), name="target_unique_for_city"
            ),
            models.CheckConstraint(condition=Q(target_value__gte=0), name="target_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.town or _('全市')} · {self.indicator}"


class CountyTargetQuerySet(models.QuerySet):
    def for_user(self, user: User) -> CountyTargetQuerySet:
        """Scoped as their plan is (`RegionPlan.objects.for_user`)."""
        return self.filter(plan__region__in=Region.objects.for_user(user))


class CountyTarget(TargetFigures):
    """What a prefecture's plan asks of one of its counties (``county`` empty: of the whole prefecture) on one
    indicator by the plan's target date: a level from a baseline, judged by the same measure as a town's."""

    plan = models.ForeignKey(RegionPlan, on_delete=models.CASCADE, related_name="targets", verbose_name=_("方案"))
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="county_targets", verbose_name=_("指标")
    )
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_targets",
        verbose_name=_("县(市、区)"),
        help_text=_("留空表示全市（州）目标"),
    )
    baseline = _baseline_field(_("方案开始时的数值；留空表示基数未设置，完成率无法评估（不按 0 计）"))

    objects = CountyTargetQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("县(市、区)目标任务")
        verbose_name_plural = _("县(市、区)目标任务")
        ordering = ["plan", "indicator__order", "county__division_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "indicator", "county"],
                condition=Q(county__isnull=False),
                name="countytarget_unique_per_county",
            ),
            models.UniqueConstraint(
                fields=["plan", "indicator"], condition=Q(county__isnull=True), name="countytarget_unique_for_region"
            ),
            models.CheckConstraint(condition=Q(target_value__gte=0), name="countytarget_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.county or _('全市（州）')} · {self.indicator}"


class ProgressSnapshotQuerySet(CountyScopedQuerySet):
    county_field = "campaign__county"

    def for_campaign(self, campaign: Campaign) -> ProgressSnapshotQuerySet:
        return self.filter(campaign=campaign)


class ProgressSnapshot(models.Model):
    """Where the city (``town`` empty) or one town stood on one indicator at the end of ``as_of``.

    Written in bulk by ``targets.services.progress_recompute``, one complete set per campaign and date, in
    one transaction. A town without a quota on an indicator still gets a row (its actual value, no target),
    so every town's figures are listed. Month-end snapshots are kept for trends and the monthly reports;
    other dates are pruned once they are more than a week old (they can be recomputed on demand).
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("专项行动"))
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+", verbose_name=_("指标"))
    town = models.ForeignKey(
        Town, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("镇(街道)")
    )
    target = models.ForeignKey(
        Target, on_delete=models.SET_NULL, null=True, blank=True, related_name="snapshots", verbose_name=_("目标任务")
    )
    as_of = models.DateField(_("统计截止日期"))
    # The target and baseline as they were when computed, so a later change of quota does not rewrite history.
    target_value = models.DecimalField(_("目标值"), max_digits=16, decimal_places=4, null=True, blank=True)
    # The baseline the target is judged from: its own, or for a town's average the city's (``baseline_inherited``).
    baseline = models.DecimalField(_("基数"), max_digits=16, decimal_places=4, null=True, blank=True)
    baseline_inherited = models.BooleanField(_("沿用全市基数"), default=False)
    actual = models.DecimalField(_("完成值"), max_digits=16, decimal_places=4, default=0)
    numerator = models.DecimalField(_("分子"), max_digits=16, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("分母"), max_digits=16, decimal_places=4, null=True, blank=True)
    # The assessment of targets.assessment (empty where there is no target).
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, blank=True)
    completion = models.FloatField(_("完成率"), null=True, blank=True)
    level_completion = models.FloatField(_("完成值/目标值"), null=True, blank=True)
    new_value = models.DecimalField(_("新增"), max_digits=16, decimal_places=4, null=True, blank=True)
    time_progress = models.FloatField(_("时间进度"))
    behind = models.BooleanField(_("滞后"), null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    # The town's composite over all its assessed targets, repeated on each of its rows.
    composite = models.FloatField(_("综合完成率"), null=True, blank=True)
    composite_rank = models.PositiveSmallIntegerField(_("综合排名"), null=True, blank=True)
    overall_behind = models.BooleanField(_("综合滞后"), null=True, blank=True)
    forecast = models.DecimalField(_("预计年底完成值"), max_digits=16, decimal_places=4, null=True, blank=True)
    needed_per_day = models.DecimalField(_("每日尚需"), max_digits=16, decimal_places=4, null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    objects = ProgressSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("进度快照")
        verbose_name_plural = _("进度快照")
        ordering = ["campaign", "-as_of", "indicator__order", "town__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "indicator", "town", "as_of"],
                condition=Q(town__isnull=False),
                name="snapshot_unique_town_date",
            ),
            models.UniqueConstraint(
                fields=["campaign", "indicator", "as_of"],
                condition=Q(town__isnull=True),
                name="snapshot_unique_city_date",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "as_of"], name="snapshot_campaign_date")]
        # The leadership dashboard reads every town's snapshots, their trends and the push-list work.
        permissions = [("view_dashboard", _("可以查看领导小组工作看板"))]

    def __str__(self) -> str:
        return f"{self.as_of} · {self.town or _('全市')} · {self.indicator_id}"


class ProgressStateQuerySet(CountyScopedQuerySet):
    county_field = "campaign__county"


def new_figures_token() -> str:
    return uuid.uuid4().hex


class ProgressState(models.Model):
    """The recompute bookkeeping of one campaign: coalesces requests and keeps two recomputes apart.

    ``status`` moves idle → queued (a task is on the broker) → running (claimed by ``claimed_by``) → idle,
    always through conditional UPDATEs. ``dirty`` is set by every request and cleared when a run claims the
    work; a run that finishes with ``dirty`` set asks for one more run, so nothing is ever missed.
    """

    class Status(models.TextChoices):
        IDLE = "idle", _("空闲")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="progress_state", verbose_name=_("专项行动")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.IDLE)
    dirty = models.BooleanField(_("有待重算的变更"), default=False)
    requested_at = models.DateTimeField(_("最近请求时间"), null=True, blank=True)
    queued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    claimed_by = models.CharField(_("执行者"), max_length=64, blank=True)
    claimed_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("完成次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    # Replaced in the transaction that writes the campaign's stored figures (snapshots, tallies): the
    # dashboards' caches are keyed by it, so a page never outlives the figures it was made from.
    figures = models.CharField(_("数字版本"), max_length=32, default=new_figures_token, editable=False)

    objects = ProgressStateQuerySet.as_manager()

    class Meta:
        verbose_name = _("进度重算状态")
        verbose_name_plural = _("进度重算状态")

    def __str__(self) -> str:
        return f"{self.campaign_id} · {self.get_status_display()}"


class WorkTallyQuerySet(CountyScopedQuerySet):
    county_field = "campaign__county"


class WorkTally(models.Model):
    """How many push-list entries of one kind stand at one status in one village (or, without a village, in
    the town): counted by the progress refresh in one grouped query and replaced as a whole.

    The dashboard and the start pages read these few hundred rows instead of aggregating a million entries
    on every view; they lag the entries by the seconds a coalesced recompute takes (``computed_at`` says when).
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("专项行动"))
    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="+", verbose_name=_("镇(街道)"))
    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("村(社区)")
    )
    kind = models.CharField(_("清单类型"), max_length=30, choices=ListKind.choices)
    status = models.CharField(_("核查状态"), max_length=12, choices=EntryStatus.choices)
    entries = models.PositiveIntegerField(_("条目数"))
    computed_at = models.DateTimeField(_("统计时间"))

    objects = WorkTallyQuerySet.as_manager()

    class Meta:
        verbose_name = _("推送清单核查统计")
        verbose_name_plural = _("推送清单核查统计")
        indexes = [models.Index(fields=["campaign", "town"], name="worktally_campaign_town")]

    def __str__(self) -> str:
        return f"{self.town_id} · {self.kind} · {self.status} · {self.entries}"
