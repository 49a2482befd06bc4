from __future__ import annotations

from django.utils import timezone

from campaigns.models import Campaign, Role, User
from enrolment.models import PushEntry
from enrolment.selectors import entry_funnel
from reporting.selectors import reporting_panel
from targets.selectors import missing_baselines, town_progress


def start_page_context(*, user: User, campaign: Campaign | None) -> dict[str, object]:
    """What a role's start page shows: each feature app contributes its panel."""
    context: dict[str, object] = {"campaign": campaign, "phases": list(campaign.phases.all()) if campaign else []}
    context.update(reporting_panel(user=user, campaign=campaign, now=timezone.now()))
    if user.role == Role.TOWN:
        context["entry_funnel"] = entry_funnel(PushEntry.objects.for_user(user))
    if campaign and user.has_perm("targets.set_baseline"):
        context["missing_baselines"] = missing_baselines(campaign=campaign)
    if campaign and user.town_id:
        context["town_progress"] = town_progress(campaign=campaign, town=user.town, as_of=campaign.default_as_of())
    return context
