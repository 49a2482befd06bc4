"""The access log in the admin: read-only for everyone, superusers included."""

from __future__ import annotations

from django.contrib import admin

from audit.models import AccessLog
from campaigns.admin_guard import ReadOnlyAdminMixin, ScopedAdmin


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["at", "username", "ip", "action", "what", "rows", "unmasked", "result"]
    list_filter = ["action", "result", "unmasked"]
    date_hierarchy = "at"
    show_full_result_count = False
    readonly_fields = [field.name for field in AccessLog._meta.fields]
    search_fields = ["=username", "what"]
