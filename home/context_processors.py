from django.conf import settings
from django.http import HttpRequest

from campaigns.models import Campaign
from home.navigation import nav_items_for


def navigation(request: HttpRequest) -> dict[str, object]:
    user = request.user

    def current_campaign_name() -> str:
        # Called by the printed title block only when the page has no ``campaign`` of its own.
        campaign = Campaign.objects.for_user(user).current() if user.is_authenticated else None
        return campaign.name if campaign else ""

    return {
        "nav_items": nav_items_for(user),
        "site_title": settings.SITE_TITLE,
        "current_campaign_name": current_campaign_name,
    }
