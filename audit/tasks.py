from __future__ import annotations

from celery import shared_task

from audit.services import audit_prune


@shared_task(name="audit.audit_prune_task", time_limit=600, soft_time_limit=540)
def audit_prune_task() -> int:
    """Nightly: remove access-log records beyond the retention period (idempotent)."""
    return audit_prune()
