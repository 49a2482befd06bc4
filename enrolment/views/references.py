"""Department data (reference lists): the list and upload page, each list's page with its progress, the file
as uploaded, its rejected rows, and an empty template per kind. For department staff (their own department's
lists and kinds) and admins (their county's)."""

from __future__ import annotations

import io
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from audit.http import personal_file_response
from campaigns.api import api_view, json_response
from campaigns.models import User
from campaigns.selectors import campaign_for
from campaigns.xlsx import XLSX_CONTENT_TYPE, XlsxWriter
from enrolment.forms.references import ReferenceUploadForm
from enrolment.models import EntryMatch, EntrySuggestion, ImportStatus, ReferenceKind, ReferenceList
from enrolment.services.references import (
    ReferenceRefused,
    kinds_for,
    reference_progress,
    reference_submit,
    template_rows,
)
from enrolment.views.uploads import rejected_rows_response, upload_progress_json

VIEW_PERMISSION = "enrolment.view_referencelist"


def _lists_for(user: User):
    if not user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    return ReferenceList.objects.for_user(user).select_related("department", "uploaded_by")


def _list_for(user: User, pk: int) -> ReferenceList:
    return get_object_or_404(_lists_for(user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def reference_list(request: HttpRequest) -> HttpResponse:
    """The user's lists, newest first, and the upload form for the kinds they may upload."""
    user = request.user
    lists = _lists_for(user)
    campaign = campaign_for(user)
    kinds = kinds_for(user, campaign)
    form = ReferenceUploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST":
        if not kinds:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                reference_list = reference_submit(
                    campaign=campaign,
                    kind=form.cleaned_data["kind"],
                    as_of=form.cleaned_data["as_of"],
                    upload=upload,
                    file_name=upload.name,
                    uploaded_by=user,
                )
            except ReferenceRefused as refused:
                form.add_error("file", refused.message)
            except PermissionDenied as denied:
                form.add_error("kind", str(denied))
            else:
                messages.success(request, _("已上传“%(name)s”，正在后台导入") % {"name": reference_list.file_name})
                return redirect("reference-detail", pk=reference_list.pk)
    page = Paginator(lists.filter(campaign=campaign), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form,
        "kinds": [(kind, ReferenceKind(kind).label) for kind in kinds],
        "campaign": campaign,
    }
    return render(request, "enrolment/reference_list.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def reference_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reference_list = _list_for(request.user, pk)
    rows_done, rows_total = reference_progress(reference_list)
    decided = EntrySuggestion.objects.filter(reference_list=reference_list)
    context = {
        "reference_list": reference_list,
        "rows_done": rows_done,
        "rows_total": rows_total,
        "in_progress": reference_list.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        "matched": EntryMatch.objects.filter(reference_list=reference_list).count() + decided.count(),
        "accepted": decided.filter(status=EntrySuggestion.Status.ACCEPTED).count(),
    }
    return render(request, "enrolment/reference_detail.html", context)


@never_cache
@require_GET
@api_view(VIEW_PERMISSION)
def reference_progress_json(request: HttpRequest, pk: int) -> JsonResponse:
    reference_list = _list_for(request.user, pk)
    rows_done, rows_total = reference_progress(reference_list)
    return json_response(
        upload_progress_json(
            reference_list,
            rows_done=rows_done,
            rows_total=rows_total,
            imported=reference_list.imported,
            duplicates=reference_list.duplicates,
        )
    )


@login_required
@require_GET
def reference_file(request: HttpRequest, pk: int) -> FileResponse:
    """The file as its department uploaded it (full ID numbers): its department and admins, on record."""
    reference_list = _list_for(request.user, pk)
    try:
        handle = reference_list.file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404 from missing
    return personal_file_response(
        request,
        handle,
        filename=f"{reference_list.get_kind_display()}-{reference_list.as_of:%Y%m%d}{Path(reference_list.file_name).suffix}",
        what=f"reference_list:{reference_list.pk}",
        rows=reference_list.imported,
        unmasked=True,
        content_type=XLSX_CONTENT_TYPE if reference_list.file_name.lower().endswith(".xlsx") else "text/csv",
    )


@login_required
@require_GET
def reference_rejected(request: HttpRequest, pk: int) -> FileResponse:
    reference_list = _list_for(request.user, pk)
    return rejected_rows_response(
        request,
        reference_list,
        what=f"reference_list:{reference_list.pk}:rejected",
        filename=f"{reference_list.get_kind_display()}-未导入的行.xlsx",
    )


@login_required
@require_GET
def reference_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An xlsx with a kind's headers and one example row."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    if kind not in ReferenceKind.values:
        raise Http404
    headers, example = template_rows(kind)
    writer = XlsxWriter(title=_("%(kind)s模板") % {"kind": ReferenceKind(kind).label}, author=request.user)
    sheet = writer.sheet(str(ReferenceKind(kind).label))
    sheet.widths([22 if n == 0 else 16 for n in range(len(headers))])
    sheet.header(headers)
    sheet.append(example)
    buffer = io.BytesIO()
    writer.save(buffer)
    return personal_file_response(
        request,
        buffer.getvalue(),
        filename=f"{ReferenceKind(kind).label}-模板.xlsx",
        what=f"reference_template:{kind}",
        rows=0,
        unmasked=False,
        content_type=XLSX_CONTENT_TYPE,
    )
