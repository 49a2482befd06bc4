from __future__ import annotations

from django.db.models import Count, Q

from enrolment.models import Batch, EntryPush, EntryStatus, PushEntry


def batch_funnel(*, batch: Batch) -> dict[str, int]:
    """What became of the entries a batch pushed (new ones and earlier ones pushed again), in one query.

    pushed → worked (no longer pending) → enrolled / not due / still open (neither enrolled nor not due).
    """
    entries = PushEntry.objects.filter(pk__in=EntryPush.objects.filter(batch=batch).values("entry_id"))
    return entries.aggregate(
        pushed=Count("id"),
        worked=Count("id", filter=~Q(status=EntryStatus.PENDING)),
        enrolled=Count("id", filter=Q(status=EntryStatus.ENROLLED)),
        not_due=Count("id", filter=Q(status=EntryStatus.NOT_DUE)),
        open=Count("id", filter=~Q(status__in=EntryStatus.closed())),
    )
