"""The life of an uploaded file's import: claimed once, released, and recorded as failed when it fails.

Claiming, so that a task delivered twice does the work once:

An import is claimed with a conditional UPDATE (queued → running; act only when one row changed). On
PostgreSQL the runner also holds a session-level advisory lock for the import, which dies with the
runner's database session: a row left "running" by a worker that crashed (its transaction rolled back,
nothing stored) can then be told from one still being imported, and is imported again from the start
when acks_late redelivers its task. Elsewhere (SQLite, one process) only queued rows are claimed.
"""

from __future__ import annotations

import logging

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from enrolment.models import ImportBase, ImportStatus

logger = logging.getLogger(__name__)

# Each kind of import has its own range of single-bigint advisory-lock keys.
_LOCK_SPACES = {"batch": 1, "dataimport": 2, "referencelist": 3}


def runner_lock_key(model: type[ImportBase], pk: int) -> int:
    return (_LOCK_SPACES[model._meta.model_name] << 48) + pk


def runner_lock(model: type[ImportBase], pk: int, *, release: bool = False) -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        function = "pg_advisory_unlock" if release else "pg_try_advisory_lock"
        cursor.execute(f"SELECT {function}(%s)", [runner_lock_key(model, pk)])
        return bool(cursor.fetchone()[0])


def import_claim(model: type[ImportBase], pk: int, **reset: object) -> bool:
    """Claim an import for this runner; ``reset`` names the counters to clear for a fresh run."""
    if not runner_lock(model, pk):
        return False  # another worker is importing it right now
    claimable = (
        [ImportStatus.QUEUED, ImportStatus.RUNNING] if connection.vendor == "postgresql" else [ImportStatus.QUEUED]
    )
    claimed = model.objects.filter(pk=pk, status__in=claimable).update(
        status=ImportStatus.RUNNING, started_at=timezone.now(), rows_done=0, rows_total=0, error="", **reset
    )
    if claimed != 1:
        runner_lock(model, pk, release=True)
    return claimed == 1


def import_release(model: type[ImportBase], pk: int) -> None:
    runner_lock(model, pk, release=True)


def import_fail(model: type[ImportBase], pk: int, *, message: str, **fields: object) -> None:
    """Record an import as failed with the reason the user sees; outside the import's own transaction."""
    model.objects.filter(pk=pk).update(status=ImportStatus.FAILED, error=message, finished_at=timezone.now(), **fields)


def import_crash_message(error: BaseException) -> str:
    """What the user is told when an import crashed: nothing was stored. Only the error's kind is named,
    as its message may quote a row's values (ID numbers)."""
    return _("导入时发生内部错误（%(error)s），数据库未作任何改动，请稍后重试或联系管理员") % {
        "error": type(error).__name__
    }


def import_fail_crashed(model: type[ImportBase], pk: int, error: BaseException, **fields: object) -> None:
    """The one failure recorder for a crashed import (command line or worker): logged by kind, recorded."""
    logger.error("%s %s: import failed (%s)", model._meta.model_name, pk, type(error).__name__)
    import_fail(model, pk, message=import_crash_message(error), **fields)
