"""The public JSON API of the queue: ``/api/entries/`` and ``/api/entries/<id>/``.

Plain Django views in the one API style (`campaigns.api`): 401 JSON when not logged in, 403 without the
queue permission; an entry outside the user's scope is a 404, as if absent.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, JsonResponse, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from audit.http import no_store
from audit.services import Action, audit_record
from campaigns.api import ApiError, api_view, json_response
from campaigns.params import int_param, page_param
from campaigns.search_tokens import search_redirect_query
from enrolment.filters import EntryFilter
from enrolment.models import ListKind, PushEntry
from enrolment.selectors import (
    entries_for,
    entries_page,
    entry_detail_json,
    entry_in_scope,
    entry_json,
    with_suggestions,
)
from enrolment.views.entries import VIEW_PERMISSION

PAGE_SIZE = 50


_api_view = api_view(VIEW_PERMISSION, permission_detail=gettext_lazy("您没有查看推送清单的权限"))


def _list_params(request: HttpRequest) -> tuple[QueryDict, bool]:
    """The filters of a list request: the query string for GET; for POST, the body (a form or a JSON object).

    POST keeps an ID number or a name out of the URL (and so out of every access log on the way).
    """
    if request.method != "POST":
        return request.GET, False
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise ApiError(_("请求体不是有效的 JSON")) from None
        if not isinstance(body, dict):
            raise ApiError(_('请求体应为 JSON 对象，例如 {"q": "张三", "status": "pending"}'))
        params = QueryDict(mutable=True)
        for name, value in body.items():
            params[str(name)] = "" if value is None else str(value)
        return params, True
    return request.POST, True


@csrf_exempt  # reads only; a session-authenticated client posts its filters like a GET's query string
@require_http_methods(["GET", "POST"])
@_api_view
def api_entry_list(request: HttpRequest) -> JsonResponse:
    user = request.user
    unmasked = user.sees_personal_data
    params, posted = _list_params(request)
    filterset = EntryFilter(params, queryset=entries_for(user), user=user, with_choices=False)
    queryset = filterset.qs.order_by("id")
    # ?after=<id>: the page after that entry (keyset: as fast on the last page as on the first);
    # ?page=<n> as before. Either way one row more than a page tells whether a next page exists.
    after = int_param(params, "after", minimum=0)
    page = page_param(params)
    if after is not None:
        queryset, start = queryset.filter(pk__gt=after), 0
    else:
        start = (page - 1) * PAGE_SIZE
    # From the entry counters when the filters allow it (kind, status, town), else counted up to a cap; the
    # page read within the counters' (town, status) pairs then.
    parts = filterset.counted_parts()
    count, exact = (sum(entries for _town, _status, entries in parts), True) if parts is not None else filterset.total()
    entries = entries_page(with_suggestions(queryset), parts=parts, start=start, stop=start + PAGE_SIZE + 1)
    more, entries = len(entries) > PAGE_SIZE, entries[:PAGE_SIZE]
    next_url = None
    if more:
        step = {"after": str(entries[-1].pk)} if after is not None else {"page": str(page + 1)}
        if posted:
            # The next page of a posted search: the filters in the URL, the search text behind a session token.
            query = search_redirect_query(request, params)
            step_query = urlencode(step)
            next_query = f"{query}&{step_query}" if query else step_query
        else:
            following = request.GET.copy()
            for name, value in step.items():
                following[name] = value
            next_query = following.urlencode()
        next_url = request.build_absolute_uri(f"{request.path}?{next_query}")
    if unmasked and any(entry.kind not in ListKind.employer_kinds() for entry in entries):
        audit_record(
            action=Action.LIST,
            what=_("API 推送清单：%(filters)s") % {"filters": filterset.summary()},
            request=request,
            rows=len(entries),
            unmasked=True,
        )
    payload: dict[str, object] = {
        "count": count,
        "next": next_url,
        "results": [entry_json(e, unmasked=unmasked) for e in entries],
    }
    if not exact:
        # Only when the count is a lower bound (more than COUNT_CAP entries match a search or a batch).
        payload["count_capped"] = True
    return no_store(json_response(payload))


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
    return no_store(json_response(entry_detail_json(entry, unmasked=unmasked)))
