from django.conf import settings
from django.http import HttpRequest

from home.navigation import nav_items_for


def navigation(request: HttpRequest) -> dict[str, object]:
    return {"nav_items": nav_items_for(request.user), "site_title": settings.SITE_TITLE}
