"""The access log in the admin: read-only for everyone, superusers included."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AccessLog
from campaigns.scoping import ScopedAdminMixin


@admin.register(AccessLog)
class AccessLogAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["at", "username", "ip", "action", "what", "rows", "unmasked", "result"]
    list_filter = ["action", "result", "unmasked"]
    date_hierarchy = "at"
    show_full_result_count = False
    readonly_fields = [field.name for field in AccessLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessLog | None = None) -> bool:
        return False
