from django.contrib import admin
from django.http import HttpRequest

from campaigns.admin_guard import ReadOnlyAdminMixin, ScopedAdmin, ScopedHistoryAdmin
from targets.models import Indicator, ProgressSnapshot, ProgressState, Target


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
    list_display = ["indicator", "town", "campaign", "baseline", "target_value"]
    list_filter = ["campaign", "indicator", "town"]
    list_select_related = ["indicator", "town", "campaign"]
    search_fields = ["indicator__name", "indicator__code", "town__name"]


# Progress snapshots and the recompute state: read-only (the engine writes them).
@admin.register(ProgressSnapshot)
class ProgressSnapshotAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["as_of", "indicator", "town", "target_value", "actual", "completion", "behind", "rank"]
    list_filter = ["campaign", "indicator", "town", "behind"]
    list_select_related = ["indicator", "town"]
    date_hierarchy = "as_of"
    show_full_result_count = False


@admin.register(ProgressState)
class ProgressStateAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["campaign", "status", "dirty", "requested_at", "claimed_at", "finished_at", "runs", "last_error"]
    readonly_fields = [field.name for field in ProgressState._meta.fields]
