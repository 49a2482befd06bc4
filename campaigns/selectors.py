from __future__ import annotations

from campaigns.models import Campaign, User


def start_page_context(*, user: User, campaign: Campaign | None) -> dict[str, object]:
    """What a role's start page shows. Later features add their panels here."""
    return {"campaign": campaign, "phases": list(campaign.phases.all()) if campaign else []}
