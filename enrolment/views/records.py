"""Enrolment records: the scoped, filtered list (IDs masked), its xlsx export, and manual entry."""

from __future__ import annotations

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from audit.http import no_store, personal_file_response
from audit.services import Action
from campaigns.search_tokens import search_params, search_redirect_query
from campaigns.selectors import campaign_for
from campaigns.xlsx import XLSX_CONTENT_TYPE, Styled, XlsxWriter
from enrolment.filters import RecordFilter
from enrolment.forms.records import RecordForm
from enrolment.identifiers import mask_id_number
from enrolment.models import EnrolmentRecord
from enrolment.services.records import record_create

PAGE_SIZE = 50
VIEW_PERMISSION = "enrolment.view_enrolmentrecord"
# An export is a working list, not a dump: a county's year is well below this.
EXPORT_LIMIT = 200_000


def _filtered(request: HttpRequest) -> tuple[RecordFilter, object]:
    campaign = campaign_for(request.user)
    params, expired = search_params(request, request.GET)
    if expired:
        messages.warning(request, _("检索条件已失效，请重新输入姓名或证件号码"))
    records = (
        EnrolmentRecord.objects.for_user(request.user)
        .for_campaign(campaign)
        .select_related("town", "village")
        .order_by("-enrolled_on", "-id")
    )
    return RecordFilter(params, queryset=records, user=request.user), campaign


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def record_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # The filter form posts: a name or an ID number typed in it never goes into a URL (a token does).
        return redirect(f"{reverse('records')}?{search_redirect_query(request, request.POST)}")
    filterset, campaign = _filtered(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # Masked on the page for everyone; the export (on record) carries full numbers for those permitted.
    rows = [{"record": record, "id_number": mask_id_number(record.id_number)} for record in page]
    query = request.GET.copy()
    query.pop("page", None)
    return no_store(
        render(
            request,
            "enrolment/records_list.html",
            {
                "campaign": campaign,
                "filter": filterset,
                "page": page,
                "rows": rows,
                "page_query": f"{query.urlencode()}&" if query else "",
                "export_query": query.urlencode(),
                "can_add": request.user.has_perm("enrolment.add_enrolmentrecord"),
            },
        )
    )


RECORD_HEADERS = (
    gettext_lazy("姓名"),
    gettext_lazy("公民身份号码"),
    gettext_lazy("险种"),
    gettext_lazy("参保日期"),
    gettext_lazy("镇(街道)"),
    gettext_lazy("村(社区)"),
    gettext_lazy("个人缴费（元）"),
    gettext_lazy("城乡居民转入"),
    gettext_lazy("来源"),
)


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
@require_GET
def record_export(request: HttpRequest) -> HttpResponse:
    """The filtered records as a formatted workbook, through the audit door (IDs masked unless permitted)."""
    filterset, _campaign = _filtered(request)
    unmasked = request.user.sees_personal_data
    writer = XlsxWriter(title=_("参保记录"), author=request.user)
    sheet = writer.sheet(_("参保记录"))
    sheet.widths([12, 22, 24, 12, 14, 14, 12, 12, 12])
    sheet.print_setup(landscape=True, repeat_rows="1:1")
    sheet.freeze("A2")
    sheet.header(str(label) for label in RECORD_HEADERS)
    rows = 0
    for record in filterset.qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
        sheet.append(
            [
                record.name,
                record.id_number if unmasked else mask_id_number(record.id_number),
                record.get_insurance_display(),
                record.enrolled_on,
                record.town.name,
                record.village.name if record.village_id else "",
                Styled(record.contribution, number_format="#,##0.00") if record.contribution is not None else "",
                _("是") if record.is_transfer else "",
                record.get_source_display(),
            ]
        )
        rows += 1
    buffer = BytesIO()
    writer.save(buffer)
    return personal_file_response(
        request,
        buffer.getvalue(),
        filename=_("参保记录_%(day)s.xlsx") % {"day": f"{timezone.localdate():%Y-%m-%d}"},
        what=f"参保记录：{filterset.summary()}",
        rows=rows,
        unmasked=unmasked,
        content_type=XLSX_CONTENT_TYPE,
        action=Action.EXPORT,
    )


@login_required
@permission_required("enrolment.add_enrolmentrecord", raise_exception=True)
@require_http_methods(["GET", "POST"])
def record_new(request: HttpRequest) -> HttpResponse:
    campaign = campaign_for(request.user)
    form = RecordForm(request.POST or None, user=request.user, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            record_create(campaign=campaign, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("参保记录已保存"))
            return redirect("records")
    return render(request, "enrolment/record_form.html", {"campaign": campaign, "form": form})
