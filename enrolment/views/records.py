"""Enrolment records: the scoped list (IDs masked) and manual entry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campaigns.selectors import campaign_for
from enrolment.forms.records import RecordForm
from enrolment.identifiers import mask_id_number
from enrolment.models import EnrolmentRecord, Insurance
from enrolment.services.records import record_create

PAGE_SIZE = 50


@login_required
@permission_required("enrolment.view_enrolmentrecord", raise_exception=True)
def record_list(request: HttpRequest) -> HttpResponse:
    campaign = campaign_for(request.user)
    records = (
        EnrolmentRecord.objects.for_user(request.user)
        .for_campaign(campaign)
        .select_related("town", "village")
        .order_by("-enrolled_on", "-id")
    )
    insurance = request.GET.get("insurance", "")
    if insurance in Insurance.values:
        records = records.filter(insurance=insurance)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"record": record, "id_number": mask_id_number(record.id_number)} for record in page]
    return render(
        request,
        "enrolment/records_list.html",
        {
            "campaign": campaign,
            "page": page,
            "rows": rows,
            "insurance": insurance,
            "insurances": Insurance.choices,
            "can_add": request.user.has_perm("enrolment.add_enrolmentrecord"),
        },
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
