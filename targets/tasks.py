"""Celery tasks of the progress engine: each takes ids, calls one service, and has its own time limits."""

from __future__ import annotations

import datetime
import logging

from celery import chord, group, shared_task
from celery.canvas import Signature
from django.utils import timezone

from campaigns.models import Campaign, Region
from targets.services import (
    RecomputeBusy,
    progress_recompute_request,
    progress_recompute_request_running,
    progress_run,
    region_campaigns,
)

logger = logging.getLogger(__name__)


@shared_task(name="targets.progress_run_task", bind=True, acks_late=True, soft_time_limit=600, time_limit=660)
def progress_run_task(self, campaign_id: int, as_of: str | None = None) -> int | None:
    """Recompute a campaign's progress (``as_of`` ISO date, or today and every stored date).

    Idempotent: the claim is a conditional UPDATE keyed on the task id, so a redelivered task (its worker
    killed, acks_late) takes its own claim back, and a duplicate finds the work claimed and does nothing.
    """
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return None
    day = datetime.date.fromisoformat(as_of) if as_of else None
    try:
        return progress_run(campaign=campaign, as_of=day, token=self.request.id or None)
    except RecomputeBusy:
        # The run in progress sees the dirty flag when it finishes and asks for one more run.
        logger.info("progress recompute of campaign %s already running", campaign_id)
        return None


@shared_task(name="targets.progress_recompute_request_task", acks_late=True, soft_time_limit=30, time_limit=60)
def progress_recompute_request_task(campaign_id: int) -> bool:
    """Mark a campaign's progress dirty and enqueue one recompute unless one is queued: what the apps below
    this one (which never import targets) ask for, by name, after they changed what progress counts."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    return progress_recompute_request(campaign=campaign) if campaign is not None else False


@shared_task(name="targets.progress_recompute_request_running_task", acks_late=True, soft_time_limit=60, time_limit=120)
def progress_recompute_request_running_task() -> int:
    """Nightly (beat): ask for a recompute of every campaign running now or within the last month."""
    return progress_recompute_request_running(today=timezone.localdate())


def progress_region_workflow(*, region: Region, as_of: str | None = None) -> Signature:
    """A region's recompute as one canvas: a `progress_run_task` per county campaign (a group, spread over the
    recompute workers), gathered by `progress_region_gathered_task` (a chord). Each county's run takes its
    campaign's claim as always: a county already recomputing is reported busy, never run twice at once."""
    campaigns = region_campaigns(region=region, today=timezone.localdate())
    ids = [campaign.pk for campaign in campaigns]
    header = group(progress_run_task.s(campaign_id, as_of) for campaign_id in ids)
    return chord(header, progress_region_gathered_task.s(region_id=region.pk, campaign_ids=ids))


@shared_task(name="targets.progress_region_recompute_task", acks_late=True, soft_time_limit=60, time_limit=120)
def progress_region_recompute_task(region_id: int, as_of: str | None = None) -> str | None:
    """Fan a prefecture's (or a province's) recompute out per county; returns the id of the gathering task."""
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        return None
    return progress_region_workflow(region=region, as_of=as_of).apply_async().id


@shared_task(name="targets.progress_region_gathered_task", acks_late=True, soft_time_limit=30, time_limit=60)
def progress_region_gathered_task(results: list[int | None], region_id: int, campaign_ids: list[int]) -> dict:
    """The counties' answers, in the order they were sent: rows written, or None where the county was busy."""
    outcome = dict(zip(campaign_ids, results, strict=True))
    summary = {
        "region_id": region_id,
        "counties": len(campaign_ids),
        "recomputed": sorted(pk for pk, rows in outcome.items() if rows is not None),
        "busy": sorted(pk for pk, rows in outcome.items() if rows is None),
        "rows": sum(rows for rows in outcome.values() if rows),
    }
    logger.info("region %s recompute gathered: %s", region_id, summary)
    return summary
