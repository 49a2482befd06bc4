"""Files go with their rows: when a row holding uploaded or generated files is deleted, its files are deleted too
(once the deletion is committed: a rolled-back delete keeps them). Personal data must not outlive its record."""

from __future__ import annotations

import datetime
import time
from pathlib import Path

from django.db import models, transaction
from django.db.models.signals import post_delete


def files_follow_rows(model: type[models.Model], *field_names: str) -> None:
    def remove(sender: type[models.Model], instance: models.Model, **kwargs: object) -> None:
        for name in field_names:
            stored = getattr(instance, name)
            if stored and stored.name:
                storage, path = stored.storage, stored.name
                transaction.on_commit(lambda storage=storage, path=path: storage.delete(path))

    post_delete.connect(remove, sender=model, weak=False, dispatch_uid=f"files_follow_rows.{model._meta.label}")


def private_tmp_prune(*, older_than: datetime.timedelta, now: float | None = None) -> int:
    """Remove files left in the private temporary directory (a crash, a preview nobody confirmed); returns how
    many. Only files older than ``older_than``: a file being read or written now is never touched."""
    from django.conf import settings

    cutoff = (now or time.time()) - older_than.total_seconds()
    removed = 0
    root = Path(settings.PRIVATE_TMP)
    if not root.is_dir():
        return 0
    for path in root.rglob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
