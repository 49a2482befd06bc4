"""The town's work queue: list, entry page with its status form, Excel download and upload."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2.rows import BoundRows

from audit.http import no_store, personal_file_response
from audit.services import Action, audit_record
from campaigns.params import page_param, page_size_param
from campaigns.search_tokens import search_params, search_redirect_query
from campaigns.xlsx import XLSX_CONTENT_TYPE
from enrolment.filters import EntryFilter
from enrolment.forms.entries import EntryBulkStatusForm, EntrySheetUploadForm, EntryStatusForm
from enrolment.models import EntrySheetUpload, PushEntry, ReferenceKind
from enrolment.selectors import (
    entries_for,
    entries_page,
    entry_history,
    entry_in_scope,
    entry_suggestions,
    is_person,
    next_open_entry_id,
    queue_funnel,
    shown_key,
    shown_phone,
    system_match_source,
    with_suggestions,
)
from enrolment.services.entries import (
    BULK_LIMIT,
    CHANGE_PERMISSION,
    Revealed,
    entries_status_plan,
    entries_status_set,
    entry_personal_data_reveal,
    entry_status_change,
    status_label,
)
from enrolment.services.entry_sheets import entry_sheet_apply, entry_sheet_upload
from enrolment.services.suggestions import DECIDE_PERMISSION
from enrolment.tables import EntryTable
from enrolment.workbooks import EXPORT_FIELDS, change_requests, write_queue_workbook

VIEW_PERMISSION = "enrolment.view_pushentry"
EXPORT_PERMISSION = "enrolment.export_entries"
PAGE_SIZE = 50


def _queue_params(request: HttpRequest) -> QueryDict:
    """The queue's filters, with a search the session keeps under a token (never a name or an ID in a URL)."""
    params, expired = search_params(request, request.GET)
    if expired:
        messages.warning(request, _("检索条件已失效，请重新输入姓名或证件号码"))
    return params


class CountedPaginator(Paginator):
    """A paginator told its total when the caller already has it (the entry counters), else counting once; and
    given ``fetch(start, stop)``, reading a page's records through it (`entries_page`) rather than by slicing."""

    def __init__(
        self,
        object_list: object,
        per_page: int,
        *,
        count: int | None = None,
        fetch: Callable[[int, int], list] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached_property
        self.fetch = fetch

    def page(self, number: object) -> Page:
        if self.fetch is None:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list  # django-tables2's rows: the page's records go in their place
        return self._get_page(BoundRows(self.fetch(bottom, top), table=rows.table), number, self)


def _paginate(
    table: EntryTable, request: HttpRequest, *, count: int | None, fetch: Callable[[int, int], list] | None
) -> None:
    per_page = page_size_param(request.GET, default=PAGE_SIZE)
    options = {"paginator_class": CountedPaginator, "per_page": per_page, "count": count, "fetch": fetch}
    try:
        table.paginate(page=page_param(request.GET), **options)
    except EmptyPage:
        table.paginate(page=1, **options)


def _bulk_kind(request: HttpRequest) -> str:
    """The kind of suggestion the queue is filtered by, when the user may accept it in bulk (not a tag)."""
    kind = request.GET.get("suggestion", "")
    acceptable = set(ReferenceKind.values) - ReferenceKind.tag_kinds()
    return kind if kind in acceptable and request.user.has_perm(DECIDE_PERMISSION) else ""


@never_cache
@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def entry_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # The filter form posts: its search text goes into the session and the list is shown under a token.
        return redirect(f"{reverse('entry-list')}?{search_redirect_query(request, request.POST)}")
    user = request.user
    unmasked = user.sees_personal_data
    can_change = user.has_perm(CHANGE_PERMISSION)
    filterset = EntryFilter(_queue_params(request), queryset=entries_for(user), user=user)
    funnel = queue_funnel(user)
    queryset = with_suggestions(filterset.qs)
    parts = filterset.counted_parts()
    table = EntryTable(
        queryset,
        unmasked=unmasked,
        can_reveal=user.may_reveal_personal_data and not unmasked,
        csrf_token=get_token(request),
        exclude=() if can_change else ("select",),
    )
    # The total from the entry counters when only kind, status and town narrow the list (else counted once),
    # and the page read within the counters' (town, status) pairs.
    count = None if parts is None else sum(entries for _town, _status, entries in parts)
    _paginate(
        table,
        request,
        count=count,
        fetch=lambda start, stop: entries_page(queryset, parts=parts, start=start, stop=stop),
    )
    rows = list(table.page.object_list) if table.paginator else []
    if unmasked and rows:
        audit_record(
            action=Action.LIST,
            what=_("推送清单：%(filters)s") % {"filters": filterset.summary()},
            request=request,
            rows=len(rows),
            unmasked=True,
        )
    context = {
        "filter": filterset,
        "table": table,
        "funnel": funnel,
        "total": table.paginator.count,
        "can_change": can_change,
        "can_export": user.has_perm(EXPORT_PERMISSION),
        "export_query": request.GET.urlencode(),
        "bulk_form": EntryBulkStatusForm(initial={"query": request.GET.urlencode(), "expected": table.paginator.count})
        if can_change
        else None,
        "bulk_limit": BULK_LIMIT,
        # Bulk acceptance of one kind of suggestion over the filtered selection (the filters as shown).
        "bulk_kind": _bulk_kind(request),
        "bulk_params": [(name, value) for name, value in request.GET.items() if name not in ("page", "per_page")],
    }
    return no_store(render(request, "enrolment/entry_list.html", context))


def _error_text(form: EntryBulkStatusForm, error: ValidationError | None = None) -> str:
    """Every wrong field by its label, e.g. "备注：标记为“拒绝参保”时必须在备注中说明情况"."""
    if error is not None:
        if hasattr(error, "error_dict"):
            form.add_error(None, error)
        else:
            return "；".join(error.messages)
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields and name != "ids" else ""
        lines += [f"{label}：{message}" if label else message for message in errors]
    return "；".join(lines)


@login_required
@permission_required(CHANGE_PERMISSION, raise_exception=True)
@require_POST
def entry_bulk_status(request: HttpRequest) -> HttpResponse:
    """批量设置状态: the ticked entries, or every entry of the queue's current filter, get one status."""
    user = request.user
    form = EntryBulkStatusForm(request.POST)
    query = QueryDict(request.POST.get("query", "")[:2000]).urlencode()
    back = f"{reverse('entry-list')}?{query}" if query else reverse("entry-list")
    if not form.is_valid():
        messages.error(request, _("未作修改：%(error)s") % {"error": _error_text(form)})
        return redirect(back)
    data = form.cleaned_data
    if data["scope"] == EntryBulkStatusForm.FILTERED:
        params, expired = search_params(request, QueryDict(data["query"]))
        if expired:
            messages.error(request, _("未作修改：检索条件已失效，请重新筛选后再批量设置"))
            return redirect(reverse("entry-list"))
        filterset = EntryFilter(params, queryset=PushEntry.objects.for_user(user), user=user, with_choices=False)
        ids = list(filterset.qs.order_by("id").values_list("id", flat=True)[: BULK_LIMIT + 1])
        if data["expected"] is not None and len(ids) != data["expected"]:
            messages.error(
                request,
                _("未作修改：筛选结果已变为 %(found)d 条（页面显示 %(shown)d 条），请核对后重试")
                % {"found": len(ids), "shown": data["expected"]},
            )
            return redirect(back)
    else:
        ids = data["ids"]
    try:
        plan = entries_status_set(
            user=user,
            entry_ids=ids,
            status=data["status"],
            not_due_reason=data["not_due_reason"],
            insurance=data["insurance"],
            enrolled_on=data["enrolled_on"],
            note=data["note"],
        )
    except ValidationError as error:
        messages.error(request, _("未作修改：%(error)s") % {"error": _error_text(form, error)})
        return redirect(back)
    text = _("已将 %(count)d 条设为“%(status)s”") % {"count": len(plan.changes), "status": status_label(data["status"])}
    if plan.unchanged:
        text += _("，另有 %(count)d 条原已是该状态") % {"count": plan.unchanged}
    messages.success(request, text)
    return redirect(back)


@never_cache
@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        entry = entry_in_scope(user, pk)
    except PushEntry.DoesNotExist:
        raise Http404 from None
    can_change = user.has_perm(CHANGE_PERMISSION)
    if request.method == "POST":
        if not can_change:
            return render(request, "403.html", status=403)
        form = EntryStatusForm.for_entry(entry, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry_status_change(
                    entry=entry,
                    user=user,
                    status=data["status"],
                    not_due_reason=data["not_due_reason"],
                    insurance=data["insurance"],
                    enrolled_on=data["enrolled_on"],
                    note=data["note"],
                    expected_version=data["version"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("核查状态已更新"))
                if "and_next" in request.POST:
                    following = next_open_entry_id(user, after=entry.pk)
                    if following is None:
                        messages.info(request, _("已没有待核查的条目"))
                        return redirect("entry-list")
                    return redirect("entry-detail", pk=following)
                return redirect("entry-detail", pk=entry.pk)
    else:
        form = EntryStatusForm.for_entry(entry)
        unmasked = user.sees_personal_data
        audit_record(action=Action.VIEW, what=f"entry:{entry.pk}", request=request, rows=1, unmasked=unmasked)
    return _detail_page(request, entry, form=form, can_change=can_change)


def _detail_page(
    request: HttpRequest, entry: PushEntry, *, form: EntryStatusForm, can_change: bool, revealed: Revealed | None = None
) -> HttpResponse:
    user = request.user
    unmasked = user.sees_personal_data
    masked = not unmasked and (is_person(entry) or bool(entry.phone))
    context = {
        "entry": entry,
        "key": revealed.key if revealed else shown_key(entry, unmasked=unmasked),
        "phone": revealed.phone if revealed else shown_phone(entry.phone, unmasked=unmasked),
        "revealed": revealed is not None,
        "can_reveal": masked and revealed is None and user.may_reveal_personal_data,
        "form": form,
        "can_change": can_change,
        "history": entry_history(entry),
        "suggestions": entry_suggestions(entry),
        "can_decide": can_change and user.has_perm(DECIDE_PERMISSION),
        "system_matched": system_match_source(entry),
    }
    return no_store(render(request, "enrolment/entry_detail.html", context, status=400 if form.errors else 200))


@login_required
@require_POST
def entry_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """查看完整信息: one entry's full ID number and phone, on record. JSON for the list's button, else the page."""
    user = request.user
    if not user.has_perm(VIEW_PERMISSION) or not user.may_reveal_personal_data:
        raise PermissionDenied
    try:
        revealed = entry_personal_data_reveal(user=user, entry_id=pk)
    except PushEntry.DoesNotExist:
        raise Http404 from None
    if "application/json" in request.headers.get("Accept", ""):
        payload = {"id": revealed.entry_id, "key": revealed.key, "phone": revealed.phone}
        return no_store(JsonResponse(payload, json_dumps_params={"ensure_ascii": False}))
    entry = entry_in_scope(user, pk)
    form = EntryStatusForm.for_entry(entry)
    return _detail_page(request, entry, form=form, can_change=user.has_perm(CHANGE_PERMISSION), revealed=revealed)


@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
@require_GET
def entry_export(request: HttpRequest) -> FileResponse:
    """The filtered queue as the workbook the upload reads back (same parameters as /api/entries/)."""
    user = request.user
    unmasked = user.sees_personal_data
    filterset = EntryFilter(
        _queue_params(request), queryset=PushEntry.objects.for_user(user), user=user, with_choices=False
    )
    queryset = filterset.qs.select_related("town", "village", "batch").only(*EXPORT_FIELDS).order_by("id")
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    rows = write_queue_workbook(queryset.iterator(chunk_size=2000), target, unmasked=unmasked, author=user)
    target.seek(0)
    return personal_file_response(
        request,
        target,
        filename=_("推送清单核查表_%(day)s.xlsx") % {"day": f"{timezone.localdate():%Y-%m-%d}"},
        what=_("推送清单核查表：%(filters)s") % {"filters": filterset.summary()},
        rows=rows,
        unmasked=unmasked,
        content_type=XLSX_CONTENT_TYPE,
        action=Action.EXPORT,
    )


def _preview(request: HttpRequest, upload: EntrySheetUpload) -> HttpResponse:
    plan = entries_status_plan(user=request.user, requests=change_requests(upload.rows))
    problems = sorted(
        [
            *({"row": p["row"], "entry_id": p["entry_id"], "reason": p["reason"]} for p in upload.problems),
            *({"row": p.row, "entry_id": p.entry_id, "reason": p.reason} for p in plan.problems),
        ],
        key=lambda p: p["row"] or 0,
    )
    context = {
        "upload": upload,
        "changes": plan.changes,
        "conflicts": plan.conflicts,
        "problems": problems,
        "unchanged": plan.unchanged,
        "unmasked": request.user.sees_personal_data,
    }
    return render(request, "enrolment/entry_import_preview.html", context)


@login_required
@permission_required(CHANGE_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def entry_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST ``file``: parse, keep, show the preview. POST ``token``: confirm."""
    if request.method == "POST" and "token" in request.POST:
        try:
            token = uuid.UUID(request.POST["token"])
        except ValueError:
            raise Http404 from None
        upload = get_object_or_404(EntrySheetUpload, token=token, user=request.user)
        try:
            plan = entry_sheet_apply(upload=upload, user=request.user)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
            return redirect("entry-import-preview", token=upload.token)
        messages.success(
            request,
            _("已更新 %(changed)d 条；冲突 %(conflicted)d 条未覆盖；有问题 %(problematic)d 行未导入")
            % {
                "changed": len(plan.changes),
                "conflicted": len(plan.conflicts),
                "problematic": len(plan.problems) + len(upload.problems),
            },
        )
        return redirect("entry-list")
    form = EntrySheetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = entry_sheet_upload(user=request.user, file=form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return _preview(request, upload)
    status = 400 if form.errors else 200
    return render(request, "enrolment/entry_import.html", {"form": form}, status=status)


@login_required
@permission_required(CHANGE_PERMISSION, raise_exception=True)
@require_GET
def entry_import_preview(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    upload = get_object_or_404(EntrySheetUpload, token=token, user=request.user)
    return _preview(request, upload)
