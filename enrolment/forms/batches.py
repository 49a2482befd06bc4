from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from enrolment.models import ListKind
from enrolment.services.pushlist_import import columns_for
from enrolment.services.pushlist_split import split_columns
from enrolment.spreadsheet_guard import check_size
from enrolment.tabular import Column, FileProblem, open_table, upload_on_disk

ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".csv")


class BatchUploadForm(forms.Form):
    file = forms.FileField(
        label=_("清单文件"),
        help_text=_("xlsx 或 csv 文件（UTF-8 或 GB18030 编码）"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xlsm,.csv"}),
    )
    kind = forms.ChoiceField(
        label=_("清单类型"), choices=ListKind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    label = forms.CharField(
        label=_("批次名称"),
        max_length=100,
        required=False,
        help_text=_("留空则使用文件名"),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if cleaned.get("file") is not None and cleaned.get("kind") is not None:
            check_upload_header(self, cleaned["file"], self.columns(cleaned["kind"]))
        return cleaned

    def columns(self, kind: str) -> tuple[Column, ...]:
        return columns_for(kind)


class RegionBatchUploadForm(BatchUploadForm):
    """A region's push list for all its counties: the same form, its file read with a county column too."""

    def columns(self, kind: str) -> tuple[Column, ...]:
        return split_columns(kind)


def check_upload_header(form: forms.Form, upload: UploadedFile, columns: Sequence[Column]) -> None:
    """Reject a wrong file type or a missing column on the form, so it never becomes a failed import."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        form.add_error(
            "file", _("不支持的文件类型“%(suffix)s”，请上传 xlsx 或 csv 文件") % {"suffix": suffix or _("无")}
        )
        return
    try:
        check_size(upload.size)
    except FileProblem as problem:
        form.add_error("file", problem.message)
        return
    with upload_on_disk(upload) as path:
        try:
            open_table(path, columns, original_name=upload.name).close()
        except FileProblem as problem:
            form.add_error("file", problem.message)
    upload.seek(0)
