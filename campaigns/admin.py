from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from campaigns.models import Campaign, County, Department, Phase, Town, User, Village
from campaigns.scoping import ScopedAdminMixin

admin.site.site_header = _("社会保险全民参保扩面专项行动 · 管理后台")
admin.site.site_title = _("参保扩面管理后台")
admin.site.index_title = _("数据管理")


@admin.register(County)
class CountyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "division_code"]
    search_fields = ["name", "division_code"]


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "county", "year", "document_number", "start", "target_date"]
    list_filter = ["county", "year"]
    search_fields = ["name", "document_number"]
    inlines = [PhaseInline]


@admin.register(Phase)
class PhaseAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "campaign", "order", "start", "end"]
    list_filter = ["campaign"]


class VillageInline(admin.TabularInline):
    model = Village
    extra = 0


@admin.register(Town)
class TownAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "short_name", "kind", "county", "order"]
    list_filter = ["county", "kind"]
    search_fields = ["name", "short_name"]
    inlines = [VillageInline]


@admin.register(Village)
class VillageAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "town"]
    list_filter = ["town", "kind"]
    search_fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "full_name", "county", "duty", "order"]
    list_filter = ["county"]
    search_fields = ["name", "full_name", "duty"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "first_name", "role", "town", "department", "is_active", "last_login"]
    list_filter = ["role", "town", "department", "is_active"]
    search_fields = ["username", "first_name", "email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("参保扩面"), {"fields": ("role", "county", "town", "department", "phone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("参保扩面"), {"fields": ("role", "county", "town", "department")}),
    )
