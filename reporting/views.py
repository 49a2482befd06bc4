"""Report filing (units), review and overview (office), supervision visits, notices and the JSON API.

Access: filing needs ``reporting.file_report`` and a unit; reviewing and the overview need
``reporting.review_report``; every report and attachment is fetched through ``Report.objects.for_user``
(anything outside the user's scope is a 404).
"""

from __future__ import annotations

import datetime
import mimetypes
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.http import personal_file_response
from audit.services import Action
from campaigns.api import ApiError, api_view, json_response
from campaigns.models import Campaign, User
from campaigns.selectors import campaign_for
from campaigns.xlsx import XLSX_CONTENT_TYPE, Styled, XlsxWriter
from reporting.forms import ReportForm, ReturnForm, ReviewForm, SupervisionVisitForm
from reporting.models import Notice, Report, ReportAttachment, ReportEvent, SupervisionVisit
from reporting.schedule import SHANGHAI, Period, PeriodError, all_periods, current_period, period_from_key
from reporting.selectors import (
    STATUS_LABELS,
    STATUS_STYLES,
    overview_rows,
    period_statuses,
    previous_period,
    report_display_figures,
    report_status,
    supervision_visits,
    unit_filter,
    unit_periods,
)
from reporting.services import (
    notice_dismiss,
    report_accept,
    report_attachment_delete,
    report_return,
    report_save,
    report_submit,
    reports_urge,
    supervision_visit_save,
)

# --- access helpers -------------------------------------------------------------------------------------


def _period(campaign: Campaign, key: str) -> Period:
    try:
        return period_from_key(campaign, key)
    except PeriodError as exc:
        raise Http404(str(exc)) from exc


def _filer(user: User) -> None:
    if not user.has_perm("reporting.file_report") or user.unit is None:
        raise PermissionDenied


def _reviewer(user: User) -> None:
    if not user.has_perm("reporting.review_report"):
        raise PermissionDenied


def _report_url(period: Period) -> str:
    return reverse("reporting:summary") if period.is_summary else reverse("reporting:report", args=[period.key])


# --- filing ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """A unit's periods; the office and admins are sent to the overview."""
    user = request.user
    if user.has_perm("reporting.review_report"):
        return redirect("reporting:overview-index")
    _filer(user)
    campaign = campaign_for(user)
    now = timezone.now()
    rows = unit_periods(campaign=campaign, unit=user.unit, now=now)
    visits = supervision_visits(user=user, campaign=campaign)
    return render(
        request,
        "reporting/report_list.html",
        {"campaign": campaign, "rows": rows, "unit": user.unit, "visits": visits},
    )


def _file(request: HttpRequest, period_key: str) -> HttpResponse:
    user = request.user
    campaign = campaign_for(user)
    period = _period(campaign, period_key)
    if user.unit is None and user.has_perm("reporting.review_report"):
        # The office and admins file nothing themselves: every unit's report for the period is on the overview.
        messages.info(request, _("各单位的%(period)s报告请在报送情况中查看。") % {"period": period.label})
        return redirect("reporting:overview", period=period.key)
    _filer(user)
    unit = user.unit
    report = Report.objects.for_user(user).for_period(period).filter(**unit_filter(unit)).first()
    editable = report is None or report.editable_by_unit
    if request.method == "POST" and not editable:
        # Refused, not redirected as if it had worked: the page as saved, with the reason, and a 409.
        messages.error(request, _("报告已报送，不能修改；如需修改请联系领导小组办公室退回。"))
        context = _report_context(report, period, unit, ReportForm(initial=_saved_texts(report)), editable)
        return render(request, "reporting/report_form.html", context, status=409)
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            submitted = data["action"] == "submit"
            removed = list(report.attachments.filter(pk__in=data["remove"])) if report and data["remove"] else []
            try:
                (report_submit if submitted else report_save)(
                    period=period,
                    unit=unit,
                    user=user,
                    progress=data["progress"],
                    problems=data["problems"],
                    measures=data["measures"],
                    files=data["attachments"],
                    remove=[a.pk for a in removed],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if removed:
                    names = "、".join(f"“{a.original_name}”" for a in removed)
                    messages.success(request, _("已删除附件%(names)s。") % {"names": names})
                messages.success(request, _("报告已报送。") if submitted else _("草稿已保存。"))
                return redirect(_report_url(period))
        if request.FILES:
            # A browser never re-fills a file input: say so rather than let the files vanish silently.
            form.add_error("attachments", _("所选附件尚未上传，请改正上述问题后重新选择附件。"))
    else:
        form = ReportForm(initial=_saved_texts(report))
    return render(request, "reporting/report_form.html", _report_context(report, period, unit, form, editable))


def _saved_texts(report: Report | None) -> dict[str, str]:
    return {name: getattr(report, name) for name in ("progress", "problems", "measures")} if report else {}


def _report_context(report: Report | None, period: Period, unit: object, form: object, editable: bool) -> dict:
    figures, frozen = report_display_figures(report=report, period=period, unit=unit)
    events = list(report.events.select_related("actor")) if report else []
    status = report_status(report, period, now=timezone.now())
    return {
        "report": report,
        "period": period,
        "unit": unit,
        "form": form,
        "editable": editable,
        "figures": figures,
        "figures_frozen": frozen,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "status_style": STATUS_STYLES[status],
        "late": period.is_late(report.first_submitted_at) if report else None,
        "attachments": list(report.attachments.all()) if report else [],
        "events": events,
        "return_event": next((e for e in reversed(events) if e.action == ReportEvent.Action.RETURN), None)
        if report and report.status == Report.Status.RETURNED
        else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, period: str) -> HttpResponse:
    return _file(request, period)


@login_required
@require_http_methods(["GET", "POST"])
def summary_detail(request: HttpRequest) -> HttpResponse:
    return _file(request, "summary")


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(
        ReportAttachment.objects.select_related("report__campaign"),
        pk=pk,
        report__in=Report.objects.for_user(request.user),
    )
    try:
        report_attachment_delete(attachment=attachment, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("附件已删除。"))
    return redirect(_report_url(attachment.report.schedule_period))


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(
        ReportAttachment.objects.select_related("report"), pk=pk, report__in=Report.objects.for_user(request.user)
    )
    report = attachment.report
    # A draft's attachments are as private as the draft: only its own unit reads them.
    if report.status == Report.Status.DRAFT and request.user.unit != report.unit:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("附件文件不存在。")) from exc
    return personal_file_response(
        request,
        handle,
        filename=attachment.original_name,
        what=f"attachment:{attachment.pk}",
        rows=0,
        unmasked=False,
        content_type=mimetypes.guess_type(attachment.original_name)[0] or "application/octet-stream",
    )


# --- reading and reviewing ------------------------------------------------------------------------------


@login_required
@require_GET
def report_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One report, read-only, with its history; the office also gets the return and accept forms."""
    report = get_object_or_404(
        Report.objects.for_user(request.user).select_related("campaign", "town", "department"), pk=pk
    )
    if report.status == Report.Status.DRAFT:
        # A draft is the unit's work in progress: the unit edits it on its filing page; nobody else reads it.
        if request.user.unit == report.unit:
            return redirect(_report_url(report.schedule_period))
        raise Http404
    context = _report_context(report, report.schedule_period, report.unit, None, False)
    context["can_review"] = request.user.has_perm("reporting.review_report") and (
        report.status == Report.Status.SUBMITTED
    )
    context["return_form"] = ReturnForm()
    context["accept_form"] = ReviewForm()
    return render(request, "reporting/report_view.html", context)


def _review(request: HttpRequest, pk: int, *, accept: bool) -> HttpResponse:
    _reviewer(request.user)
    report = get_object_or_404(Report.objects.for_user(request.user), pk=pk)
    form = (ReviewForm if accept else ReturnForm)(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("reporting:view", pk=report.pk)
    try:
        if accept:
            report_accept(report=report, user=request.user, comment=form.cleaned_data["comment"])
        else:
            report_return(report=report, user=request.user, comment=form.cleaned_data["comment"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已审核通过。") if accept else _("报告已退回。"))
    return redirect("reporting:view", pk=report.pk)


@login_required
@require_POST
def report_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, pk, accept=False)


@login_required
@require_POST
def report_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, pk, accept=True)


# --- the office's overview ------------------------------------------------------------------------------


@login_required
@require_GET
def overview_index(request: HttpRequest) -> HttpResponse:
    _reviewer(request.user)
    campaign = campaign_for(request.user)
    now = timezone.now()
    return render(
        request,
        "reporting/overview_index.html",
        {"campaign": campaign, "periods": all_periods(campaign), "current": current_period(campaign, now=now)},
    )


@login_required
@require_GET
def overview(request: HttpRequest, period: str) -> HttpResponse:
    _reviewer(request.user)
    campaign = campaign_for(request.user)
    schedule_period = _period(campaign, period)
    rows = overview_rows(period=schedule_period, now=timezone.now(), user=request.user)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.current.shown_label] = counts.get(row.current.shown_label, 0) + 1
    before = previous_period(schedule_period)
    return render(
        request,
        "reporting/overview.html",
        {
            "campaign": campaign,
            "period": schedule_period,
            "previous": before,
            "periods": all_periods(campaign),
            "rows": rows,
            "counts": counts,
            "to_urge": sum(1 for row in rows if row.urgeable and row.urged_at is None),
            "unsubmitted": sum(1 for row in rows if row.urgeable),
        },
    )


@login_required
@require_POST
def overview_urge(request: HttpRequest, period: str) -> HttpResponse:
    """催报: remind every unit that has not submitted; a unit urged today already is skipped."""
    _reviewer(request.user)
    campaign = campaign_for(request.user)
    schedule_period = _period(campaign, period)
    outcome = reports_urge(user=request.user, period=schedule_period, now=timezone.now())
    if outcome.urged:
        messages.success(
            request,
            _("已向 %(n)d 个未报单位发出催报通知（邮件 %(emails)d 封）：%(names)s")
            % {"n": len(outcome.urged), "emails": outcome.emails, "names": "、".join(u.name for u in outcome.urged)},
        )
    if outcome.already_today:
        messages.info(
            request,
            _("今天已催报过的单位不再重复催报：%(names)s")
            % {"names": "、".join(u.name for u in outcome.already_today)},
        )
    if not outcome.urged and not outcome.already_today:
        messages.info(request, _("所有单位均已报送，无需催报"))
    return redirect("reporting:overview", schedule_period.key)


OVERVIEW_HEADERS = (
    gettext_lazy("单位"),
    gettext_lazy("类别"),
    gettext_lazy("状态"),
    gettext_lazy("是否迟报"),
    gettext_lazy("首次报送时间"),
    gettext_lazy("最近报送时间"),
    gettext_lazy("工作进展情况"),
    gettext_lazy("存在问题"),
    gettext_lazy("对策措施"),
)


@login_required
@require_GET
def overview_export(request: HttpRequest, period: str) -> HttpResponse:
    _reviewer(request.user)
    campaign = campaign_for(request.user)
    schedule_period = _period(campaign, period)
    statuses = period_statuses(period=schedule_period, now=timezone.now(), user=request.user)
    title = _("%(campaign)s · %(period)s报告报送情况(截止 %(due)s)") % {
        "campaign": campaign.name,
        "period": schedule_period.label,
        "due": schedule_period.due_label,
    }
    writer = XlsxWriter(title=title, author=request.user)
    sheet = writer.sheet(schedule_period.key)
    sheet.widths((14, 10, 8, 8, 18, 18, 60, 40, 40))
    sheet.append([title])
    sheet.header(OVERVIEW_HEADERS)

    def local(moment: datetime.datetime | None) -> str:
        return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""

    def text(report: Report | None, name: str) -> Styled:
        # A draft is the unit's work in progress: its texts are not the office's to read.
        shown = getattr(report, name) if report and report.status != Report.Status.DRAFT else ""
        return Styled(shown, wrap=True)

    for row in statuses:
        report = row.report
        sheet.append(
            [
                row.unit.name,
                _("镇(街道)") if row.kind == "town" else _("市直部门"),
                row.shown_label,
                "" if row.late is None else (_("是") if row.late else _("否")),
                local(row.first_submitted_at),
                local(report.submitted_at if report else None),
                text(report, "progress"),
                text(report, "problems"),
                text(report, "measures"),
            ]
        )
    buffer = BytesIO()
    writer.save(buffer)
    return personal_file_response(
        request,
        buffer.getvalue(),
        filename=_("报送情况_%(period)s.xlsx") % {"period": schedule_period.key},
        what=f"reports:{schedule_period.key}",
        rows=len(statuses),
        unmasked=False,
        content_type=XLSX_CONTENT_TYPE,
        action=Action.EXPORT,
    )


# --- supervision (季督导) --------------------------------------------------------------------------------


@login_required
@require_GET
def supervision_list(request: HttpRequest) -> HttpResponse:
    """The office sees every unit per quarter (visited or not); a unit sees its own visits."""
    campaign = campaign_for(request.user)
    quarter = request.GET.get("quarter")
    quarter = int(quarter) if quarter in ("1", "2", "3", "4") else None
    visits = supervision_visits(user=request.user, campaign=campaign, quarter=quarter)
    return render(
        request,
        "reporting/supervision_list.html",
        {
            "campaign": campaign,
            "visits": visits,
            "quarter": quarter,
            "quarters": [1, 2, 3, 4],
            "can_record": request.user.has_perm("reporting.review_report"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def supervision_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _reviewer(request.user)
    campaign = campaign_for(request.user)
    visit = get_object_or_404(SupervisionVisit.objects.for_user(request.user), pk=pk) if pk else None
    form = SupervisionVisitForm(request.POST or None, instance=visit, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit = data.pop("unit")
        try:
            supervision_visit_save(visit=visit, campaign=campaign, user=request.user, unit=unit, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("督导记录已保存。"))
            return redirect(f"{reverse('reporting:supervision')}?quarter={data['quarter']}")
    return render(
        request,
        "reporting/supervision_form.html",
        {"form": form, "visit": visit, "campaign": campaign},
    )


# --- notices --------------------------------------------------------------------------------------------


@login_required
@require_POST
def notice_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.for_unit_user(request.user), pk=pk)
    notice_dismiss(notice=notice, user=request.user)
    return redirect("home")


# --- JSON API -------------------------------------------------------------------------------------------


@require_GET
@api_view("reporting.view_report", permission_detail=gettext_lazy("您没有查看报告的权限"))
def api_reports(request: HttpRequest) -> JsonResponse:
    """``GET /api/reports/?period=YYYY-MM`` (or ``period=summary``): each visible unit's status."""
    user = request.user
    campaign = campaign_for(user)
    try:
        period = period_from_key(campaign, request.GET.get("period"))
    except PeriodError as exc:
        raise ApiError(str(exc)) from exc
    statuses = period_statuses(period=period, now=timezone.now(), user=user)
    return json_response(
        {"period": period.key, "due": period.due.isoformat(), "units": [row.as_json() for row in statuses]}
    )
