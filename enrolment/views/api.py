"""The public JSON API of the queue: ``/api/entries/`` and ``/api/entries/<id>/``.

Plain Django views. Unauthenticated requests get 401 JSON (no redirect to a login page), a user
without the queue permission 403 JSON; an entry outside the user's scope is a 404, as if absent.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from audit.services import Action, audit_record
from enrolment.filters import EntryFilter
from enrolment.models import ListKind, PushEntry
from enrolment.selectors import entries_for, entry_detail_json, entry_json
from enrolment.selectors import entry_detail as entry_detail_selector
from enrolment.views.entries import VIEW_PERMISSION

PAGE_SIZE = 50


def _api_view(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
        if not request.user.is_authenticated:
            return JsonResponse({"detail": "未登录或登录已过期"}, status=401)
        if not request.user.has_perm(VIEW_PERMISSION):
            return JsonResponse({"detail": "您没有查看推送清单的权限"}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _page_number(value: str | None) -> int:
    try:
        return max(int(value or 1), 1)
    except ValueError:
        return 1


@require_GET
@_api_view
def entry_list(request: HttpRequest) -> JsonResponse:
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
    return JsonResponse(
        {"count": count, "next": next_url, "results": [entry_json(e, unmasked=unmasked) for e in entries]},
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@_api_view
def entry_detail(request: HttpRequest, pk: int) -> JsonResponse:
    user = request.user
    try:
        entry = entry_detail_selector(user, pk)
    except PushEntry.DoesNotExist:
        return JsonResponse({"detail": "未找到"}, status=404)
    unmasked = user.sees_personal_data
    audit_record(action=Action.VIEW, what=f"API entry:{entry.pk}", request=request, rows=1, unmasked=unmasked)
    return JsonResponse(entry_detail_json(entry, unmasked=unmasked), json_dumps_params={"ensure_ascii": False})
