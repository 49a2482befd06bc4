"""Progress: the JSON API and the page. Published to every unit of the county (rankings are public)."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from campaigns.api import ApiError, api_view, campaign_param, date_param, json_response
from targets.selectors import progress_chart, progress_payload


def _as_of(request: HttpRequest) -> datetime.date:
    return date_param(request, "as_of") or timezone.localdate()


@require_GET
@api_view()
def progress_api(request: HttpRequest) -> JsonResponse:
    as_of = _as_of(request)
    return json_response(progress_payload(campaign=campaign_param(request), as_of=as_of))


@login_required
@require_GET
def progress_page(request: HttpRequest) -> HttpResponse:
    try:
        as_of = _as_of(request)
        campaign = campaign_param(request)
    except ApiError as error:
        return render(request, "targets/progress.html", {"error": error.detail}, status=error.status)
    payload = progress_payload(campaign=campaign, as_of=as_of)
    return render(
        request,
        "targets/progress.html",
        {"campaign": campaign, "as_of": as_of, "progress": payload, "charts": progress_chart(payload)},
    )
