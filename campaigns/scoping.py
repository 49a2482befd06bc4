"""Access scoping: the one place that decides which rows a user may see.

Every queryset of county-, town- or department-owned data inherits one of these and exposes
``for_user(user)``; every view starts from it. Admins and the leadership office see their county
(all counties when they have none, as for a province-level account); town staff see their own town;
department staff see no town-owned rows, only their department's own data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models

if TYPE_CHECKING:
    from django.http import HttpRequest

    from campaigns.models import User


class CountyScopedQuerySet(models.QuerySet):
    county_field = "county"

    def for_user(self, user: User) -> Self:
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser or (not user.county_id and user.sees_all_towns):
            return self
        county_id = user.county_id or county_of(user)
        if county_id is None:
            return self.none()
        return self.filter(**{self.county_field: county_id})


class ReferenceQuerySet(models.QuerySet):
    """Rows that belong to no county (indicator codes, shared by every campaign): every active user reads them."""

    def for_user(self, user: User) -> Self:
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self


class TownScopedQuerySet(models.QuerySet):
    """Rows that belong to one town. ``town_field`` is the lookup path to that town."""

    town_field = "town"

    def for_user(self, user: User) -> Self:
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.sees_all_towns:
            if user.is_superuser or not user.county_id:
                return self
            return self.filter(**{f"{self.town_field}__county": user.county_id})
        if user.town_id:
            return self.filter(**{self.town_field: user.town_id})
        return self.none()


class UnitScopedQuerySet(models.QuerySet):
    """Rows owned by a reporting unit: a town or a department (``town_field`` / ``department_field``)."""

    town_field = "town"
    department_field = "department"
    county_field = "campaign__county"

    def for_user(self, user: User) -> Self:
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.sees_all_towns:
            if user.is_superuser or not user.county_id:
                return self
            return self.filter(**{self.county_field: user.county_id})
        if user.town_id:
            return self.filter(**{self.town_field: user.town_id})
        if user.department_id:
            return self.filter(**{self.department_field: user.department_id})
        return self.none()


def county_of(user: User) -> int | None:
    """The county a user works in, from their town or department when the account names no county."""
    if user.town_id:
        return user.town.county_id
    if user.department_id:
        return user.department.county_id
    return None


class ScopedAdminMixin:
    """The Django admin goes through the same door: a county admin's admin site shows only that county.

    Fails closed: a model whose queryset has no ``for_user`` is refused at start-up (`campaigns.admin_guard`),
    and would show nothing here. Searches go by POST and stay in the session (`admin_guard.PostedSearchMixin`
    is part of every scoped admin), so an ID number or a name typed in the admin never reaches a URL.
    """

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        queryset = super().get_queryset(request)
        if not hasattr(queryset, "for_user"):
            return queryset.none()
        return queryset.for_user(request.user)


def writable_towns(user: User) -> models.QuerySet:
    """The towns whose push entries, records and villages the user may write: every town of their county for
    admins (and the office), their own town for town staff, none for department staff.

    The same rule as `TownScopedQuerySet.for_user`, for a row that does not exist yet.
    """
    from campaigns.models import Town

    towns = Town.objects.for_user(user)
    if user.is_authenticated and user.sees_all_towns:
        return towns
    if user.is_authenticated and user.town_id:
        return towns.filter(pk=user.town_id)
    return towns.none()
