"""Push-list batches: the upload page (admins), the batch list and batch page (admins and the office)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.api import api_view, json_response
from campaigns.models import User
from campaigns.selectors import campaign_for
from enrolment.forms.batches import BatchUploadForm
from enrolment.models import Batch, ImportStatus, ListKind
from enrolment.selectors import batch_funnel
from enrolment.services.pushlist_import import ImportRefused, batch_progress, batch_submit, columns_for
from enrolment.views.uploads import (
    import_template_response,
    rejected_rows_response,
    template_links,
    upload_progress_json,
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
    return render(
        request,
        "enrolment/batch_list.html",
        {"page": page, "can_upload": request.user.has_perm("enrolment.add_batch")},
    )


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


def _batch_progress_json(batch: Batch) -> dict[str, object]:
    rows_done, rows_total = batch_progress(batch)
    return upload_progress_json(
        batch, rows_done=rows_done, rows_total=rows_total, imported=batch.imported, duplicates=batch.duplicates
    )


@never_cache
@require_GET
@api_view("enrolment.view_batch")
def batch_progress_json(request: HttpRequest, pk: int) -> JsonResponse:
    return json_response(_batch_progress_json(_batch_for(request.user, pk)))


@login_required
@require_GET
def batch_rejected(request: HttpRequest, pk: int) -> FileResponse:
    """The rejected rows of a batch as uploaded (unmasked personal data): access-checked and logged."""
    batch = _batch_for(request.user, pk)
    return rejected_rows_response(
        request,
        batch,
        what=f"batch:{batch.pk}:rejected",
        filename=_("%(name)s_未导入的行_%(day)s.xlsx")
        % {"name": batch.label, "day": f"{timezone.localdate():%Y-%m-%d}"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_upload(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("enrolment.add_batch"):
        raise PermissionDenied
    campaign = campaign_for(request.user)
    form = BatchUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = batch_submit(
                campaign=campaign,
                kind=form.cleaned_data["kind"],
                upload=upload,
                file_name=upload.name,
                label=form.cleaned_data["label"],
                uploaded_by=request.user,
            )
        except ImportRefused as refused:
            form.add_error("file", refused.message)
        else:
            messages.success(request, _("已上传“%(label)s”，正在后台导入") % {"label": batch.label})
            return redirect("batch-detail", pk=batch.pk)
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
