"""The life of an uploaded file's import: recorded with its file, claimed once, released, and recorded as
failed when it fails.

Recording, for every kind of upload (push-list batches, reference lists): the file is hashed, the row saved
with its file and the upload audited; a second upload of the same file racing the first is refused by the
table's unique constraint on unfinished imports, and the file it had saved is deleted again.

Claiming, so that a task delivered twice does the work once:

An import is claimed with a conditional UPDATE (queued → running; act only when one row changed). On
PostgreSQL the runner also holds a session-level advisory lock for the import, which dies with the
runner's database session: a row left "running" by a worker that crashed (its transaction rolled back,
nothing stored) can then be told from one still being imported, and is imported again from the start
when acks_late redelivers its task. Elsewhere (SQLite, one process) only queued rows are claimed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import Action, audit_record
from campaigns.models import User
from enrolment.models import ImportBase, ImportStatus

logger = logging.getLogger(__name__)

# Each kind of import has its own range of single-bigint advisory-lock keys.
_LOCK_SPACES = {"batch": 1, "dataimport": 2, "referencelist": 3, "regionbatch": 4}


def upload_digest(upload: File) -> str:
    """The SHA-256 of an uploaded file, read in chunks; the upload is left at its start for saving."""
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest()


def import_files_delete(row: ImportBase, *names: str) -> None:
    """Delete the stored files (``file``, ``rejected_file``) of an import that did not happen."""
    for name in names:
        file = getattr(row, name)
        if file:
            file.storage.delete(file.name)


def upload_record(
    row: ImportBase, *, upload: File, file_name: str, audit_as: str, user: User | None, refused: type[Exception]
) -> None:
    """Save a queued import's row with its uploaded file and audit the upload as ``<audit_as>:<pk>``.

    Raises ``refused`` when the same file is being imported or was imported meanwhile (the unique constraint).
    """
    row.file.save(file_name, upload, save=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:
        import_files_delete(row, "file")
        raise refused(_("该文件已导入或正在导入，不能重复导入")) from error
    audit_record(action=Action.UPLOAD, what=f"{audit_as}:{row.pk}", user=user)


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


def import_claimed_run(
    model: type[ImportBase],
    pk: int,
    run: Callable[[ImportBase], None],
    *,
    related: tuple[str, ...] = (),
    **reset: object,
) -> ImportBase | None:
    """Claim an import, ``run`` it and release it; the row as it ended, or None when it could not be claimed (being
    imported by another worker, or finished): a task delivered twice does the work once."""
    if not import_claim(model, pk, **reset):
        return None
    try:
        row = model.objects.select_related(*related).get(pk=pk)
        run(row)
    finally:
        import_release(model, pk)
    row.refresh_from_db()
    return row


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
