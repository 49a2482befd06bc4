"""Reports change status only through the services that record a ReportEvent: here they are read, never edited or
deleted (a unit withdraws nothing: the office returns a report). Notices and reminders are records of what went."""

from django.contrib import admin

from campaigns.admin_guard import ReadOnlyAdminMixin, ScopedAdmin, ScopedHistoryAdmin
from reporting.models import Notice, ReminderLog, Report, ReportAttachment, ReportEvent, SupervisionVisit


class ReportEventInline(admin.TabularInline):
    model = ReportEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "action", "actor", "comment"]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


class ReportAttachmentInline(admin.TabularInline):
    model = ReportAttachment
    extra = 0
    readonly_fields = ["original_name", "kind", "size", "uploaded_by", "uploaded_at"]
    exclude = ["file"]
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    list_display = ["__str__", "kind", "period", "status", "first_submitted_at", "submitted_at"]
    list_filter = ["campaign", "kind", "period", "status"]
    search_fields = ["town__name", "department__name"]
    readonly_fields = ["figures", "first_submitted_at", "submitted_at", "created_at", "updated_at"]
    inlines = [ReportEventInline, ReportAttachmentInline]

    def get_queryset(self, request: object):
        return Report.objects.for_user(request.user).select_related("campaign", "town", "department")


@admin.register(SupervisionVisit)
class SupervisionVisitAdmin(ScopedHistoryAdmin):
    list_display = ["__str__", "quarter", "visited_on", "correct_by", "corrected", "corrected_on"]
    list_filter = ["campaign", "quarter", "corrected"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["title", "kind", "town", "department", "created_at", "dismissed_at"]
    list_filter = ["campaign", "kind"]


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["__str__", "report_kind", "period", "kind", "status", "sent_at", "emails"]
    list_filter = ["campaign", "report_kind", "kind", "status"]
    readonly_fields = ["sent_at", "emails", "created_at"]
