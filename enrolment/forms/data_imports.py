from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from enrolment.forms.batches import check_upload_header
from enrolment.models import DataImport
from enrolment.services.data_imports import IMPORTERS, columns_for_source


class DataImportUploadForm(forms.Form):
    source = forms.ChoiceField(
        label=_("数据类型"),
        # Baselines have their own page; the rest are imported here.
        choices=[(value, label) for value, label in DataImport.Source.choices if value in IMPORTERS],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    file = forms.FileField(
        label=_("数据文件"),
        help_text=_("社保业务系统导出的参保记录，或住建、交通、水利、应急等部门报送的 xlsx / csv 文件"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xlsm,.csv"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if cleaned.get("file") is not None and cleaned.get("source") is not None:
            check_upload_header(self, cleaned["file"], columns_for_source(cleaned["source"]))
        return cleaned
