"""The door for files and pages that carry personal data: logged, and never kept by a browser or proxy."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import content_disposition_header

from audit.services import Action, audit_record


def no_store(response: HttpResponse) -> HttpResponse:
    """``Cache-Control: no-store``: nothing of this answer may be kept (disk cache, proxy, back button)."""
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, private=True)
    return response


def personal_file_response(
    request: HttpRequest,
    handle: IO[bytes] | bytes,
    *,
    filename: str,
    what: str,
    rows: int,
    unmasked: bool,
    content_type: str,
    action: str = Action.DOWNLOAD,
) -> HttpResponse:
    """Send a file of personal data (an export, a download), having recorded who took it, how many rows, whether
    unmasked. ``handle``: an open file (streamed) or the file's bytes (sent in one piece)."""
    audit_record(action=action, what=what, request=request, rows=rows, unmasked=unmasked)
    if isinstance(handle, bytes):
        response: HttpResponse = HttpResponse(handle, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    else:
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    no_store(response)
    return response
