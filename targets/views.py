"""Progress: the JSON API and the page, published to every unit of the county (rankings are public); the
baselines page of the office and admins."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from audit.http import personal_file_response
from audit.services import Action
from campaigns.api import ApiError, api_view, campaign_param, date_param, json_response
from campaigns.models import Campaign, Region, RegionPlan
from campaigns.selectors import campaign_for
from campaigns.xlsx import XLSX_CONTENT_TYPE
from enrolment.tabular import FileProblem, upload_on_disk
from enrolment.views.uploads import import_template_response, template_links
from targets.charts import completion_bars
from targets.forms import BaselineGridForm, BaselineUploadForm, RegionPlanUploadForm
from targets.selectors import baseline_grid, baseline_history, campaign_progress, region_plan_lines
from targets.services import BaselineError, baselines_import, baselines_set
from targets.services.baselines import BASELINE_COLUMNS
from targets.services.region_plans import PLAN_COLUMNS, PlanError, region_plan_load
from targets.workbooks import write_progress_workbook


def _as_of(request: HttpRequest, campaign: Campaign) -> datetime.date:
    return date_param(request, "as_of") or campaign.default_as_of()


@require_GET
@api_view()
def progress_api(request: HttpRequest) -> JsonResponse:
    campaign = campaign_param(request)
    return json_response(campaign_progress(campaign=campaign, as_of=_as_of(request, campaign)))


@login_required
@require_GET
def progress_page(request: HttpRequest) -> HttpResponse:
    try:
        campaign = campaign_param(request)
        as_of = _as_of(request, campaign)
    except ApiError as error:
        return render(request, "targets/progress.html", {"error": error.detail}, status=error.status)
    progress = campaign_progress(campaign=campaign, as_of=as_of)
    for indicator in progress["indicators"]:
        indicator["chart"] = completion_bars(indicator, progress["time_progress"])
    export_query = request.GET.urlencode()
    context = {"campaign": campaign, "as_of": as_of, "progress": progress, "export_query": export_query}
    return render(request, "targets/progress.html", context)


@login_required
@require_GET
def progress_export(request: HttpRequest) -> HttpResponse:
    """/progress/'s tables as a formatted workbook (same parameters), through the audit door."""
    try:
        campaign = campaign_param(request)
        as_of = _as_of(request, campaign)
    except ApiError as error:
        return HttpResponse(str(error.detail), status=error.status, content_type="text/plain; charset=utf-8")
    progress = campaign_progress(campaign=campaign, as_of=as_of)
    content, rows = write_progress_workbook(progress, campaign=campaign, as_of=as_of, author=request.user)
    return personal_file_response(
        request,
        content,
        filename=_("目标任务进度_%(day)s.xlsx") % {"day": f"{as_of:%Y-%m-%d}"},
        what=f"progress:{campaign.pk}:{as_of.isoformat()}",
        rows=rows,
        unmasked=False,
        content_type=XLSX_CONTENT_TYPE,
        action=Action.EXPORT,
    )


def _baseline_campaign(request: HttpRequest) -> Campaign:
    if not request.user.has_perm("targets.set_baseline"):
        raise PermissionDenied
    return campaign_for(request.user)


def _baselines_render(
    request: HttpRequest, campaign: Campaign, form: BaselineGridForm, upload: BaselineUploadForm, status: int = 200
) -> HttpResponse:
    rows = [
        {
            "label": row.label,
            "cells": [
                (cell, form.bound(cell.target.pk), form.shown(cell.target.pk)) if cell else None for cell in row.cells
            ],
        }
        for row in form.grid.rows
    ]
    context = {
        "campaign": campaign,
        "grid": form.grid,
        "rows": rows,
        "form": form,
        "upload": upload,
        "history": baseline_history(campaign=campaign),
        "import_templates": template_links([(_("目标任务基数"), reverse("baselines-template"), BASELINE_COLUMNS)]),
    }
    return render(request, "targets/baselines.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def baselines_page(request: HttpRequest) -> HttpResponse:
    """The grid of the city and towns × indicators: every baseline in one form."""
    campaign = _baseline_campaign(request)
    grid = baseline_grid(campaign=campaign)
    form = BaselineGridForm(request.POST or None, grid=grid)
    if request.method == "POST" and form.is_valid():
        try:
            changed = baselines_set(
                campaign=campaign,
                user=request.user,
                values=form.parsed,
                expected=form.originals,
            )
        except BaselineError as error:
            form.add_problems(error.problems)
            if not error.problems:
                form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, _("已保存 %(n)d 个基数，进度正在重新计算") % {"n": changed})
            else:
                messages.info(request, _("基数没有变化"))
            return redirect("baselines")
    status = 400 if form.is_bound else 200
    return _baselines_render(request, campaign, form, BaselineUploadForm(), status)


@login_required
@require_http_methods(["GET", "POST"])
def baselines_upload(request: HttpRequest) -> HttpResponse:
    """A file of baselines, imported at once (it is small: one row per town and indicator). The upload form
    is on the baselines page, where a GET (a bookmark, a reload after an error) is sent back."""
    campaign = _baseline_campaign(request)
    if request.method == "GET":
        return redirect("baselines")
    upload = BaselineUploadForm(request.POST, request.FILES)
    if upload.is_valid():
        file = upload.cleaned_data["file"]
        with upload_on_disk(file) as path:
            try:
                outcome = baselines_import(
                    campaign=campaign, path=path, original_name=file.name, uploaded_by=request.user
                )
            except FileProblem as problem:
                upload.add_error("file", problem.message)
            else:
                data_import = outcome.data_import
                text = _("已导入“%(name)s”：%(updated)d 个基数，其中 %(unchanged)d 个与原值相同") % {
                    "name": data_import.file_name,
                    "updated": data_import.updated,
                    "unchanged": outcome.unchanged,
                }
                if data_import.rejected:
                    messages.warning(
                        request,
                        format_html(
                            _('{text}；{rejected} 行未导入，<a href="{url}">查看原因</a>'),
                            text=text,
                            rejected=data_import.rejected,
                            url=reverse("data-import-detail", args=[data_import.pk]),
                        ),
                    )
                else:
                    messages.success(request, text)
                return redirect("baselines")
    form = BaselineGridForm(grid=baseline_grid(campaign=campaign))
    return _baselines_render(request, campaign, form, upload, status=400)


@login_required
@require_GET
def baselines_template(request: HttpRequest) -> HttpResponse:
    """The baselines upload's template: 镇（街道）, 指标, 基数 and an example row."""
    _baseline_campaign(request)
    return import_template_response(
        request, title=_("目标任务基数"), columns=BASELINE_COLUMNS, what="baselines_template"
    )


# --- a prefecture's plan: the targets it sets its counties ----------------------------------------------------


def _plan_region(request: HttpRequest, perm: str) -> Region:
    """The region of an account above a county holding ``perm``: a county's own staff have no plan pages."""
    user = request.user
    if not (user.region_id and user.has_perm(perm)):
        raise PermissionDenied
    return user.region


@login_required
@require_GET
def region_plans_page(request: HttpRequest) -> HttpResponse:
    """The plans of the user's region (a prefecture's; a province's office sees its prefectures'), each with
    the targets it sets."""
    region = _plan_region(request, "campaigns.view_regionplan")
    plans = list(RegionPlan.objects.for_user(request.user).select_related("region"))
    lines = region_plan_lines(plans=plans)
    context = {
        "region": region,
        "plans": [(plan, lines.get(plan.pk, [])) for plan in plans],
        "may_upload": request.user.has_perm("campaigns.add_regionplan"),
    }
    return render(request, "targets/region_plans.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def region_plan_upload(request: HttpRequest) -> HttpResponse:
    """Load a prefecture's plan from a file, whole or not at all; loading the same plan (year and name) again
    replaces its targets. Every refused row is named on the form."""
    region = _plan_region(request, "campaigns.add_regionplan")
    form = RegionPlanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        file = data["file"]
        with upload_on_disk(file) as path:
            try:
                loaded = region_plan_load(
                    region=region,
                    name=data["name"],
                    year=data["year"],
                    document_number=data["document_number"],
                    start=data["start"],
                    target_date=data["target_date"],
                    path=path,
                    original_name=file.name,
                    user=request.user,
                )
            except PlanError as error:
                for message in error.shown():
                    form.add_error(None, message)
            else:
                messages.success(request, loaded.message)
                return redirect("region-plans")
    templates = template_links([(_("市（州）目标任务"), reverse("region-plan-template"), PLAN_COLUMNS)])
    context = {"region": region, "form": form, "import_templates": templates}
    return render(request, "targets/region_plan_upload.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def region_plan_template(request: HttpRequest) -> HttpResponse:
    """The plan's template: 县（市、区）, 指标, 目标值, 基数, 备注 and an example row."""
    _plan_region(request, "campaigns.add_regionplan")
    return import_template_response(
        request, title=_("市（州）目标任务"), columns=PLAN_COLUMNS, what="region_plan_template"
    )
