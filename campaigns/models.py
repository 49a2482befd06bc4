from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.scoping import CountyScopedQuerySet, TownScopedQuerySet


class RegionQuerySet(models.QuerySet):
    def subtree(self, region: Region) -> RegionQuerySet:
        """The region and every region below it, at any depth (one indexed prefix match on ``path``)."""
        return self.filter(path__startswith=region.path)

    def for_user(self, user: User) -> RegionQuerySet:
        """A region's account sees its subtree; a county's, its county's node; the deployment's, every region."""
        from campaigns.scoping import county_filter

        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.region_id:
            return self.filter(path__startswith=models.Subquery(self.filter(pk=user.region_id).values("path")[:1]))
        scope = county_filter(user, "county")
        return self.filter(scope) if scope else self


class Region(models.Model):
    """A unit of the administrative division tree (GB/T 2260): province → prefecture → county → town → village.

    ``path`` holds the codes from the root down to this region ("530000/530400/530481/"), so a subtree is one
    prefix match; it is kept by `campaigns.services.regions_load`, the one writer of the tree.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        PREFECTURE = "prefecture", _("地级")
        COUNTY = "county", _("县级")
        TOWN = "town", _("乡级")
        VILLAGE = "village", _("村级")

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级区划")
    )
    path = models.CharField(_("路径"), max_length=80, editable=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["path"], name="region_path_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"


class CountyQuerySet(CountyScopedQuerySet):
    county_field = "pk"


class County(models.Model):
    """A county-level unit (县/县级市/区) that runs campaigns: the tenant of this application.

    It hangs from its node in the region tree (``region``), through which a prefecture's or a province's
    office sees it.
    """

    name = models.CharField(_("名称"), max_length=50)
    division_code = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    region = models.OneToOneField(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="county",
        verbose_name=_("行政区划"),
    )

    objects = CountyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("县(市、区)")
        verbose_name_plural = _("县(市、区)")
        ordering = ["division_code"]

    def __str__(self) -> str:
        return self.name


class CampaignQuerySet(CountyScopedQuerySet):
    def current(self, *, on: datetime.date | None = None) -> Campaign | None:
        """The campaign in force on a day: the latest one that has started by then (else the earliest)."""
        on = on or timezone.localdate()
        return self.filter(start__lte=on).order_by("-start").first() or self.order_by("start").first()


class Campaign(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("县(市、区)"))
    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    document_number = models.CharField(_("文号"), max_length=50, blank=True)
    start = models.DateField(_("开始日期"))
    target_date = models.DateField(_("目标日期"))
    # The reporting schedule (月调度): periods are months, each due on `report_due_day` of the next month.
    report_first_period = models.DateField(_("首个报告月份"), help_text=_("该月第一天，例如 2021-04-01"))
    report_last_period = models.DateField(_("末个报告月份"), help_text=_("该月第一天，例如 2021-11-01"))
    report_due_day = models.PositiveSmallIntegerField(_("每月报送截止日"), default=2)
    summary_due = models.DateField(_("总结报送截止日期"), null=True, blank=True)

    objects = CampaignQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("专项行动")
        verbose_name_plural = _("专项行动")
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "name"], name="campaign_unique_name_per_county_year"),
            models.CheckConstraint(condition=Q(target_date__gt=models.F("start")), name="campaign_target_after_start"),
            models.CheckConstraint(
                condition=Q(report_last_period__gte=models.F("report_first_period")),
                name="campaign_report_periods_ordered",
            ),
            models.CheckConstraint(
                condition=Q(report_due_day__gte=1, report_due_day__lte=28), name="campaign_report_due_day_in_month"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clamp(self, day: datetime.date) -> datetime.date:
        """``day`` moved into the campaign's span, from its start to its target date."""
        return min(max(day, self.start), self.target_date)

    def default_as_of(self) -> datetime.date:
        """The date figures are shown for when none is asked: today, but never past the target date (after
        the campaign the final figures stand, not 100 % time progress years later) nor before the start."""
        return self.clamp(timezone.localdate())


class RegionPlanQuerySet(models.QuerySet):
    def for_user(self, user: User) -> RegionPlanQuerySet:
        """The plans of the regions a user sees (`RegionQuerySet.for_user`): a prefecture's office its own, a
        province's those of its prefectures; a county's staff none (their targets are their campaign's)."""
        return self.filter(region__in=Region.objects.for_user(user))

    def current(self, *, on: datetime.date | None = None) -> RegionPlan | None:
        """The plan in force on a day: the latest one that has started by then (else the earliest)."""
        on = on or timezone.localdate()
        return self.filter(start__lte=on).order_by("-start").first() or self.order_by("start").first()


class RegionPlan(models.Model):
    """A prefecture's campaign plan (玉人社发〔2021〕24号): the targets it sets each of its counties, as a
    county's campaign sets its towns'. Its targets are `targets.CountyTarget`; `targets.services.region_plans`
    loads them, and the prefecture's dashboard judges its counties against them."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="plans", verbose_name=_("市（州）"),
        limit_choices_to={"level": Region.Level.PREFECTURE},
    )  # fmt: skip
    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    document_number = models.CharField(_("文号"), max_length=50, blank=True)
    start = models.DateField(_("开始日期"))
    target_date = models.DateField(_("目标日期"))

    objects = RegionPlanQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("市（州）专项行动方案")
        verbose_name_plural = _("市（州）专项行动方案")
        ordering = ["region__code", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "name"], name="regionplan_unique_name_per_year"),
            models.CheckConstraint(
                condition=Q(target_date__gt=models.F("start")), name="regionplan_target_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.document_number}）" if self.document_number else self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.region_id and self.region.level != Region.Level.PREFECTURE:
            raise ValidationError({"region": _("专项行动方案只能属于市（州）一级的区划")})

    def clamp(self, day: datetime.date) -> datetime.date:
        """``day`` moved into the plan's span, from its start to its target date."""
        return min(max(day, self.start), self.target_date)


class PhaseQuerySet(CountyScopedQuerySet):
    county_field = "campaign__county"


class Phase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases", verbose_name=_("专项行动"))
    name = models.CharField(_("阶段"), max_length=50)
    order = models.PositiveSmallIntegerField(_("顺序"))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    description = models.TextField(_("主要内容"), blank=True)

    objects = PhaseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "order"], name="phase_unique_order"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="phase_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.name


class Town(models.Model):
    class Kind(models.TextChoices):
        TOWN = "town", _("镇")
        SUBDISTRICT = "subdistrict", _("街道")
        TOWNSHIP = "township", _("乡")

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="towns", verbose_name=_("县(市、区)"))
    name = models.CharField(_("名称"), max_length=50)
    short_name = models.CharField(_("简称"), max_length=20, help_text=_("不含“镇”“街道”后缀，例如：龙街"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = CountyScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("镇(街道)")
        verbose_name_plural = _("镇(街道)")
        ordering = ["county", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="town_unique_name"),
            models.UniqueConstraint(fields=["county", "short_name"], name="town_unique_short_name"),
        ]

    def __str__(self) -> str:
        return self.name


class VillageQuerySet(TownScopedQuerySet):
    pass


class Village(models.Model):
    class Kind(models.TextChoices):
        VILLAGE = "village", _("村")
        COMMUNITY = "community", _("社区")

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="villages", verbose_name=_("镇(街道)"))
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.VILLAGE)

    objects = VillageQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("村(社区)")
        verbose_name_plural = _("村(社区)")
        ordering = ["town", "name"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="village_unique_name_in_town")]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="departments", verbose_name=_("县(市、区)")
    )
    name = models.CharField(_("简称"), max_length=20)
    full_name = models.CharField(_("全称"), max_length=100, blank=True)
    duty = models.TextField(_("工作职责"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = CountyScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("市直部门")
        verbose_name_plural = _("市直部门")
        ordering = ["county", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.full_name or self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    OFFICE = "office", _("领导小组办公室")
    TOWN = "town", _("镇(街道)经办人")
    DEPARTMENT = "department", _("部门经办人")


class UserQuerySet(models.QuerySet):
    def for_user(self, user: User) -> UserQuerySet:
        """Superusers see every account; an admin of a county, the accounts of that county (its own, its towns'
        and its departments'); an admin of a region, those of its subtree (its regions' and its counties');
        an admin of neither (the deployment's own) every account but the superusers'."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self
        if not user.sees_all_towns:
            return self.filter(pk=user.pk)
        if user.region_id:
            regions = Region.objects.filter(path__startswith=user.region.path)
            counties = County.objects.filter(region__in=regions)
            return self.filter(
                Q(region__in=regions)
                | Q(county__in=counties)
                | Q(town__county__in=counties)
                | Q(department__county__in=counties),
                is_superuser=False,
            )
        county_id = user.county_id
        if county_id is None:
            return self.filter(is_superuser=False)
        return self.filter(
            Q(county=county_id) | Q(town__county=county_id) | Q(department__county=county_id), is_superuser=False
        )


# Permissions that read (or, for accounts, manage the users below): what an account above a county keeps.
ABOVE_A_COUNTY_PERMISSIONS = frozenset(
    {
        "targets.view_dashboard",
        "enrolment.export_entries",
        "enrolment.view_unmasked_personal_data",
        "enrolment.reveal_personal_data",
        "audit.view_accesslog",
        "campaigns.add_user",
        "campaigns.change_user",
        # A region's push list for all its counties (split by county, each county's share its own batch).
        "enrolment.add_regionbatch",
        # The prefecture's own plan and the targets it sets its counties.
        "campaigns.add_regionplan",
    }
)


def _a_read(perm: str) -> bool:
    return perm.partition(".")[2].startswith("view_") or perm in ABOVE_A_COUNTY_PERMISSIONS


class StaffManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A member of staff. The role decides what they may do; the town or department decides whose data."""

    role = models.CharField(_("角色"), max_length=12, choices=Role.choices, blank=True)
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("县(市、区)"),
        help_text=_("管理员和办公室用户所属的县(市、区)；留空表示可见全部。"),
    )
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("镇(街道)")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("部门")
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属区划"),
        help_text=_("市（州）、省级管理员和办公室用户所属的区划，可见其下各县(市、区)；县级用户填“县(市、区)”。"),
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    # Set for a password someone else chose (an administrator, or generated): its owner changes it first.
    password_must_change = models.BooleanField(_("须修改初始密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    objects = StaffManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=Q(town__isnull=True) | Q(role="town"), name="user_town_only_for_town_staff"
            ),
            models.CheckConstraint(
                condition=Q(department__isnull=True) | Q(role="department"),
                name="user_department_only_for_department_staff",
            ),
            models.CheckConstraint(
                condition=Q(region__isnull=True) | (Q(role__in=["admin", "office"]) & Q(county__isnull=True)),
                name="user_region_only_for_admins_and_office_above_a_county",
            ),
        ]

    def password_set(self, raw_password: str, *, by: User | None) -> None:
        """Set a password; one set by someone else must be changed by its owner at the next login."""
        self.set_password(raw_password)
        self.password_must_change = by is None or by.pk != self.pk
        self.password_changed_at = timezone.now()

    def password_change_due(self) -> bool:
        """Whether the owner must choose a new password before anything else (first login, or expired)."""
        from django.conf import settings

        if self.password_must_change:
            return True
        days = settings.PASSWORD_EXPIRY_DAYS
        if days and self.password_changed_at is not None:
            return timezone.now() - self.password_changed_at > datetime.timedelta(days=days)
        return False

    def has_perm(self, perm: str, obj: object = None) -> bool:
        """An account above a county (a prefecture's or a province's) reads what its role reads and changes
        nothing of its counties: of its role's permissions it keeps the views and reads only (and, for an
        admin, the management of the accounts below it)."""
        if self.region_id and not self.is_superuser and not _a_read(perm):
            return False
        return super().has_perm(perm, obj)

    @property
    def sees_all_towns(self) -> bool:
        return self.is_superuser or self.role in (Role.ADMIN, Role.OFFICE)

    @property
    def sees_personal_data(self) -> bool:
        """Lists, the API and exports show full ID numbers and phones (and each such view is recorded)."""
        return self.has_perm("enrolment.view_unmasked_personal_data")

    @property
    def may_reveal_personal_data(self) -> bool:
        """May ask for one entry's full ID number and phone (查看完整个人信息), on record."""
        return self.has_perm("enrolment.reveal_personal_data") or self.sees_personal_data

    @property
    def unit(self) -> Town | Department | None:
        """The reporting unit this user works for, if any."""
        return self.town or self.department
