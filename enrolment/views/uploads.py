"""What every kind of uploaded file shares on the web: its progress as JSON and its rejected rows."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.http import personal_file_response
from campaigns.xlsx import XLSX_CONTENT_TYPE
from enrolment.models import Batch, ImportBase, ImportStatus, RegionBatch
from enrolment.services.pushlist_import import ImportRefused
from enrolment.tabular import Column
from enrolment.workbooks import copy_rejected_workbook, write_import_template


def upload_progress_json(upload: ImportBase, *, rows_done: int, rows_total: int, **counts: int) -> dict[str, object]:
    if upload.status == ImportStatus.DONE:
        percent: int | None = 100
    elif rows_total:
        percent = min(99, rows_done * 100 // rows_total)
    else:
        percent = None  # still reading: the number of rows is not known yet
    return {
        "id": upload.pk,
        "status": upload.status,
        "status_label": upload.get_status_display(),
        "rows_done": rows_done,
        "rows_total": rows_total,
        "percent": percent,
        **counts,
        "rejected": upload.rejected,
        "finished": upload.status in (ImportStatus.DONE, ImportStatus.FAILED),
        "error": upload.error,
    }


def upload_submitted(
    request: HttpRequest, form: forms.Form, submit: Callable[..., ImportBase], *, message: str, detail: str, **scope
) -> HttpResponse | None:
    """Submit a valid upload form's file (``submit`` is a service like `batch_submit`, given ``scope``) and go to
    its page; None, with the refusal on the form's file field, when the service refuses it."""
    upload = form.cleaned_data["file"]
    try:
        row = submit(
            **scope,
            kind=form.cleaned_data["kind"],
            upload=upload,
            file_name=upload.name,
            label=form.cleaned_data["label"],
            uploaded_by=request.user,
        )
    except ImportRefused as refused:
        form.add_error("file", refused.message)
        return None
    messages.success(request, message % {"label": row.label})
    return redirect(detail, pk=row.pk)


def rejected_rows_response(request: HttpRequest, upload: ImportBase, *, what: str, filename: str) -> HttpResponse:
    """The rejected rows of an upload: full ID numbers and phones only for a user who may see them (查看完整个人
    信息), masked for everyone else; recorded with its row count. The caller has checked access to the upload."""
    if not upload.rejected_file:
        raise Http404
    unmasked = request.user.may_reveal_personal_data
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    try:
        rows = copy_rejected_workbook(Path(upload.rejected_file.path), target, unmasked=unmasked, author=request.user)
    except FileNotFoundError as missing:
        target.close()
        raise Http404 from missing
    target.seek(0)
    return personal_file_response(
        request,
        target,
        filename=filename,
        what=what,
        rows=rows,
        unmasked=unmasked,
        content_type=XLSX_CONTENT_TYPE,
    )


def push_list_progress_json(batch: Batch | RegionBatch, rows: tuple[int, int]) -> dict[str, object]:
    """A push-list upload's progress (a county's batch or a region's upload): its rows and its counts."""
    return upload_progress_json(
        batch, rows_done=rows[0], rows_total=rows[1], imported=batch.imported, duplicates=batch.duplicates
    )


def push_list_rejected_response(request: HttpRequest, batch: Batch | RegionBatch, *, audit_as: str) -> HttpResponse:
    """A push-list upload's rejected rows, named after its label and the day; logged as ``<audit_as>:<pk>``."""
    return rejected_rows_response(
        request,
        batch,
        what=f"{audit_as}:{batch.pk}:rejected",
        filename=_("%(name)s_未导入的行_%(day)s.xlsx")
        % {"name": batch.label, "day": f"{timezone.localdate():%Y-%m-%d}"},
    )


def import_template_response(request: HttpRequest, *, title: str, columns: Sequence[Column], what: str) -> HttpResponse:
    """An importer's template (its headers and an example row) as a download, on record like every download."""
    content = write_import_template(title=title, columns=columns, author=request.user)
    return personal_file_response(
        request,
        content,
        filename=_("%(title)s_导入模板.xlsx") % {"title": title},
        what=what,
        rows=0,
        unmasked=False,
        content_type=XLSX_CONTENT_TYPE,
    )


def template_links(items: Sequence[tuple[str, str, Sequence[Column]]]) -> list[dict[str, object]]:
    """For an upload page: each template's label, download URL, and its required and optional columns."""
    return [
        {
            "label": label,
            "url": url,
            "required": [column.label for column in columns if column.required],
            "optional": [column.label for column in columns if not column.required],
        }
        for label, url, columns in items
    ]
