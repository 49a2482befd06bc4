"""The public JSON API of the queue: ``/api/entries/`` and ``/api/entries/<id>/``.

Plain Django views in the one API style (`campaigns.api`): 401 JSON when not logged in, 403 without the
queue permission; an entry outside the user's scope is a 404, as if absent.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from audit.services import Action, audit_record
from campaigns.api import api_view, json_response
from enrolment.filters import EntryFilter
from enrolment.models import ListKind, PushEntry
from enrolment.selectors import entries_for, entry_detail_json, entry_in_scope, entry_json
from enrolment.views.entries import VIEW_PERMISSION

PAGE_SIZE = 50


_api_view = api_view(VIEW_PERMISSION, permission_detail=gettext_lazy("您没有查看推送清单的权限"))


def _page_number(value: str | None) -> int:
    try:
        return max(int(value or 1), 1)
    except ValueError:
        return 1


@require_GET
@_api_view
def api_entry_list(request: HttpRequest) -> JsonResponse:
    user = request.user
    unmasked = user.sees_personal_data
    filterset = EntryFilter(request.GET, queryset=entries_for(user), user=user, with_choices=False)
    queryset = filterset.qs.order_by("id")
    page = _page_number(request.GET.get("page"))
    # Exact: API consumers rely on it. One COUNT over the filtered, indexed rows.
    count = queryset.count()
    start = (page - 1) * PAGE_SIZE
    entries = list(queryset[start : start + PAGE_SIZE]) if start < count else []
    next_url = None
    if start + PAGE_SIZE < count:
        params = request.GET.copy()
        params["page"] = str(page + 1)
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    if unmasked and any(entry.kind not in ListKind.employer_kinds() for entry in entries):
        audit_record(
            action=Action.LIST,
            what=f"API 推送清单：{filterset.summary()}",
            request=request,
            rows=len(entries),
            unmasked=True,
        )
    return json_response(
        {"count": count, "next": next_url, "results": [entry_json(e, unmasked=unmasked) for e in entries]}
    )


@require_GET
@_api_view
def api_entry_detail(request: HttpRequest, pk: int) -> JsonResponse:
    user = request.user
    try:
        entry = entry_in_scope(user, pk)
    except PushEntry.DoesNotExist:
        raise Http404 from None
    unmasked = user.sees_personal_data
    audit_record(action=Action.VIEW, what=f"API entry:{entry.pk}", request=request, rows=1, unmasked=unmasked)
    return json_response(entry_detail_json(entry, unmasked=unmasked))
