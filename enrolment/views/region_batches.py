"""A region's push list for all its counties (split by county on a worker): the upload page, the list and the
upload's page. Accounts above a county only: a county's own staff upload their batches on the batch pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.api import api_view, json_response
from campaigns.models import User
from enrolment.forms.batches import RegionBatchUploadForm
from enrolment.models import Batch, ImportStatus, ListKind, RegionBatch
from enrolment.services.pushlist_split import split_columns
from enrolment.services.region_batches import region_batch_progress, region_batch_submit
from enrolment.views.uploads import (
    import_template_response,
    push_list_progress_json,
    push_list_rejected_response,
    template_links,
    upload_submitted,
)


def region_batches_allowed(user: User, perm: str) -> bool:
    """Whether an account may do ``perm`` on region uploads: only an account above a county holding it."""
    return bool(user.region_id) and user.has_perm(perm)


def _check(user: User, perm: str) -> None:
    if not region_batches_allowed(user, perm):
        raise PermissionDenied


def _region_batch_for(user: User, pk: int) -> RegionBatch:
    _check(user, "enrolment.view_regionbatch")
    return get_object_or_404(RegionBatch.objects.for_user(user).select_related("region", "uploaded_by"), pk=pk)


@login_required
@require_GET
def region_batch_list(request: HttpRequest) -> HttpResponse:
    _check(request.user, "enrolment.view_regionbatch")
    region_batches = RegionBatch.objects.for_user(request.user).select_related("region", "uploaded_by")
    page = Paginator(region_batches, 50).get_page(request.GET.get("page"))
    links = []
    if request.user.has_perm("enrolment.add_regionbatch"):
        links.append(
            {"label": _("上传全市推送清单"), "url": reverse("region-batch-upload"), "testid": "region-upload-link"}
        )
    context = {
        "page": page,
        "title": _("全市推送批次"),
        "links": links,
        "detail_route": "region-batch-detail",
        "empty": _("还没有全市推送批次"),
    }
    return render(request, "enrolment/batch_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def region_batch_upload(request: HttpRequest) -> HttpResponse:
    _check(request.user, "enrolment.add_regionbatch")
    region = request.user.region
    form = RegionBatchUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        submitted = upload_submitted(
            request,
            form,
            region_batch_submit,
            message=_("已上传“%(label)s”，正在后台按县（市、区）拆分导入"),
            detail="region-batch-detail",
            region=region,
        )
        if submitted is not None:
            return submitted
    templates = template_links(
        [
            (str(label), reverse("region-batch-template", args=[kind]), split_columns(kind))
            for kind, label in ListKind.choices
        ]
    )
    context = {"form": form, "region": region, "import_templates": templates}
    return render(request, "enrolment/region_batch_upload.html", context)


@login_required
@require_GET
def region_batch_template(request: HttpRequest, kind: str) -> HttpResponse:
    """A region's push-list template for one kind: the county's own headers and the county column."""
    _check(request.user, "enrolment.add_regionbatch")
    if kind not in ListKind.values:
        raise Http404
    return import_template_response(
        request, title=str(ListKind(kind).label), columns=split_columns(kind), what=f"region_batch_template:{kind}"
    )


@login_required
@require_GET
def region_batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    region_batch = _region_batch_for(request.user, pk)
    rows_done, rows_total = region_batch_progress(region_batch)
    county_batches = (
        Batch.objects.for_user(request.user).filter(region_batch=region_batch).select_related("campaign__county")
    )
    return render(
        request,
        "enrolment/region_batch_detail.html",
        {
            "batch": region_batch,
            "county_batches": county_batches.order_by("campaign__county__division_code"),
            "rows_done": rows_done,
            "rows_total": rows_total,
            "in_progress": region_batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        },
    )


@never_cache
@require_GET
@api_view("enrolment.view_regionbatch")
def region_batch_progress_json(request: HttpRequest, pk: int) -> JsonResponse:
    region_batch = _region_batch_for(request.user, pk)
    return json_response(push_list_progress_json(region_batch, region_batch_progress(region_batch)))


@login_required
@require_GET
def region_batch_rejected(request: HttpRequest, pk: int) -> FileResponse:
    """The rows of a region's upload that went nowhere or were refused, numbered as in the file; logged."""
    return push_list_rejected_response(request, _region_batch_for(request.user, pk), audit_as="regionbatch")
