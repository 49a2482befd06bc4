"""Progress: the JSON API and the page. Published to every unit of the county (rankings are public)."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaigns.models import Campaign, User
from targets.charts import completion_bars
from targets.selectors import campaign_progress


class BadRequest(ValueError):
    pass


def _as_of(request: HttpRequest, campaign: Campaign) -> datetime.date:
    value = request.GET.get("as_of", "").strip()
    if not value:
        return campaign.default_as_of()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(_("日期参数 as_of 格式错误,应为 YYYY-MM-DD,例如 2021-06-30")) from None


def _campaign(request: HttpRequest, user: User) -> Campaign:
    campaigns = Campaign.objects.for_user(user)
    value = request.GET.get("campaign", "").strip()
    if value:
        if not value.isdigit():
            raise BadRequest(_("参数 campaign 应为专项行动 ID(整数)"))
        campaign = campaigns.filter(pk=int(value)).first()
    else:
        campaign = campaigns.current()
    if campaign is None:
        raise Http404(_("找不到专项行动"))
    return campaign


@require_GET
def progress_api(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("请先登录")}, status=401)
    try:
        campaign = _campaign(request, request.user)
        as_of = _as_of(request, campaign)
    except BadRequest as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except Http404 as exc:
        return JsonResponse({"error": str(exc)}, status=404)
    return JsonResponse(campaign_progress(campaign=campaign, as_of=as_of), json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def progress_page(request: HttpRequest) -> HttpResponse:
    try:
        campaign = _campaign(request, request.user)
        as_of = _as_of(request, campaign)
    except BadRequest as exc:
        return render(request, "targets/progress.html", {"error": str(exc)}, status=400)
    progress = campaign_progress(campaign=campaign, as_of=as_of)
    for indicator in progress["indicators"]:
        indicator["chart"] = completion_bars(indicator, progress["time_progress"])
    return render(request, "targets/progress.html", {"campaign": campaign, "as_of": as_of, "progress": progress})
