from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AccessLog


def access_log_for(user: Any, *, filters: dict[str, Any]) -> QuerySet[AccessLog]:
    """The records a user may read, narrowed by the filter form's cleaned data, newest first."""
    records = AccessLog.objects.for_user(user).select_related("user")
    if filters.get("user"):
        records = records.filter(username=filters["user"].strip())
    if filters.get("action"):
        records = records.filter(action=filters["action"])
    zone = timezone.get_current_timezone()
    if filters.get("start"):
        records = records.filter(at__gte=datetime.datetime.combine(filters["start"], datetime.time.min, zone))
    if filters.get("end"):
        day_after = filters["end"] + datetime.timedelta(days=1)
        records = records.filter(at__lt=datetime.datetime.combine(day_after, datetime.time.min, zone))
    if filters.get("what"):
        records = records.filter(what__startswith=filters["what"].strip())
    return records.order_by("-at", "-id")
