from __future__ import annotations

import datetime
import smtplib

from celery import shared_task
from django.utils import timezone

from reporting.services import reminders_send


@shared_task(
    name="reporting.reminders_send_task",
    soft_time_limit=300,
    time_limit=360,
    autoretry_for=(smtplib.SMTPException, ConnectionError),
    retry_backoff=60,
    max_retries=5,
)
def reminders_send_task(now: str | None = None) -> dict[str, int]:
    """Daily at 09:00 (beat): reminders the day before the due day, overdue notices the day after.

    Safe to run any number of times a day: each reminder is claimed once per unit per period.
    ``now`` (ISO 8601) replays a given moment, for an operator catching up by hand.
    """
    moment = datetime.datetime.fromisoformat(now) if now else timezone.now()
    return reminders_send(now=moment)
