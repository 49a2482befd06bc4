"""The admin of the organisation: counties, campaigns, towns, villages, departments and users.

Users are scoped by county and their privileges are guarded: only superusers grant superuser or staff status or
another county, and nobody changes their own role, county, unit or active flag (`UserAdmin`).
"""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from campaigns.admin_guard import PostedSearchMixin, ReadOnlyAdminMixin, ScopedHistoryAdmin, SuperuserOnlyAdminMixin
from campaigns.models import Campaign, County, Department, Phase, Region, Role, Town, User, Village
from campaigns.roles import group_for
from campaigns.scoping import ScopedAdminMixin

admin.site.site_header = _("社会保险全民参保扩面专项行动 · 管理后台")
admin.site.site_title = _("参保扩面管理后台")
admin.site.index_title = _("数据管理")


@admin.register(County)
class CountyAdmin(ScopedHistoryAdmin):
    list_display = ["name", "division_code"]
    search_fields = ["name", "division_code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: County | None = None) -> bool:
        return request.user.is_superuser


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(ScopedHistoryAdmin):
    list_display = ["name", "county", "year", "document_number", "start", "target_date"]
    list_filter = ["county", "year"]
    search_fields = ["name", "document_number"]
    inlines = [PhaseInline]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "county":
            kwargs["queryset"] = County.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Phase)
class PhaseAdmin(ScopedHistoryAdmin):
    list_display = ["name", "campaign", "order", "start", "end"]
    list_filter = ["campaign"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "campaign":
            kwargs["queryset"] = Campaign.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class VillageInline(admin.TabularInline):
    model = Village
    extra = 0


@admin.register(Town)
class TownAdmin(ScopedHistoryAdmin):
    list_display = ["name", "short_name", "kind", "county", "order"]
    list_filter = ["county", "kind"]
    search_fields = ["name", "short_name"]
    inlines = [VillageInline]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "county":
            kwargs["queryset"] = County.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Village)
class VillageAdmin(ScopedHistoryAdmin):
    list_display = ["name", "kind", "town"]
    list_filter = ["town", "kind"]
    search_fields = ["name"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "town":
            kwargs["queryset"] = Town.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Department)
class DepartmentAdmin(ScopedHistoryAdmin):
    list_display = ["name", "full_name", "county", "duty", "order"]
    list_filter = ["county"]
    search_fields = ["name", "full_name", "duty"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "county":
            kwargs["queryset"] = County.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- users ------------------------------------------------------------------------------------------------

# What only a superuser may grant; an administrator may not change them on their own account either.
SUPERUSER_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")
OWN_ACCOUNT_FIELDS = ("role", "region", "county", "town", "department", "is_active")


class _AdminSetPassword:
    """A password an administrator sets is its owner's to change at the first login."""

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        if self.cleaned_data.get("password1"):
            user.password_set(self.cleaned_data["password1"], by=None)
        if commit:
            user.save()
            if hasattr(self, "save_m2m"):
                self.save_m2m()
        return user


class UserCreationForm(_AdminSetPassword, AdminUserCreationForm):
    pass


class PasswordChangeForm(_AdminSetPassword, AdminPasswordChangeForm):
    pass


def _county_of_account(user: User) -> int | None:
    if user.county_id:
        return user.county_id
    if user.town_id:
        return Town.objects.filter(pk=user.town_id).values_list("county_id", flat=True).first()
    if user.department_id:
        return Department.objects.filter(pk=user.department_id).values_list("county_id", flat=True).first()
    return None


def _in_region(region: Region, user: User) -> bool:
    """Whether an account belongs to ``region``'s subtree: a region below it, or a county below it."""
    regions = Region.objects.subtree(region)
    if user.region_id:
        return regions.filter(pk=user.region_id).exists()
    county_id = _county_of_account(user)
    return county_id is not None and County.objects.filter(pk=county_id, region__in=regions).exists()


def user_privileges_check(*, actor: User, before: User | None, after: User) -> None:
    """Refuse a change of privileges the actor may not make. The admin's forms cannot ask for one (the fields are
    read-only); this holds whatever a request contains."""
    if actor.is_superuser:
        return
    if after.is_superuser or (before is not None and before.is_superuser):
        raise PermissionDenied(_("只有超级管理员可以授予或收回超级管理员权限"))
    if actor.county_id and (after.region_id or _county_of_account(after) != actor.county_id):
        raise PermissionDenied(_("只能管理本县(市、区)的用户"))
    if actor.region_id and not _in_region(actor.region, after):
        raise PermissionDenied(_("只能管理本区划及其下属县(市、区)的用户"))
    own = before is not None and before.pk == actor.pk
    if own and any(getattr(before, field) != getattr(after, field) for field in (*OWN_ACCOUNT_FIELDS, "is_staff")):
        raise PermissionDenied(_("不能修改自己账号的角色、所属单位或启用状态"))


@admin.register(User)
class UserAdmin(PostedSearchMixin, ScopedAdminMixin, DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = [
        "username",
        "first_name",
        "role",
        "region",
        "county",
        "town",
        "department",
        "is_active",
        "last_login",
    ]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "email"]
    add_form = UserCreationForm
    change_password_form = PasswordChangeForm
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("参保扩面"),
            {"fields": ("role", "region", "county", "town", "department", "phone", "password_must_change")},
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("参保扩面"), {"fields": ("role", "region", "county", "town", "department")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        readonly = [*super().get_readonly_fields(request, obj), "last_login", "date_joined", "password_changed_at"]
        if not request.user.is_superuser:
            readonly += SUPERUSER_FIELDS
            if obj is not None and obj.pk == request.user.pk:
                readonly += OWN_ACCOUNT_FIELDS
        return readonly

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scoped = {"region": Region, "county": County, "town": Town, "department": Department}
        if db_field.name in scoped:
            kwargs["queryset"] = scoped[db_field.name].objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Accounts are deactivated, not deleted: their history and access records name them.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        before = User.objects.filter(pk=obj.pk).first() if change else None
        if not request.user.is_superuser:
            above_a_unit = not (obj.county_id or obj.region_id) and obj.role in (Role.ADMIN, Role.OFFICE)
            if above_a_unit and request.user.county_id:
                obj.county_id = request.user.county_id
            elif above_a_unit and request.user.region_id:
                # Never wider than the actor: a region's admin creates accounts of its own region at most.
                obj.region_id = request.user.region_id
            # Staff status follows the role (admins sign in to the admin site); only a superuser sets it otherwise.
            obj.is_staff = obj.role == Role.ADMIN
        user_privileges_check(actor=request.user, before=before, after=obj)
        super().save_model(request, obj, form, change)
        if obj.role and (before is None or before.role != obj.role):
            # The role's group: the permissions of the role (campaigns.roles), never a hand-picked set.
            obj.groups.set([group_for(obj.role)])


# --- third-party tables -------------------------------------------------------------------------------------

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SuperuserOnlyAdminMixin, DjangoGroupAdmin):
    """The role groups are kept in step with campaigns.roles after every migrate: only superusers look here."""


for model in (AccessAttempt, AccessLog, AccessFailureLog):
    admin.site.unregister(model)


@admin.register(AccessAttempt)
class LockoutAdmin(SuperuserOnlyAdminMixin, AccessAttemptAdmin):
    """Current lockouts; deleting one unlocks the account (superusers), the failures stay in the access log."""

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AccessLog)
class LoginLogAdmin(SuperuserOnlyAdminMixin, ReadOnlyAdminMixin, AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class LoginFailureLogAdmin(SuperuserOnlyAdminMixin, ReadOnlyAdminMixin, AccessFailureLogAdmin):
    pass
