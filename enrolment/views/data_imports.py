"""Department data uploads: the upload page (admins), the list and each upload's page (admins and the office)."""

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
from enrolment.forms.data_imports import DataImportUploadForm
from enrolment.models import DataImport, ImportStatus
from enrolment.services.data_imports import IMPORTERS, columns_for_source, data_import_submit
from enrolment.views.uploads import (
    import_template_response,
    rejected_rows_response,
    template_links,
    upload_progress_json,
)


def _imports_for(user: User):
    if not user.has_perm("enrolment.view_dataimport"):
        raise PermissionDenied
    return DataImport.objects.for_user(user).select_related("uploaded_by")


def _import_for(user: User, pk: int) -> DataImport:
    return get_object_or_404(_imports_for(user), pk=pk)


def _payload(data_import: DataImport) -> dict[str, object]:
    return upload_progress_json(
        data_import,
        rows_done=data_import.rows_done,
        rows_total=data_import.rows_total,
        created=data_import.created,
        updated=data_import.updated,
    )


@login_required
@require_GET
def data_import_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(_imports_for(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "enrolment/data_import_list.html",
        {"page": page, "can_upload": request.user.has_perm("enrolment.add_dataimport")},
    )


@login_required
@require_GET
def data_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    data_import = _import_for(request.user, pk)
    return render(
        request,
        "enrolment/data_import_detail.html",
        {
            "data_import": data_import,
            "in_progress": data_import.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        },
    )


@never_cache
@require_GET
@api_view("enrolment.view_dataimport")
def data_import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    return json_response(_payload(_import_for(request.user, pk)))


@login_required
@require_GET
def data_import_rejected(request: HttpRequest, pk: int) -> FileResponse:
    data_import = _import_for(request.user, pk)
    stem = data_import.file_name.rsplit(".", 1)[0]
    return rejected_rows_response(
        request,
        data_import,
        what=f"data_import:{data_import.pk}:rejected",
        filename=_("%(name)s_未导入的行_%(day)s.xlsx") % {"name": stem, "day": f"{timezone.localdate():%Y-%m-%d}"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def data_import_upload(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("enrolment.add_dataimport"):
        raise PermissionDenied
    campaign = campaign_for(request.user)
    form = DataImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data_import = data_import_submit(
            campaign=campaign,
            source=form.cleaned_data["source"],
            upload=form.cleaned_data["file"],
            uploaded_by=request.user,
        )
        messages.success(request, _("已上传“%(name)s”，正在后台导入") % {"name": data_import.file_name})
        return redirect("data-import-detail", pk=data_import.pk)
    templates = template_links(
        [
            (str(label), reverse("data-import-template", args=[source]), columns_for_source(source))
            for source, label in DataImport.Source.choices
            if source in IMPORTERS
        ]
    )
    context = {"form": form, "campaign": campaign, "import_templates": templates}
    return render(request, "enrolment/data_import_upload.html", context)


@login_required
@require_GET
def data_import_template(request: HttpRequest, source: str) -> HttpResponse:
    """A data upload's template for one source: the headers the import reads and an example row."""
    if not request.user.has_perm("enrolment.add_dataimport"):
        raise PermissionDenied
    if source not in IMPORTERS:
        raise Http404
    return import_template_response(
        request,
        title=str(DataImport.Source(source).label),
        columns=columns_for_source(source),
        what=f"data_import_template:{source}",
    )
