from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from bulletins.selectors import latest_published
from campaigns.models import Campaign, Role, User
from dashboard.selectors import town_overview
from enrolment.selectors import queue_funnel
from reporting.schedule import Period
from reporting.selectors import PeriodRow, reporting_panel, unit_periods
from targets.selectors import missing_baselines


@dataclass(frozen=True)
class Countdown:
    """The next report a unit has to submit and the time left to the end of its due day; the reports it has
    already missed."""

    period: Period | None
    days: int
    hours: int
    missed: list[PeriodRow]


def next_report_due(*, campaign: Campaign, unit: object, now: datetime.datetime) -> Countdown | None:
    """The earliest period not yet submitted whose deadline is still ahead, and those already missed (one
    query). None when every report is in."""
    rows = unit_periods(campaign=campaign, unit=unit, now=now)
    ahead = [row for row in rows if row.status in ("not_started", "draft", "returned") and now < row.period.closes]
    missed = [row for row in rows if row.status == "missing"]
    if not ahead and not missed:
        return None
    if not ahead:
        return Countdown(None, 0, 0, missed)
    left = ahead[0].period.closes - now
    return Countdown(ahead[0].period, left.days, left.seconds // 3600, missed)


def start_page_context(*, user: User, campaign: Campaign | None) -> dict[str, object]:
    """What a role's start page shows: each feature app contributes its panel."""
    now = timezone.now()
    context: dict[str, object] = {"campaign": campaign, "phases": list(campaign.phases.all()) if campaign else []}
    context.update(reporting_panel(user=user, campaign=campaign, now=now))
    context["latest_bulletin"] = latest_published(user=user, campaign=campaign)
    if user.role == Role.TOWN:
        context["entry_funnel"] = queue_funnel(user)
    if campaign and user.has_perm("targets.set_baseline"):
        context["missing_baselines"] = missing_baselines(campaign=campaign)
    if campaign and user.town_id:
        context["overview"] = town_overview(
            campaign=campaign, town=user.town, as_of=campaign.default_as_of(), trends=False
        )
    if campaign and user.unit is not None:
        context["countdown"] = next_report_due(campaign=campaign, unit=user.unit, now=now)
    return context
