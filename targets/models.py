from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.models import Campaign, Town
from campaigns.scoping import CountyScopedQuerySet


class Indicator(models.Model):
    """One of the measures a campaign is judged by. ``code`` is public and never changes."""

    class Kind(models.TextChoices):
        COUNT = "count", _("人数")
        AVERAGE = "average", _("人均金额")
        RATE = "rate", _("比率")

    code = models.SlugField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    unit = models.CharField(_("单位"), max_length=10, help_text=_("人、元 或 %(比率以小数保存,0.9 即 90%)"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    description = models.TextField(_("口径说明"), blank=True)

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

    def city_level(self) -> TargetQuerySet:
        return self.filter(town__isnull=True)

    def town_level(self) -> TargetQuerySet:
        return self.filter(town__isnull=False)


class Target(models.Model):
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
    baseline = models.DecimalField(
        _("基数"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("专项行动开始时的数值;留空按 0 计"),
    )
    target_value = models.DecimalField(_("目标值"), max_digits=14, decimal_places=4)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = TargetQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("目标任务")
        verbose_name_plural = _("目标任务")
        ordering = ["campaign", "indicator__order", "town__order"]
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

    @property
    def unit(self) -> str:
        return self.indicator.unit
