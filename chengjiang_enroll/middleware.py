"""What every request passes through: session timeouts, the forced password change, the response headers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _

from audit.services import Action, audit_record
from campaigns.sessions import session_expiry, session_touch
from chengjiang_enroll.errors import back_link


class SecurityHeadersMiddleware:
    """Permissions-Policy on every answer; ``Cache-Control: no-store`` on every answer to a signed-in user.

    A signed-in user's pages, JSON and files are where personal data lives; none of them may stay in a browser's
    disk cache or a proxy (a view may set its own caching, as the static files do). Static files are served
    before this runs (WhiteNoise) and keep their long cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


class MethodNotAllowedPageMiddleware:
    """A page answer for a GET of an address that only takes a form's submission (a reload, a bookmark).

    Django answers such a request with an empty 405; a browser shows its own blank error for it. The status and
    the ``Allow`` header stay (the URL table relies on them); only an empty body gets our page with a way back.
    JSON callers keep the empty answer their client library expects.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.content or _wants_json(request):
            return response
        page = render(request, "405.html", {"back": back_link(request)}, status=405)
        page["Allow"] = response.get("Allow", "")
        return page


class SessionTimeoutMiddleware:
    """Ends a session that was idle too long or began too long ago (campaigns.sessions), on record."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now()
            reason = session_expiry(request.session, now=now)
            if reason:
                audit_record(action=Action.SESSION_EXPIRED, what=f"user:{user.pk}", user=user, detail=reason)
                logout(request)
                if _wants_json(request):
                    return JsonResponse({"detail": _("登录已超时，请重新登录")}, status=401)
                messages.info(request, _("登录已超时（%(reason)s），请重新登录") % {"reason": reason})
                return redirect_to_login(request.get_full_path())
            session_touch(request.session, now=now)
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """Until its owner has changed a password set by someone else (or an expired one), nothing else opens.

    The start pages (where a login lands) show the password form in place, everything else sends there; the
    JSON API answers 403. Signing out and the static files stay open.
    """

    START_PAGES = frozenset({"start-admin", "start-office", "start-town", "start-department"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.password_change_due():
            return self.get_response(request)
        if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return self.get_response(request)
        match = resolve_quietly(request.path_info)
        name = match.url_name if match else None
        if name in ("password_change", "logout", "home"):  # "/" sends the user on to their start page
            return self.get_response(request)
        if _wants_json(request):
            return JsonResponse({"detail": _("请先修改初始密码（或已过期的密码）后再使用")}, status=403)
        if name in self.START_PAGES:
            from chengjiang_enroll.accounts import PasswordChangeView

            response = PasswordChangeView.as_view()(request)
            return response.render() if hasattr(response, "render") else response
        return redirect("password_change")


def resolve_quietly(path: str) -> object:
    try:
        return resolve(path)
    except Resolver404:
        return None
