"""Query parameters that must be numbers, dates or page sizes: parsed once, bounded, and refused in Chinese.

A malformed value (``?page=abc``, ``?village=99999999999999999999``, ``?as_of=0001-01-01``) raises `ParamError`;
`ParamErrorMiddleware` answers it with 400 and the message — a JSON ``{"detail": …}`` under ``/api/``, the
400 page elsewhere — never a 500 and never a silently wider list. Page sizes are capped at `MAX_PAGE_SIZE`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

MAX_PAGE_SIZE = 200
# The range of an id column (bigint) and of the dates the campaign can mean.
MAX_ID = 2**63 - 1
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)


class ParamError(BadRequest):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def int_param(data: Mapping[str, str], name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """A whole number in [minimum, maximum], or None when the parameter is absent or blank."""
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not (minimum <= int(raw) <= maximum):
        raise ParamError(
            _("参数 %(name)s 的值“%(value)s”无效：应为 %(minimum)s 到 %(maximum)s 之间的整数")
            % {"name": name, "value": raw[:40], "minimum": minimum, "maximum": maximum}
        )
    return int(raw)


def page_param(data: Mapping[str, str], name: str = "page") -> int:
    return int_param(data, name, maximum=10**9) or 1


def page_size_param(data: Mapping[str, str], *, default: int, name: str = "per_page") -> int:
    """The page size asked for, never above MAX_PAGE_SIZE (a larger one is cut to it)."""
    asked = int_param(data, name, maximum=10**9)
    return default if asked is None else min(asked, MAX_PAGE_SIZE)


def date_param(data: Mapping[str, str], name: str) -> datetime.date | None:
    """A date written YYYY-MM-DD between 1900 and 2100, or None when absent."""
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not (EARLIEST <= day <= LATEST) or len(raw) != 10:
        raise ParamError(
            _("日期参数 %(name)s 的值“%(value)s”无效：应为 1900—2100 年间的日期，格式 YYYY-MM-DD，例如 2021-06-30")
            % {"name": name, "value": raw[:40]}
        )
    return day


class ParamErrorMiddleware:
    """A `ParamError` anywhere in a view becomes a 400 with its Chinese message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ParamError):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": exception.message}, status=400, json_dumps_params={"ensure_ascii": False})
        return render(request, "400.html", {"message": exception.message}, status=400)
