"""Acting on the matching's suggestions from the queue and the entry page (POST only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.search_tokens import search_params
from enrolment.filters import EntryFilter
from enrolment.forms.references import SuggestionBulkForm, SuggestionDismissForm
from enrolment.models import EntryMatch, EntrySuggestion, PushEntry
from enrolment.services.suggestions import (
    DECIDE_PERMISSION,
    suggestion_accept,
    suggestion_dismiss,
    suggestions_accept_bulk,
)


def _check(request: HttpRequest) -> None:
    if not request.user.has_perm(DECIDE_PERMISSION):
        raise PermissionDenied


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def suggestion_accept_view(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Accept the open suggestion of ``kind`` on entry ``pk``."""
    _check(request)
    try:
        suggestion_accept(user=request.user, entry_id=pk, kind=kind)
    except EntrySuggestion.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, _("已采纳比对提示，核查状态已更新"))
    return _back(request, reverse("entry-detail", args=[pk]))


@login_required
@require_POST
def suggestion_dismiss_view(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Dismiss the open suggestion of ``kind`` on entry ``pk`` with a reason."""
    _check(request)
    form = SuggestionDismissForm(request.POST)
    try:
        if not form.is_valid():
            # Out of scope stays a 404 even with no reason given.
            found = (
                model.objects.for_user(request.user).filter(entry_id=pk, kind=kind).exists()
                for model in (EntryMatch, EntrySuggestion)
            )
            if not any(found):
                raise EntrySuggestion.DoesNotExist
            messages.error(request, _("驳回比对提示时必须填写原因"))
        else:
            suggestion_dismiss(user=request.user, entry_id=pk, kind=kind, reason=form.cleaned_data["reason"])
            messages.success(request, _("已驳回比对提示"))
    except EntrySuggestion.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    return _back(request, reverse("entry-detail", args=[pk]))


@login_required
@require_POST
def suggestions_accept_bulk_view(request: HttpRequest) -> HttpResponse:
    """Accept every open suggestion of one kind on the queue's filtered selection (the filters as posted)."""
    _check(request)
    user = request.user
    form = SuggestionBulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要批量采纳的比对提示类型"))
        return _back(request, reverse("entry-list"))
    params, expired = search_params(request, request.POST)
    if expired:
        # Without its search text the selection would be wider than the one the user saw: refused.
        messages.error(request, _("检索条件已失效，请重新筛选后再批量采纳"))
        return _back(request, reverse("entry-list"))
    entries = EntryFilter(params, queryset=PushEntry.objects.for_user(user), user=user, with_choices=False).qs
    try:
        result = suggestions_accept_bulk(user=user, entries=entries, kind=form.cleaned_data["suggestion"])
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(
            request,
            _("已批量采纳 %(accepted)d 条比对提示；%(skipped)d 条未采纳（已处理或已变更）")
            % {"accepted": result.accepted, "skipped": result.skipped},
        )
    return _back(request, reverse("entry-list"))
