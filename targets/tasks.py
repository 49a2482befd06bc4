"""Celery tasks of the progress engine: each takes ids, calls one service, and has its own time limits."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from campaigns.models import Campaign
from targets.services import (
    RecomputeBusy,
    progress_recompute_request,
    progress_recompute_request_running,
    progress_run,
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
