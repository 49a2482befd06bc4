"""What every kind of uploaded file shares on the web: its progress as JSON and its rejected rows."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from audit.http import personal_file_response
from campaigns.xlsx import XLSX_CONTENT_TYPE
from enrolment.models import ImportBase, ImportStatus
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
