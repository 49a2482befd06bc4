"""Access scoping: the one place that decides which rows a user may see.

Every queryset of county-, town- or department-owned data inherits one of these and exposes
``for_user(user)``; every view starts from it. Admins and the leadership office see their county, or
every county under their region (a prefecture's or a province's office: the region's subtree), or all
counties when they have neither (the deployment's own account); town staff see their own town;
department staff see no town-owned rows, only their department's own data.

`county_filter` is the one rule for "which counties": every queryset below goes through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.http import HttpRequest

    from campaigns.models import User


NO_COUNTY = Q(pk__in=[])  # matches no row: what an account without a scope sees


def county_filter(user: User, field: str) -> Q:
    """The condition on ``field`` (a lookup path to a County) that keeps the counties the user may see.

    Superusers and the deployment's own admins and office (neither a county nor a region) see every county;
    an account of a county, that county; an account of a region above, the counties of its subtree (one
    subquery, whatever the number of counties); town and department staff, the county of their unit.
    Anything else sees nothing: an inactive or anonymous user, a region-level account whose region has no
    county below it, a role that names no unit.
    """
    if not (user.is_authenticated and user.is_active):
        return NO_COUNTY
    if user.is_superuser:
        return Q()
    if user.county_id:
        return Q(**{field: user.county_id})
    region_id = getattr(user, "region_id", None)
    if region_id:
        from campaigns.models import County, Region

        paths = Region.objects.filter(pk=region_id).values("path")
        counties = County.objects.filter(region__path__startswith=models.Subquery(paths[:1])).values("pk")
        return Q(**{f"{field}__in": counties})
    county_id = county_of(user)
    if county_id is not None:
        return Q(**{field: county_id})
    if user.sees_all_towns:
        return Q()
    return NO_COUNTY


def sees_one_county(user: User) -> bool:
    """Whether the user's scope is a single county (so a page about "the" county is theirs alone)."""
    return bool(user.county_id or user.town_id or user.department_id)


class CountyScopedQuerySet(models.QuerySet):
    county_field = "county"

    def for_user(self, user: User) -> Self:
        return self.filter(county_filter(user, self.county_field))


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
            return self.filter(county_filter(user, f"{self.town_field}__county"))
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
            return self.filter(county_filter(user, self.county_field))
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
    admins (and the office), their own town for town staff, none for department staff nor for an account
    above a county.

    The same rule as `TownScopedQuerySet.for_user`, for a row that does not exist yet.
    """
    from campaigns.models import Town

    towns = Town.objects.for_user(user)
    if getattr(user, "region_id", None) and not user.is_superuser:
        return towns.none()  # an account above a county reads its counties' data, it does not work on it
    if user.is_authenticated and user.sees_all_towns:
        return towns
    if user.is_authenticated and user.town_id:
        return towns.filter(pk=user.town_id)
    return towns.none()
