"""Files go with their rows: when a row holding uploaded or generated files is deleted, its files are deleted too
(once the deletion is committed: a rolled-back delete keeps them). Personal data must not outlive its record."""

from __future__ import annotations

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
