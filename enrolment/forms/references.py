from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrolment.forms.batches import check_upload_header
from enrolment.models import ReferenceKind
from enrolment.services.references import columns_for


class ReferenceUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("数据类型"), widget=forms.Select(attrs={"class": "form-select"}))
    as_of = forms.DateField(
        label=_("数据截止日期"),
        help_text=_("同一类型以截止日期最新的一份为准，较早的仍保留可下载"),
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}),
    )
    file = forms.FileField(
        label=_("数据文件"),
        help_text=_("xlsx 或 csv 文件（UTF-8 或 GB18030 编码），表头见各类型的模板"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xlsm,.csv"}),
    )

    def __init__(self, *args: object, kinds: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, ReferenceKind(kind).label) for kind in kinds]
        self.fields["as_of"].initial = timezone.localdate()

    def clean_as_of(self) -> datetime.date:
        day = self.cleaned_data["as_of"]
        if not 1900 <= day.year <= 2100 or day > timezone.localdate():
            raise forms.ValidationError(_("数据截止日期应在今天或之前"))
        return day

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if cleaned.get("file") is not None and cleaned.get("kind"):
            check_upload_header(self, cleaned["file"], columns_for(cleaned["kind"]))
        return cleaned


class SuggestionDismissForm(forms.Form):
    reason = forms.CharField(label=_("驳回原因"), max_length=500, strip=True)


class SuggestionBulkForm(forms.Form):
    suggestion = forms.ChoiceField(
        label=_("比对提示"),
        choices=[(k, label) for k, label in ReferenceKind.choices if k not in ReferenceKind.tag_kinds()],
    )
