"""Progress: the JSON API and the page, published to every unit of the county (rankings are public); the
baselines page of the office and admins."""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.models import Campaign, User
from campaigns.params import ParamError, date_param
from enrolment.tabular import FileProblem
from targets.charts import completion_bars
from targets.forms import BaselineGridForm, BaselineUploadForm
from targets.selectors import baseline_grid, baseline_history, campaign_progress
from targets.services import BaselineError, baselines_import, baselines_set


class BadRequest(ValueError):
    pass


def _as_of(request: HttpRequest, campaign: Campaign) -> datetime.date:
    # A date outside 1900–2100 (0001-01-01) or not YYYY-MM-DD is a 400 in Chinese, never a 500.
    try:
        day = date_param(request.GET, "as_of")
    except ParamError as error:
        raise BadRequest(error.message) from None
    return day or campaign.default_as_of()


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


def _baseline_campaign(request: HttpRequest) -> Campaign:
    if not request.user.has_perm("targets.set_baseline"):
        raise PermissionDenied
    campaign = Campaign.objects.for_user(request.user).current()
    if campaign is None:
        raise Http404(_("还没有专项行动"))
    return campaign


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
        with tempfile.NamedTemporaryFile(suffix=Path(file.name).suffix.lower()) as handle:
            for chunk in file.chunks():
                handle.write(chunk)
            handle.flush()
            try:
                outcome = baselines_import(
                    campaign=campaign, path=handle.name, original_name=file.name, uploaded_by=request.user
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
                            '{}；{} 行未导入，<a href="{}">查看原因</a>',
                            text,
                            data_import.rejected,
                            reverse("data-import-detail", args=[data_import.pk]),
                        ),
                    )
                else:
                    messages.success(request, text)
                return redirect("baselines")
    form = BaselineGridForm(grid=baseline_grid(campaign=campaign))
    return _baselines_render(request, campaign, form, upload, status=400)
