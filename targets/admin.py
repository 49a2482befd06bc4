from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from campaigns.scoping import ScopedAdminMixin
from enrolment.models import ConstructionProject, DataImport, EnrolmentRecord, PneumoconiosisRoster
from targets.models import Indicator, ProgressSnapshot, ProgressState, Target


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "unit", "order"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Target)
class TargetAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["indicator", "town", "campaign", "baseline", "target_value"]
    list_filter = ["campaign", "indicator", "town"]
    list_select_related = ["indicator", "town", "campaign"]
    search_fields = ["indicator__name", "indicator__code", "town__name"]


# Progress snapshots and the recompute state: read-only (the engine writes them).
@admin.register(ProgressSnapshot)
class ProgressSnapshotAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["as_of", "indicator", "town", "target_value", "actual", "completion", "behind", "rank"]
    list_filter = ["campaign", "indicator", "town", "behind"]
    list_select_related = ["indicator", "town"]
    date_hierarchy = "as_of"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ProgressState)
class ProgressStateAdmin(admin.ModelAdmin):
    list_display = ["campaign", "status", "dirty", "requested_at", "claimed_at", "finished_at", "runs", "last_error"]
    readonly_fields = [field.name for field in ProgressState._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# The achieved-work data (enrolment app models, registered here to keep enrolment/admin.py for push lists).
@admin.register(EnrolmentRecord)
class EnrolmentRecordAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "id_number", "insurance", "enrolled_on", "town", "village", "contribution", "is_transfer"]
    list_filter = ["campaign", "insurance", "source", "is_transfer", "town"]
    list_select_related = ["town", "village"]
    # Exact match only: a LIKE over a million ID numbers is slow and pointless.
    search_fields = ["=id_number", "=name"]
    raw_id_fields = ["entry", "data_import", "village"]
    date_hierarchy = "enrolled_on"
    show_full_result_count = False


@admin.register(ConstructionProject)
class ConstructionProjectAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "permit_number", "department", "town", "permit_date", "injury_insured", "insured_on"]
    list_filter = ["injury_insured", "town", "department"]
    list_select_related = ["town", "department"]
    search_fields = ["name", "=permit_number"]
    date_hierarchy = "permit_date"


@admin.register(PneumoconiosisRoster)
class PneumoconiosisRosterAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["enterprise", "uscc", "town", "industry", "workers", "covered_workers", "as_of"]
    list_filter = ["town", "industry"]
    list_select_related = ["town"]
    search_fields = ["enterprise", "=uscc"]
    date_hierarchy = "as_of"


@admin.register(DataImport)
class DataImportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["file_name", "source", "campaign", "status", "created", "updated", "rejected", "uploaded_at"]
    list_filter = ["source", "status", "campaign"]
    readonly_fields = [field.name for field in DataImport._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
