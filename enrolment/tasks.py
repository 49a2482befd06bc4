from __future__ import annotations

from celery import shared_task

from enrolment.services.pushlist_import import batch_import


@shared_task(name="enrolment.import_batch")
def import_batch(batch_id: int) -> str | None:
    """Import a queued push-list batch; a second delivery of the same task finds it claimed and does nothing."""
    batch = batch_import(batch_id=batch_id)
    return batch.status if batch is not None else None
