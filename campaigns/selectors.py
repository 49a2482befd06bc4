from __future__ import annotations

from django.utils import timezone

from campaigns.models import Campaign, User


def start_page_context(*, user: User, campaign: Campaign | None) -> dict[str, object]:
    """What a role's start page shows. Later features add their panels here."""
    from reporting.selectors import reporting_panel

    context: dict[str, object] = {"campaign": campaign, "phases": list(campaign.phases.all()) if campaign else []}
    context.update(reporting_panel(user=user, campaign=campaign, now=timezone.now()))
    return context
