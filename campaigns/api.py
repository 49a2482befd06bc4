"""The one style of every JSON view: ``api_view``, ``ApiError``, ``json_response``, parameter parsing.

Errors have one shape, ``{"detail": "…"}`` in Chinese, with the status saying what kind: 400 a bad
parameter, 401 not logged in (JSON, never a redirect to the login page), 403 a permission the user lacks,
404 missing or outside the user's scope (the two are never told apart).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from campaigns import params
from campaigns.models import Campaign
from campaigns.selectors import campaign_for

__all__ = ["ApiError", "api_view", "campaign_param", "date_param", "error_response", "json_response"]


class ApiError(Exception):
    """A request the API refuses; ``detail`` is the Chinese sentence the client gets."""

    def __init__(self, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status


def json_response(data: Any, *, status: int = 200) -> JsonResponse:
    """JSON with Chinese left readable (not \\u-escaped)."""
    return JsonResponse(data, status=status, safe=isinstance(data, dict), json_dumps_params={"ensure_ascii": False})


def error_response(detail: str, status: int) -> JsonResponse:
    return json_response({"detail": detail}, status=status)


def api_view(
    permission: str | None = None, *, permission_detail: str | None = None
) -> Callable[[Callable[..., JsonResponse]], Callable[..., JsonResponse]]:
    """Wrap a JSON view: 401 when not logged in, 403 without ``permission``, and every refusal as ``{"detail"}``.

    The view raises `ApiError`, `Http404` or `PermissionDenied`; each becomes the one error shape.
    """

    def decorator(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
            user = request.user
            if not user.is_authenticated:
                return error_response(_("未登录或登录已过期"), 401)
            if permission is not None and not user.has_perm(permission):
                return error_response(permission_detail or _("您没有访问此数据的权限"), 403)
            try:
                return view(request, *args, **kwargs)
            except ApiError as error:
                return error_response(error.detail, error.status)
            except Http404 as missing:
                # Django's own 404s carry English text ("No … matches the given query"): say it our way.
                text = str(missing)
                return error_response(text if text and not text.isascii() else _("未找到"), 404)
            except PermissionDenied:
                return error_response(permission_detail or _("您没有访问此数据的权限"), 403)

        return wrapper

    return decorator


def date_param(request: HttpRequest, name: str) -> datetime.date | None:
    """An ISO date query parameter between 1900 and 2100 (None when absent or blank); `ApiError` 400 naming the
    parameter otherwise (campaigns.params holds the rule, for pages and JSON alike)."""
    try:
        return params.date_param(request.GET, name)
    except params.ParamError as error:
        raise ApiError(error.message) from None


def campaign_param(request: HttpRequest, name: str = "campaign") -> Campaign:
    """The campaign of ``?campaign=ID`` (default: the current one) within the user's scope."""
    value = request.GET.get(name, "").strip()
    if value and not value.isdigit():
        raise ApiError(_("参数 %(name)s 应为专项行动 ID（整数）") % {"name": name})
    return campaign_for(request.user, value or None)
