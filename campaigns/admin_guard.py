"""The rules every page of the Django admin keeps, whoever registers it.

* Every registered model is scoped: its admin is a `ScopedAdminMixin` over a queryset with ``for_user`` (or a
  `SuperuserOnlyAdminMixin`, for tables that belong to no county). `admin_registry_check` runs when the apps
  are ready and stops the application on any other registration, third-party apps' included.
* Searches are posted and kept in the session (`PostedSearchMixin`): the changelist's URL, its links and the
  "return to the list" links of the object pages never carry what was typed.
* Records of what happened (access logs, events, pushes, snapshots, reminders) are `ReadOnlyAdminMixin`: no
  add, change or delete, superusers included.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from campaigns.scoping import ScopedAdminMixin

_SEARCHES = "admin_searches"


class PostedSearchMixin:
    """The changelist's search box posts; the term lives in the session per model until cleared."""

    def _search_key(self) -> str:
        return self.model._meta.label_lower

    def posted_search(self, request: HttpRequest) -> str:
        return request.session.get(_SEARCHES, {}).get(self._search_key(), "")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "POST" and "_search" in request.POST:
            searches = dict(request.session.get(_SEARCHES, {}))
            term = request.POST.get("q", "").strip()[:200]
            if term:
                searches[self._search_key()] = term
            else:
                searches.pop(self._search_key(), None)
            request.session[_SEARCHES] = searches
            query = request.GET.copy()
            query.pop("q", None)
            query.pop("p", None)
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        if "q" in request.GET:
            # A search typed into the address bar: kept like a posted one, and the URL loses it.
            query = request.GET.copy()
            searches = dict(request.session.get(_SEARCHES, {}))
            searches[self._search_key()] = query.pop("q")[-1].strip()[:200]
            request.session[_SEARCHES] = searches
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        return super().changelist_view(request, extra_context)

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        changelist.posted_search = self.posted_search(request)
        return changelist

    def get_search_results(self, request: HttpRequest, queryset: models.QuerySet, search_term: str) -> Any:
        return super().get_search_results(request, queryset, self.posted_search(request))


class ScopedAdmin(PostedSearchMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The base of every admin of county-, town- or unit-owned data."""


class ScopedHistoryAdmin(PostedSearchMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    """A scoped admin whose objects keep their field history (who changed what; reverting is switched off)."""


class ReadOnlyAdminMixin:
    """A record of what happened: it may be read, never added, changed or deleted through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class SuperuserOnlyAdminMixin:
    """A table that belongs to no county (or to the whole installation): only superusers see it."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request) and super().has_delete_permission(request, obj)


def unscoped_registrations(site: admin.AdminSite | None = None) -> list[str]:
    """The registered models whose admin would show every county's rows."""
    site = site or admin.site
    problems = []
    for model, model_admin in site._registry.items():
        if isinstance(model_admin, SuperuserOnlyAdminMixin):
            continue
        scoped = isinstance(model_admin, ScopedAdminMixin)
        if not scoped or not hasattr(model._default_manager.all(), "for_user"):
            problems.append(f"{model._meta.label} ({type(model_admin).__module__}.{type(model_admin).__name__})")
    return problems


def admin_registry_check() -> None:
    """Refuse to start with an admin page that is not scoped: fail closed, before any request."""
    problems = unscoped_registrations()
    if problems:
        raise ImproperlyConfigured(
            "These admin registrations are not scoped to the user's county (use campaigns.admin_guard.ScopedAdmin "
            "over a queryset with for_user(), or SuperuserOnlyAdminMixin): " + ", ".join(problems)
        )
