"""What every kind of uploaded file shares on the web: its progress as JSON and its rejected rows."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest

from audit.http import personal_file_response
from campaigns.xlsx import XLSX_CONTENT_TYPE
from enrolment.models import ImportBase, ImportStatus


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


def rejected_rows_response(request: HttpRequest, upload: ImportBase, *, what: str, filename: str) -> FileResponse:
    """The rejected rows as uploaded (unmasked personal data): the caller has checked access; this logs it."""
    if not upload.rejected_file:
        raise Http404
    try:
        handle = upload.rejected_file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return personal_file_response(
        request,
        handle,
        filename=filename,
        what=what,
        rows=upload.rejected,
        unmasked=True,
        content_type=XLSX_CONTENT_TYPE,
    )
