"""The bulletin pages: the list of months, a month's bulletin (the office edits and publishes the draft; every
unit reads it once published), its print page, xlsx and docx; the accountability leads and a confirmed one's xlsx."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from audit.http import personal_file_response
from audit.services import Action
from bulletins.documents import write_bulletin_document
from bulletins.forms import BulletinSettingsForm, LeadDecisionForm, parse_decisions
from bulletins.models import MANAGE_PERMISSION, AccountabilityLead, Bulletin, Verdict
from bulletins.selectors import (
    bulletin_for,
    bulletin_months,
    bulletin_units,
    campaign_leads,
    month_from_key,
    settings_for,
)
from bulletins.services import (
    bulletin_open,
    bulletin_publish,
    bulletin_regenerate,
    bulletin_settings_save,
    bulletin_update,
    lead_confirm,
    lead_dismiss,
)
from bulletins.tables import LeadTable, RankingTable, ReportTable
from bulletins.workbooks import write_bulletin_workbook, write_lead_workbook
from campaigns.models import Campaign
from campaigns.selectors import campaign_for
from campaigns.xlsx import XLSX_CONTENT_TYPE

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _writer(request: HttpRequest) -> bool:
    return request.user.has_perm(MANAGE_PERMISSION)


def _bulletin(request: HttpRequest, month: str, *, generate: bool = False) -> tuple[Campaign, Bulletin]:
    """The month's bulletin the user may read: the office gets the draft (generated the first time with
    ``generate``), everyone else only a published one; 404 otherwise."""
    campaign = campaign_for(request.user, request.GET.get("campaign"))
    day = month_from_key(campaign, month)
    if generate and _writer(request):
        return campaign, bulletin_open(campaign=campaign, month=day, user=request.user)
    bulletin = bulletin_for(user=request.user, campaign=campaign, month=day)
    if bulletin is None:
        raise Http404(_("该月通报尚未发布"))
    return campaign, bulletin


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_list(request: HttpRequest) -> HttpResponse:
    campaign = campaign_for(request.user, request.GET.get("campaign"))
    writer = _writer(request)
    settings_form = BulletinSettingsForm(instance=settings_for(campaign)) if writer else None
    if request.method == "POST":
        if not writer:
            raise PermissionDenied
        settings_form = BulletinSettingsForm(request.POST, instance=settings_for(campaign))
        if settings_form.is_valid():
            try:
                bulletin_settings_save(campaign=campaign, user=request.user, **settings_form.cleaned_data)
            except ValidationError as error:
                settings_form.add_error(None, error)
            else:
                messages.success(request, _("通报设置已保存。"))
                return redirect("bulletins:list")
    context = {
        "campaign": campaign,
        "months": bulletin_months(user=request.user, campaign=campaign),
        "writer": writer,
        "settings_form": settings_form,
    }
    return render(request, "bulletins/bulletin_list.html", context, status=400 if request.method == "POST" else 200)


def _page_context(request: HttpRequest, campaign: Campaign, bulletin: Bulletin) -> dict[str, object]:
    units = bulletin_units(bulletin)
    ranking = RankingTable(bulletin.snapshot, prefix="r-")
    RequestConfig(request, paginate=False).configure(ranking)
    reports = {
        kind: ReportTable(
            [row for row in bulletin.snapshot.get("reports", []) if row["kind"] == kind], prefix=f"{kind}-"
        )
        for kind in ("town", "department")
    }
    for table in reports.values():
        RequestConfig(request, paginate=False).configure(table)
    late = [row for row in bulletin.snapshot.get("reports", []) if row["status"] == "missing" or row.get("late")]
    return {
        "campaign": campaign,
        "bulletin": bulletin,
        "snapshot": bulletin.snapshot,
        "issuer": bulletin.snapshot.get("issuer") or settings_for(campaign).issuer,
        "units": units,
        "praised": [row for row in units if row.verdict == Verdict.PRAISE],
        "criticised": [row for row in units if row.verdict == Verdict.CRITICISM],
        "ranking": ranking,
        "town_reports": reports["town"],
        "department_reports": reports["department"],
        "late_reports": late,
        "writer": _writer(request) and not bulletin.is_published,
        "verdicts": Verdict.choices,
        "printed_at": timezone.now(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_detail(request: HttpRequest, month: str) -> HttpResponse:
    if request.method == "POST" and not _writer(request):
        raise PermissionDenied
    campaign, bulletin = _bulletin(request, month, generate=True)
    if request.method == "POST":
        action = request.POST.get("action") or next(
            (name for name in ("publish", "regenerate") if name in request.POST), "save"
        )
        try:
            if action == "regenerate":
                bulletin_regenerate(bulletin=bulletin, user=request.user)
                messages.success(request, _("已按最新数据重新生成。"))
            elif action in ("save", "publish"):
                bulletin_update(
                    bulletin=bulletin,
                    user=request.user,
                    title=request.POST.get("title"),
                    commentary=request.POST.get("commentary"),
                    decisions=parse_decisions(request.POST, bulletin_units(bulletin)),
                )
                if action == "publish":
                    bulletin = bulletin_publish(bulletin=bulletin, user=request.user)
                    messages.success(request, _("通报已发布：%(number)s") % {"number": bulletin.number})
                else:
                    messages.success(request, _("已保存。"))
            else:
                return HttpResponse(_("未知操作"), status=400, content_type="text/plain; charset=utf-8")
        except ValidationError as error:
            bulletin.refresh_from_db()
            context = _page_context(request, campaign, bulletin)
            context["errors"] = error.messages
            return render(request, "bulletins/bulletin_detail.html", context, status=400)
        return redirect("bulletins:detail", month=bulletin.key)
    return render(request, "bulletins/bulletin_detail.html", _page_context(request, campaign, bulletin))


@login_required
@require_GET
def bulletin_print(request: HttpRequest, month: str) -> HttpResponse:
    campaign, bulletin = _bulletin(request, month, generate=True)
    return render(request, "bulletins/bulletin_print.html", _page_context(request, campaign, bulletin))


def _filename(bulletin: Bulletin, suffix: str) -> str:
    return f"{bulletin.number or _('通报草稿')}_{bulletin.key}.{suffix}"


@login_required
@require_GET
def bulletin_xlsx(request: HttpRequest, month: str) -> HttpResponse:
    _campaign, bulletin = _bulletin(request, month, generate=True)
    units = bulletin_units(bulletin)
    return personal_file_response(
        request,
        write_bulletin_workbook(bulletin, units, author=request.user),
        filename=_filename(bulletin, "xlsx"),
        what=f"bulletin:{bulletin.pk}:{bulletin.key}:xlsx",
        rows=len(units),
        unmasked=False,
        content_type=XLSX_CONTENT_TYPE,
        action=Action.EXPORT,
    )


@login_required
@require_GET
def bulletin_docx(request: HttpRequest, month: str) -> HttpResponse:
    _campaign, bulletin = _bulletin(request, month, generate=True)
    units = bulletin_units(bulletin)
    return personal_file_response(
        request,
        write_bulletin_document(bulletin, units),
        filename=_filename(bulletin, "docx"),
        what=f"bulletin:{bulletin.pk}:{bulletin.key}:docx",
        rows=len(units),
        unmasked=False,
        content_type=DOCX_CONTENT_TYPE,
        action=Action.EXPORT,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_list(request: HttpRequest) -> HttpResponse:
    if not _writer(request):
        raise PermissionDenied
    campaign = campaign_for(request.user, request.GET.get("campaign"))
    form = LeadDecisionForm()
    status = 200
    if request.method == "POST":
        form = LeadDecisionForm(request.POST)
        if form.is_valid():
            lead = get_object_or_404(
                AccountabilityLead.objects.for_user(request.user).filter(campaign=campaign),
                pk=form.cleaned_data["lead"],
            )
            decide = lead_confirm if form.cleaned_data["action"] == "confirm" else lead_dismiss
            try:
                decide(lead=lead, user=request.user, note=form.cleaned_data["note"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("线索已处理：%(unit)s") % {"unit": lead.unit.name})
                return redirect("bulletins:leads")
        status = 400
    leads = campaign_leads(user=request.user, campaign=campaign)
    table = LeadTable(leads)
    RequestConfig(request, paginate=False).configure(table)
    context = {"campaign": campaign, "table": table, "leads": leads, "form": form}
    return render(request, "bulletins/lead_list.html", context, status=status)


@login_required
@require_GET
def lead_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    if not _writer(request):
        raise PermissionDenied
    lead = get_object_or_404(
        AccountabilityLead.objects.for_user(request.user).filter(status=AccountabilityLead.Status.CONFIRMED), pk=pk
    )
    return personal_file_response(
        request,
        write_lead_workbook(lead, author=request.user),
        filename=_("问责线索_%(unit)s.xlsx") % {"unit": lead.unit.name},
        what=f"lead:{lead.pk}:xlsx",
        rows=len(lead.evidence.get("months", [])),
        unmasked=False,
        content_type=XLSX_CONTENT_TYPE,
        action=Action.EXPORT,
    )
