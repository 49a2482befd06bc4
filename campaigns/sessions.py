"""The two clocks of a signed-in session: idle time (SESSION_IDLE_MINUTES) and time since login (…_ABSOLUTE_HOURS).

Both start at login (`session_started`, on Django's user_logged_in signal); `session_expiry` says whether and why a
session is over. The session is touched at most once a minute (`session_touch`), not on every request, which
would write the session row each time.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

LOGIN_AT = "session_login_at"
SEEN_AT = "session_seen_at"
TOUCH_EVERY = datetime.timedelta(minutes=1)


def _at(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def session_started(sender: object = None, request: Any = None, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        now = timezone.now().isoformat()
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now


def session_expiry(session: Any, *, now: datetime.datetime) -> str:
    """Why the session is over (in Chinese), or "" while it lasts."""
    login_at, seen = _at(session.get(LOGIN_AT)), _at(session.get(SEEN_AT))
    if login_at and now - login_at > datetime.timedelta(hours=settings.SESSION_ABSOLUTE_HOURS):
        return _("登录已超过 %(hours)d 小时") % {"hours": settings.SESSION_ABSOLUTE_HOURS}
    if seen and now - seen > datetime.timedelta(minutes=settings.SESSION_IDLE_MINUTES) + TOUCH_EVERY:
        return _("%(minutes)d 分钟未操作") % {"minutes": settings.SESSION_IDLE_MINUTES}
    return ""


def session_touch(session: Any, *, now: datetime.datetime) -> None:
    seen = _at(session.get(SEEN_AT))
    if seen is None or now - seen > TOUCH_EVERY:
        session[SEEN_AT] = now.isoformat()
        session.setdefault(LOGIN_AT, now.isoformat())
