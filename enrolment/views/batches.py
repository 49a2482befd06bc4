"""Push-list batches: the upload page (admins), the batch list and batch page (admins and the office)."""

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
from campaigns.selectors import campaign_for
from enrolment.forms.batches import BatchUploadForm
from enrolment.models import Batch, ImportStatus, ListKind
from enrolment.selectors import batch_funnel
from enrolment.services.pushlist_import import batch_progress, batch_submit, columns_for
from enrolment.views.region_batches import region_batches_allowed
from enrolment.views.uploads import (
    import_template_response,
    push_list_progress_json,
    push_list_rejected_response,
    template_links,
    upload_submitted,
)


def _batches_for(user: User):
    if not user.has_perm("enrolment.view_batch"):
        raise PermissionDenied
    return Batch.objects.for_user(user).select_related("uploaded_by")


def _batch_for(user: User, pk: int) -> Batch:
    return get_object_or_404(_batches_for(user), pk=pk)


@login_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(_batches_for(request.user), 50).get_page(request.GET.get("page"))
    links = []
    if region_batches_allowed(request.user, "enrolment.view_regionbatch"):
        # A prefecture's office pushes lists to all its counties at once from there.
        links.append({"label": _("全市推送批次"), "url": reverse("region-batch-list"), "testid": "region-batches-link"})
    if request.user.has_perm("enrolment.add_batch"):
        links.append({"label": _("上传推送清单"), "url": reverse("batch-upload"), "testid": "upload-link"})
    context = {
        "page": page,
        "title": _("推送批次"),
        "links": links,
        "detail_route": "batch-detail",
        "empty": _("还没有推送批次"),
    }
    return render(request, "enrolment/batch_list.html", context)


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request.user, pk)
    rows_done, rows_total = batch_progress(batch)
    return render(
        request,
        "enrolment/batch_detail.html",
        {
            "batch": batch,
            "funnel": batch_funnel(batch=batch) if batch.status == ImportStatus.DONE else None,
            "rows_done": rows_done,
            "rows_total": rows_total,
            "in_progress": batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        },
    )


@never_cache
@require_GET
@api_view("enrolment.view_batch")
def batch_progress_json(request: HttpRequest, pk: int) -> JsonResponse:
    batch = _batch_for(request.user, pk)
    return json_response(push_list_progress_json(batch, batch_progress(batch)))


@login_required
@require_GET
def batch_rejected(request: HttpRequest, pk: int) -> FileResponse:
    """The rejected rows of a batch as uploaded (unmasked personal data): access-checked and logged."""
    return push_list_rejected_response(request, _batch_for(request.user, pk), audit_as="batch")


@login_required
@require_http_methods(["GET", "POST"])
def batch_upload(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("enrolment.add_batch"):
        raise PermissionDenied
    campaign = campaign_for(request.user)
    form = BatchUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        submitted = upload_submitted(
            request,
            form,
            batch_submit,
            message=_("已上传“%(label)s”，正在后台导入"),
            detail="batch-detail",
            campaign=campaign,
        )
        if submitted is not None:
            return submitted
    templates = template_links(
        [(str(label), reverse("batch-template", args=[kind]), columns_for(kind)) for kind, label in ListKind.choices]
    )
    context = {"form": form, "campaign": campaign, "import_templates": templates}
    return render(request, "enrolment/batch_upload.html", context)


@login_required
@require_GET
def batch_template(request: HttpRequest, kind: str) -> HttpResponse:
    """A push list's template for one kind: the headers the import reads and an example row."""
    if not request.user.has_perm("enrolment.add_batch"):
        raise PermissionDenied
    if kind not in ListKind.values:
        raise Http404
    return import_template_response(
        request, title=str(ListKind(kind).label), columns=columns_for(kind), what=f"batch_template:{kind}"
    )
