"""Celery tasks of the push lists and data imports: each takes an id, calls one service, has time limits.

An import of a very large file may take minutes; past the soft limit the import is recorded as failed
(nothing stored) and may be uploaded again.
"""

from __future__ import annotations

from celery import shared_task

from enrolment.services.data_imports import data_import_run
from enrolment.services.entry_sheets import previews_prune
from enrolment.services.pushlist_import import batch_import
from enrolment.services.region_batches import region_batch_import

IMPORT_SOFT_LIMIT = 30 * 60
IMPORT_HARD_LIMIT = IMPORT_SOFT_LIMIT + 5 * 60


@shared_task(name="enrolment.batch_import_task", soft_time_limit=IMPORT_SOFT_LIMIT, time_limit=IMPORT_HARD_LIMIT)
def batch_import_task(batch_id: int) -> str | None:
    """Import a queued push-list batch; a second delivery of the same task finds it claimed and does nothing."""
    batch = batch_import(batch_id=batch_id)
    return batch.status if batch is not None else None


@shared_task(name="enrolment.region_batch_import_task", soft_time_limit=IMPORT_SOFT_LIMIT, time_limit=IMPORT_HARD_LIMIT)
def region_batch_import_task(region_batch_id: int) -> str | None:
    """Split and import a region's queued push list into its counties, once."""
    region_batch = region_batch_import(region_batch_id=region_batch_id)
    return region_batch.status if region_batch is not None else None


@shared_task(name="enrolment.data_import_run_task", soft_time_limit=IMPORT_SOFT_LIMIT, time_limit=IMPORT_HARD_LIMIT)
def data_import_run_task(data_import_id: int) -> str | None:
    """Import a queued upload of department data (enrolment records, projects, rosters), once."""
    data_import = data_import_run(data_import_id=data_import_id)
    return data_import.status if data_import is not None else None


@shared_task(name="enrolment.previews_prune_task", time_limit=600, soft_time_limit=540)
def previews_prune_task() -> int:
    """Nightly: unconfirmed previews and leftover temporary files go (idempotent)."""
    return previews_prune()


@shared_task(name="enrolment.reference_import_task", soft_time_limit=IMPORT_SOFT_LIMIT, time_limit=IMPORT_HARD_LIMIT)
def reference_import_task(reference_list_id: int) -> str | None:
    """Import a queued reference list (department data); a second delivery finds it claimed and does nothing."""
    from enrolment.services.references import reference_run

    reference_list = reference_run(reference_list_id=reference_list_id)
    return reference_list.status if reference_list is not None else None


@shared_task(name="enrolment.matching_run_task", acks_late=True, soft_time_limit=600, time_limit=660)
def matching_run_task(campaign_id: int) -> int | None:
    """One coalesced matching run of a campaign's open entries against its current reference lists."""
    from enrolment.services.matching import matching_run

    return matching_run(campaign_id=campaign_id)
