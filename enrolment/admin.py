"""Admin for push lists. The import button runs the push-list import service, not import-export's row path.

django-import-export provides the import/confirm URLs and the changelist button; the two steps are
overridden: the upload is a dry run of `pushlist_import` (counts, the first rows and every rejected row with
its reason — never a 100,000-row table), and the confirmation queues the same file as a batch for the
same Celery task the upload page uses.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from import_export.admin import ImportMixin

from campaigns.admin_guard import PostedSearchMixin, ReadOnlyAdminMixin, ScopedAdmin, ScopedHistoryAdmin
from campaigns.models import Campaign
from campaigns.scoping import ScopedAdminMixin
from campaigns.selectors import campaign_for
from enrolment.forms.batches import BatchUploadForm
from enrolment.identifiers import mask_id_number
from enrolment.models import (
    Batch,
    ConstructionProject,
    DataImport,
    EnrolmentRecord,
    EntryPush,
    ListKind,
    PneumoconiosisRoster,
    PushEntry,
)
from enrolment.selectors import is_person, shown_phone
from enrolment.services.pushlist_import import ImportRefused, batch_submit, pushlist_import
from enrolment.tabular import FileProblem

_TMP_PREFIX = "pushlist-admin-"
_TMP_NAME = re.compile(rf"{_TMP_PREFIX}[A-Za-z0-9_]+\.(?:xlsx|xlsm|csv)")


class BatchConfirmForm(forms.Form):
    tmp_name = forms.CharField(widget=forms.HiddenInput)
    file_name = forms.CharField(widget=forms.HiddenInput, max_length=255)
    kind = forms.ChoiceField(choices=ListKind.choices, widget=forms.HiddenInput)
    label = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def clean_tmp_name(self) -> str:
        name = self.cleaned_data["tmp_name"]
        # Only a file this admin's preview step wrote: never a path the browser chose.
        if not _TMP_NAME.fullmatch(name) or not (Path(tempfile.gettempdir()) / name).is_file():
            raise forms.ValidationError(gettext_lazy("预览文件已失效，请重新上传"))
        return name


@admin.register(Batch)
class BatchAdmin(PostedSearchMixin, ScopedAdminMixin, ImportMixin, admin.ModelAdmin):
    list_display = ("label", "kind", "status", "rows_total", "imported", "duplicates", "rejected", "uploaded_at")
    list_filter = ("kind", "status", "campaign")
    search_fields = ("label", "file_name")
    list_select_related = ("campaign", "uploaded_by")
    readonly_fields = [field.name for field in Batch._meta.fields]
    import_template_name = "admin/enrolment/batch/import.html"

    def view_on_site(self, obj: Batch) -> str:
        return reverse("batch-detail", args=[obj.pk])

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A batch is made by importing a file, never by filling in a form.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Batch | None = None) -> bool:
        return False

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("enrolment.add_batch")

    def _campaign(self, request: HttpRequest) -> Campaign:
        return campaign_for(request.user)

    def import_action(self, request: HttpRequest, **kwargs: object) -> HttpResponse:
        """Step 1: upload and preview (a dry run of the real import)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        campaign = self._campaign(request)
        form = BatchUploadForm(request.POST or None, request.FILES or None)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form}
        context["title"] = _("导入推送清单")
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            handle, tmp_path = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=suffix)
            with os.fdopen(handle, "wb") as tmp:
                for chunk in upload.chunks():
                    tmp.write(chunk)
            kind = form.cleaned_data["kind"]
            try:
                result = pushlist_import(
                    campaign=campaign, kind=kind, path=tmp_path, file_name=upload.name, dry_run=True
                )
            except (ImportRefused, FileProblem) as problem:
                os.remove(tmp_path)
                form.add_error("file", problem.message)
            else:
                if result.rejected_path:
                    os.remove(result.rejected_path)
                context["result"] = result
                context["confirm_form"] = BatchConfirmForm(
                    initial={
                        "tmp_name": Path(tmp_path).name,
                        "file_name": upload.name,
                        "kind": kind,
                        "label": form.cleaned_data["label"],
                    }
                )
                context["kind_label"] = ListKind(kind).label
        return TemplateResponse(request, self.import_template_name, context)

    @method_decorator(require_POST)
    def process_import(self, request: HttpRequest, **kwargs: object) -> HttpResponse:
        """Step 2: confirmed — queue the previewed file as a batch for the import task."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = BatchConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("预览文件已失效，请重新上传"))
            return redirect("admin:enrolment_batch_import")
        tmp_path = Path(tempfile.gettempdir()) / form.cleaned_data["tmp_name"]
        try:
            with tmp_path.open("rb") as handle:
                batch = batch_submit(
                    campaign=self._campaign(request),
                    kind=form.cleaned_data["kind"],
                    upload=File(handle),
                    file_name=form.cleaned_data["file_name"],
                    label=form.cleaned_data["label"],
                    uploaded_by=request.user,
                )
        except ImportRefused as refused:
            messages.error(request, refused.message)
            return redirect("admin:enrolment_batch_import")
        finally:
            tmp_path.unlink(missing_ok=True)
        messages.success(request, _("已确认导入“%(label)s”，正在后台导入") % {"label": batch.label})
        return HttpResponseRedirect(reverse("batch-detail", args=[batch.pk]))


class MaskedPersonalDataMixin:
    """ID numbers and phones are shown masked in the admin, lists and object pages alike; the full values are
    one explicit, logged action away on the entry's own page (查看完整信息)."""

    @admin.display(description=gettext_lazy("证件号码"))
    def masked_key(self, obj: PushEntry | EnrolmentRecord) -> str:
        key = getattr(obj, "key", None) or getattr(obj, "id_number", "")
        if isinstance(obj, PushEntry) and not is_person(obj):
            return key
        return mask_id_number(key)

    @admin.display(description=gettext_lazy("联系电话"))
    def masked_phone(self, obj: PushEntry) -> str:
        return shown_phone(obj.phone, unmasked=False)


_ENTRY_FIELDS = [
    "campaign",
    "kind",
    "masked_key",
    "name",
    "town",
    "village",
    "batch",
    "pushed_times",
    "last_pushed_batch",
    "masked_phone",
    "address",
    "employer_name",
    "last_paid",
    "interrupted_insurance",
    "legal_rep",
    "employees",
    "industry",
    "status",
    "not_due_reason",
    "enrolled_insurance",
    "enrolled_on",
    "note",
    "status_changed_at",
    "status_changed_by",
    "created_at",
]


@admin.register(PushEntry)
class PushEntryAdmin(MaskedPersonalDataMixin, ReadOnlyAdminMixin, ScopedAdmin):
    """Read-only: entries come from imports and change through the queue's status workflow (who, when, from,
    to, version), which a plain admin form would bypass."""

    list_display = ("masked_key", "name", "kind", "town", "village", "status", "pushed_times", "batch")
    list_filter = ("kind", "status", "town", "batch")
    # Exact match only: a LIKE over a million keys is a sequential scan, and a prefix search would list people.
    search_fields = ("=key",)
    list_select_related = ("town", "village", "batch")
    show_full_result_count = False
    fields = _ENTRY_FIELDS
    readonly_fields = _ENTRY_FIELDS

    def view_on_site(self, obj: PushEntry) -> str:
        return reverse("entry-detail", args=[obj.pk])


@admin.register(EntryPush)
class EntryPushAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ("entry", "batch", "row_number")
    list_select_related = ("entry", "batch")
    raw_id_fields = ("entry", "batch")
    show_full_result_count = False


_RECORD_FIELDS = [
    "campaign",
    "masked_key",
    "name",
    "insurance",
    "enrolled_on",
    "town",
    "village",
    "contribution",
    "is_transfer",
    "source",
    "entry",
    "data_import",
    "created_at",
    "updated_at",
]


@admin.register(EnrolmentRecord)
class EnrolmentRecordAdmin(MaskedPersonalDataMixin, ScopedAdmin):
    """Records come from imports, the queue and manual entry, each checking its rules: here they are read (ID
    numbers masked) and, when entered by mistake, deleted; never edited by hand."""

    list_display = ["name", "masked_key", "insurance", "enrolled_on", "town", "village", "contribution", "is_transfer"]
    list_filter = ["campaign", "insurance", "source", "is_transfer", "town"]
    list_select_related = ["town", "village"]
    # Exact match only: a LIKE over a million ID numbers is slow and pointless.
    search_fields = ["=id_number", "=name"]
    date_hierarchy = "enrolled_on"
    show_full_result_count = False
    fields = _RECORD_FIELDS
    readonly_fields = _RECORD_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: EnrolmentRecord | None = None) -> bool:
        return False


@admin.register(ConstructionProject)
class ConstructionProjectAdmin(ScopedHistoryAdmin):
    list_display = ["name", "permit_number", "department", "town", "permit_date", "injury_insured", "insured_on"]
    list_filter = ["injury_insured", "town", "department"]
    list_select_related = ["town", "department"]
    search_fields = ["name", "=permit_number"]
    date_hierarchy = "permit_date"


@admin.register(PneumoconiosisRoster)
class PneumoconiosisRosterAdmin(ScopedHistoryAdmin):
    list_display = ["enterprise", "uscc", "town", "industry", "workers", "covered_workers", "as_of"]
    list_filter = ["town", "industry"]
    list_select_related = ["town"]
    search_fields = ["enterprise", "=uscc"]
    date_hierarchy = "as_of"


@admin.register(DataImport)
class DataImportAdmin(ScopedAdmin):
    list_display = ["file_name", "source", "campaign", "status", "created", "updated", "rejected", "uploaded_at"]
    list_filter = ["source", "status", "campaign"]
    readonly_fields = [field.name for field in DataImport._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DataImport | None = None) -> bool:
        return False
