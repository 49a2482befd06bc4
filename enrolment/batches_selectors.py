from __future__ import annotations

from enrolment.entries_selectors import Funnel, entry_funnel
from enrolment.models import Batch, EntryPush, PushEntry


def batch_funnel(*, batch: Batch) -> Funnel:
    """What became of the entries a batch pushed — new ones and earlier ones pushed again — in one query."""
    return entry_funnel(PushEntry.objects.filter(pk__in=EntryPush.objects.filter(batch=batch).values("entry_id")))
