"""The one audit door: everything that must be on record goes through `audit_record`.

Views, exports, downloads, the login machinery and the services that change a report's status all call it;
it takes the address, browser and user from the request being served (set by `AuditContextMiddleware`) when
the caller has none to hand, so a service deep below a view records the same facts as the view would.
"""

from __future__ import annotations

import contextvars
import datetime
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from audit.models import AccessLog
from campaigns.scoping import county_of

if TYPE_CHECKING:
    from campaigns.models import User

logger = logging.getLogger(__name__)

Action = AccessLog.Action
Result = AccessLog.Result

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("audit_request", default=None)


class AuditContextMiddleware:
    """Makes the request being served known to `audit_record`, wherever it is called from."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def current_request() -> HttpRequest | None:
    return _current_request.get()


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. The proxy in front sets REMOTE_ADDR; a client-supplied X-Forwarded-For is not trusted."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("HTTP_USER_AGENT", ""))[:300]


def audit_record(
    *,
    action: str,
    what: str = "",
    user: User | None = None,
    request: HttpRequest | None = None,
    rows: int = 0,
    unmasked: bool = False,
    result: str = Result.SUCCESS,
    detail: str = "",
    username: str = "",
) -> AccessLog:
    """Record one action. ``what`` names the object ("entry:12"), never a personal value."""
    request = request or current_request()
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    county_id = None
    if user is not None:
        county_id = user.county_id or county_of(user)
        username = username or user.get_username()
    return AccessLog.objects.create(
        at=timezone.now(),
        user=user,
        username=username[:150],
        county_id=county_id,
        ip=client_ip(request),
        user_agent=_user_agent(request),
        action=action,
        what=what[:300],
        rows=rows,
        unmasked=unmasked,
        result=result,
        detail=detail[:500],
    )


def audit_prune(*, now: datetime.datetime | None = None) -> int:
    """Remove the records older than the retention period (``AUDIT_RETENTION_DAYS``, never under 180 days)."""
    days = settings.AUDIT_RETENTION_DAYS
    if days < settings.AUDIT_RETENTION_MIN_DAYS:  # settings refuse it at start-up; never prune on a bad value
        raise ValueError(f"AUDIT_RETENTION_DAYS={days} is below {settings.AUDIT_RETENTION_MIN_DAYS}")
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    removed = AccessLog.objects.filter(at__lt=cutoff).prune()
    logger.info("access log: %d records older than %d days removed", removed, days)
    return removed
