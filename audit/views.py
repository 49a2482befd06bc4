"""The access log for admins: browse and filter it (/audit/), take it away as xlsx (itself on record)."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from audit.forms import AccessLogFilterForm
from audit.http import no_store, personal_file_response
from audit.models import AccessLog
from audit.selectors import access_log_for
from audit.services import Action
from campaigns.xlsx import XLSX_CONTENT_TYPE, XlsxWriter

VIEW_PERMISSION = "audit.view_accesslog"
PAGE_SIZE = 50
EXPORT_HEADERS = (
    gettext_lazy("时间"),
    gettext_lazy("用户名"),
    gettext_lazy("IP 地址"),
    gettext_lazy("浏览器"),
    gettext_lazy("操作"),
    gettext_lazy("对象"),
    gettext_lazy("行数"),
    gettext_lazy("含完整个人信息"),
    gettext_lazy("结果"),
    gettext_lazy("说明"),
)


def _filtered(request: HttpRequest) -> tuple[AccessLogFilterForm, object]:
    form = AccessLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, access_log_for(request.user, filters=filters)


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    form, records = _filtered(request)
    if form.errors:
        return render(request, "audit/access_log.html", {"form": form, "page": None}, status=400)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "page_query": f"{query.urlencode()}&" if query else ""}
    return no_store(render(request, "audit/access_log.html", context))


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
@require_GET
def access_log_export(request: HttpRequest) -> HttpResponse | FileResponse:
    form, records = _filtered(request)
    if form.errors:
        return render(request, "audit/access_log.html", {"form": form, "page": None}, status=400)
    writer = XlsxWriter(title=_("访问日志"), author=request.user)
    sheet = writer.sheet(_("访问日志"))
    sheet.widths((18, 14, 16, 30, 16, 24, 8, 10, 8, 40))
    sheet.header(EXPORT_HEADERS)
    for record in records.iterator(chunk_size=2000):
        sheet.append(
            [
                record.at,
                record.username,
                record.ip or "",
                record.user_agent,
                record.get_action_display(),
                record.what,
                record.rows,
                _("是") if record.unmasked else _("否"),
                record.get_result_display(),
                record.detail,
            ]
        )
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    writer.save(target)
    target.seek(0)
    summary = (
        "，".join(f"{name}={value}" for name, value in form.cleaned_data.items() if value) if form.is_bound else ""
    )
    return personal_file_response(
        request,
        target,
        filename=_("访问日志_%(day)s.xlsx") % {"day": f"{timezone.localdate():%Y-%m-%d}"},
        what=f"audit:{summary or _('全部')}",
        rows=sheet.rows - 1,
        unmasked=False,
        content_type=XLSX_CONTENT_TYPE,
        action=Action.EXPORT,
    )


__all__ = ["AccessLog", "access_log", "access_log_export"]
