from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from campaigns.models import Campaign, Role
from home.selectors import start_page_context

START_PAGES = {
    Role.ADMIN: "start-admin",
    Role.OFFICE: "start-office",
    Role.TOWN: "start-town",
    Role.DEPARTMENT: "start-department",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    role = request.user.role or (Role.ADMIN if request.user.is_superuser else "")
    if role not in START_PAGES:
        raise PermissionDenied
    return redirect(START_PAGES[role])


def _start_page(role: str, template: str):
    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.role != role and not (role == Role.ADMIN and user.is_superuser):
            raise PermissionDenied
        campaign = Campaign.objects.for_user(user).current()
        return render(request, template, start_page_context(user=user, campaign=campaign))

    view.__name__ = f"start_{role}"
    return view


start_admin = _start_page(Role.ADMIN, "home/start_admin.html")
start_office = _start_page(Role.OFFICE, "home/start_office.html")
start_town = _start_page(Role.TOWN, "home/start_town.html")
start_department = _start_page(Role.DEPARTMENT, "home/start_department.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for the load balancer: the database, and the broker when one is configured."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.CELERY_BROKER_URL:
        try:
            with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1)
            checks["broker"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["broker"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
