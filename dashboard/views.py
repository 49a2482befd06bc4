"""The leadership dashboard (office and admins): the page, a town's detail, the xlsx of the figures."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from audit.http import personal_file_response
from audit.services import Action
from campaigns.models import Campaign, Region, Town
from campaigns.selectors import campaign_for
from campaigns.xlsx import XLSX_CONTENT_TYPE
from dashboard.selectors import (
    FIGURES_SECONDS,
    RegionBoard,
    county_campaigns,
    dashboard,
    region_board,
    town_detail,
)
from dashboard.tables import CountyMatrixTable, MatrixTable
from dashboard.workbooks import write_dashboard_workbook, write_region_workbook

PERMISSION = "targets.view_dashboard"


class _BadDate(ValueError):
    pass


def _campaign(request: HttpRequest) -> Campaign:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    return campaign_for(request.user, request.GET.get("campaign"))


def _as_of(request: HttpRequest, campaign: Campaign) -> datetime.date:
    value = request.GET.get("as_of", "").strip()
    if not value:
        return campaign.default_as_of()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise _BadDate(_("日期格式应为 YYYY-MM-DD，例如 2021-06-30")) from None


def _total_label(region: Region) -> str:
    return _("%(region)s合计") % {"region": region.name}


def _region_board(request: HttpRequest) -> RegionBoard:
    """The board of the user's region (a prefecture's, a province's) for the date asked; `_BadDate` if it is
    not one."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    campaigns = county_campaigns(user=request.user, on=timezone.localdate())
    value = request.GET.get("as_of", "").strip()
    if value:
        try:
            as_of = datetime.date.fromisoformat(value)
        except ValueError:
            raise _BadDate(_("日期格式应为 YYYY-MM-DD，例如 2021-06-30")) from None
    else:
        # Today, but never past the last county's target date: after the campaigns the final figures stand.
        as_of = min(timezone.localdate(), max((c.target_date for c in campaigns), default=timezone.localdate()))
    return region_board(region=request.user.region, campaigns=campaigns, as_of=as_of)


def _region_page(request: HttpRequest) -> HttpResponse:
    """A region's office: its counties ranked with the region's total line, each linking to its own board."""
    region = request.user.region
    context: dict[str, object] = {"region": region, "printed_at": timezone.now()}
    try:
        board = _region_board(request)
    except _BadDate as error:
        context["error"] = str(error)
        return render(request, "dashboard/region.html", context, status=400)
    table = CountyMatrixTable(
        board.matrix, board.indicators, as_of=board.as_of, city=board.total, city_label=_total_label(region)
    )
    RequestConfig(request, paginate=False).configure(table)
    context.update({"as_of": board.as_of, "board": board, "table": table, "figures_seconds": FIGURES_SECONDS})
    return render(request, "dashboard/region.html", context)


def _region_xlsx(request: HttpRequest) -> HttpResponse:
    try:
        board = _region_board(request)
    except _BadDate as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    content = write_region_workbook(board, total_label=_total_label(board.region), author=request.user)
    return personal_file_response(
        request,
        content,
        filename=_("%(region)s各县(市、区)工作看板_%(day)s.xlsx")
        % {"region": board.region.name, "day": f"{board.as_of:%Y-%m-%d}"},
        what=f"dashboard:region:{board.region.pk}:{board.as_of.isoformat()}",
        rows=len(board.matrix),
        unmasked=False,
        content_type=XLSX_CONTENT_TYPE,
        action=Action.EXPORT,
    )


@login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    if request.user.region_id and not request.GET.get("campaign"):
        return _region_page(request)
    campaign = _campaign(request)
    try:
        as_of = _as_of(request, campaign)
    except _BadDate as error:
        return render(request, "dashboard/dashboard.html", {"campaign": campaign, "error": str(error)}, status=400)
    board = dashboard(campaign=campaign, as_of=as_of)
    table = MatrixTable(
        board.matrix,
        board.indicators,
        as_of=as_of,
        city=board.city,
        campaign_id=campaign.pk if request.GET.get("campaign") else None,
    )
    RequestConfig(request, paginate=False).configure(table)
    context = {
        "campaign": campaign,
        "as_of": as_of,
        "board": board,
        "table": table,
        "printed_at": timezone.now(),
        "report_groups": [("town", _("镇(街道)")), ("department", _("市直部门"))],
        "figures_seconds": FIGURES_SECONDS,
    }
    return render(request, "dashboard/dashboard.html", context)


@login_required
@require_GET
def dashboard_town(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request)
    town = get_object_or_404(Town.objects.for_user(request.user).filter(county_id=campaign.county_id), pk=pk)
    try:
        as_of = _as_of(request, campaign)
    except _BadDate as error:
        return render(request, "dashboard/town.html", {"campaign": campaign, "error": str(error)}, status=400)
    detail = town_detail(campaign=campaign, town=town, as_of=as_of)
    context = {"campaign": campaign, "as_of": as_of, "town": town, "detail": detail, "printed_at": timezone.now()}
    return render(request, "dashboard/town.html", context)


@login_required
@require_GET
def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    if request.user.region_id and not request.GET.get("campaign"):
        return _region_xlsx(request)
    campaign = _campaign(request)
    try:
        as_of = _as_of(request, campaign)
    except _BadDate as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    board = dashboard(campaign=campaign, as_of=as_of)
    content = write_dashboard_workbook(board, author=request.user)
    return personal_file_response(
        request,
        content,
        filename=_("工作看板_%(day)s.xlsx") % {"day": f"{as_of:%Y-%m-%d}"},
        what=f"dashboard:{campaign.pk}:{as_of.isoformat()}",
        rows=len(board.matrix),
        unmasked=False,
        content_type=XLSX_CONTENT_TYPE,
        action=Action.EXPORT,
    )
