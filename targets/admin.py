from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from campaigns.admin_guard import ReadOnlyAdminMixin, ScopedAdmin, ScopedHistoryAdmin, SuperuserOnlyAdminMixin
from campaigns.models import RegionPlan
from targets.models import CountyTarget, Indicator, ProgressSnapshot, ProgressState, Target
from targets.templatetags.measures import measure, percent


def _shown(value: object, indicator: Indicator) -> str:
    """A value the way the pages show it (12,375 · 90.0% · 330.00 元), not as the stored 12375.0000."""
    text = measure(value, indicator.kind)
    if indicator.kind == Indicator.Kind.AVERAGE and indicator.unit and text != "—":
        text = f"{text} {indicator.unit}"
    return text


@admin.register(Indicator)
class IndicatorAdmin(ScopedHistoryAdmin):
    """Indicator codes are shared by every county: everyone reads them, only superusers change them."""

    list_display = ["code", "name", "kind", "unit", "order"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser


@admin.register(Target)
class TargetAdmin(ScopedHistoryAdmin):
    list_display = ["indicator", "town", "campaign", "shown_baseline", "shown_target"]
    list_filter = ["campaign", "indicator", "town"]
    list_select_related = ["indicator", "town", "campaign"]
    search_fields = ["indicator__name", "indicator__code", "town__name"]

    @admin.display(description=_("基数"), ordering="baseline")
    def shown_baseline(self, obj: Target) -> str:
        return _shown(obj.baseline, obj.indicator)

    @admin.display(description=_("目标值"), ordering="target_value")
    def shown_target(self, obj: Target) -> str:
        return _shown(obj.target_value, obj.indicator)


class CountyTargetInline(admin.TabularInline):
    model = CountyTarget
    extra = 0
    fields = ["county", "indicator", "target_value", "baseline", "note"]


@admin.register(RegionPlan)
class RegionPlanAdmin(SuperuserOnlyAdminMixin, ScopedHistoryAdmin):
    """A prefecture's plan and the targets it sets its counties, for the deployment's superusers. A prefecture's
    admin loads it on the plan pages (targets/plans/) or with ``load_region_plan``, whole or not at all."""

    list_display = ["name", "document_number", "region", "year", "start", "target_date"]
    list_filter = ["region", "year"]
    list_select_related = ["region"]
    search_fields = ["name", "document_number"]
    inlines = [CountyTargetInline]


@admin.register(CountyTarget)
class CountyTargetAdmin(SuperuserOnlyAdminMixin, ScopedHistoryAdmin):
    list_display = ["indicator", "county", "plan", "shown_baseline", "shown_target"]
    list_filter = ["plan", "indicator", "county"]
    list_select_related = ["indicator", "county", "plan"]

    @admin.display(description=_("基数"), ordering="baseline")
    def shown_baseline(self, obj: CountyTarget) -> str:
        return _shown(obj.baseline, obj.indicator)

    @admin.display(description=_("目标值"), ordering="target_value")
    def shown_target(self, obj: CountyTarget) -> str:
        return _shown(obj.target_value, obj.indicator)


# Progress snapshots and the recompute state: read-only (the engine writes them).
@admin.register(ProgressSnapshot)
class ProgressSnapshotAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["as_of", "indicator", "town", "shown_target", "shown_actual", "shown_completion", "behind", "rank"]
    list_filter = ["campaign", "indicator", "town", "behind"]
    list_select_related = ["indicator", "town"]

    @admin.display(description=_("目标值"), ordering="target_value")
    def shown_target(self, obj: ProgressSnapshot) -> str:
        return _shown(obj.target_value, obj.indicator)

    @admin.display(description=_("完成值"), ordering="actual")
    def shown_actual(self, obj: ProgressSnapshot) -> str:
        return _shown(obj.actual, obj.indicator)

    @admin.display(description=_("完成率"), ordering="completion")
    def shown_completion(self, obj: ProgressSnapshot) -> str:
        return percent(obj.completion)

    date_hierarchy = "as_of"
    show_full_result_count = False


@admin.register(ProgressState)
class ProgressStateAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["campaign", "status", "dirty", "requested_at", "claimed_at", "finished_at", "runs", "last_error"]
    readonly_fields = [field.name for field in ProgressState._meta.fields]
