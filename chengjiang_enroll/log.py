"""Logging pieces named in settings.LOGGING."""

from __future__ import annotations

import logging


class OneLineRefusals(logging.Filter):
    """A refused request (403, 404, 400) is an everyday event, not a crash: one line with the path, the method
    and the user's id, never a traceback. Server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
            request = getattr(record, "request", None)
            user = getattr(request, "user", None)
            who = f" user={user.pk}" if getattr(user, "is_authenticated", False) else ""
            method = getattr(request, "method", "")
            record.msg = f"{record.msg} [{status} {method}{who}]"
        return True
