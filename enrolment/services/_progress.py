"""Telling the progress engine that what it counts has changed.

The engine (targets) sits above this app and counts its records; this app never imports it. It asks by
task name, once its own transaction has committed: the task marks the campaign dirty and coalesces the
requests into one recompute (a thousand changes, one recompute).
"""

from __future__ import annotations

import logging
from functools import partial

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

PROGRESS_REQUEST_TASK = "targets.progress_recompute_request_task"


def progress_changed(*, campaign_id: int) -> None:
    """Ask for a progress recompute of the campaign after the current transaction commits."""
    transaction.on_commit(partial(_enqueue, campaign_id))


def _enqueue(campaign_id: int) -> None:
    try:
        current_app.signature(PROGRESS_REQUEST_TASK, args=(campaign_id,)).delay()
    except Exception:  # the data change is committed; the nightly run catches progress up
        # A broker outage (or, in eager mode, a failing run) must not fail the write that asked.
        logger.exception("could not ask for the progress recompute of campaign %s", campaign_id)
