"""The Django admin site, behind the same login page and the same 403 page as the rest of the product."""

from __future__ import annotations

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class CampaignAdminSite(admin.AdminSite):
    """Signed-in users who are not admins get our Chinese 403 page (with a way back), not the admin's login form;
    visitors who are not signed in go to the one login page of the product."""

    def admin_view(self, view: object, cacheable: bool = False) -> object:
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.user.is_authenticated:
            if self.has_permission(request):
                return super().login(request, extra_context)  # the admin sends its own users on to the index
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
