from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrolment.models import EntryStatus, Insurance, NotDueReason, PushEntry
from enrolment.spreadsheet_guard import FileProblem, check_size


class EntryStatusForm(forms.Form):
    """The status form of the entry page; the rules themselves live in the service."""

    status = forms.ChoiceField(label=gettext_lazy("核查状态"), choices=EntryStatus.choices)
    not_due_reason = forms.ChoiceField(
        label=gettext_lazy("无需参保原因"), choices=[("", "—"), *NotDueReason.choices], required=False
    )
    insurance = forms.ChoiceField(
        label=gettext_lazy("参保险种"), choices=[("", "—"), *Insurance.choices], required=False
    )
    enrolled_on = forms.DateField(
        label=gettext_lazy("参保日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_entry(cls, entry: PushEntry, data: object = None) -> EntryStatusForm:
        initial = {
            "status": entry.status,
            "not_due_reason": entry.not_due_reason,
            "insurance": entry.enrolled_insurance,
            "enrolled_on": entry.enrolled_on,
            "note": entry.note,
            "version": entry.version,
        }
        return cls(data, initial=initial)


class EntryIdsField(forms.Field):
    """The ticked rows' ids (``ids`` repeated); anything but whole numbers is an error, not ignored."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: object) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        if not all(isinstance(v, str) and v.isdigit() and len(v) <= 18 for v in values):
            raise forms.ValidationError(_("所选条目编号无效"))
        return [int(v) for v in values]


class EntryBulkStatusForm(forms.Form):
    """The queue's 批量设置状态: the ticked entries, or every entry the filter shows; parse only."""

    TICKED = "ticked"
    FILTERED = "filtered"

    scope = forms.ChoiceField(
        label=gettext_lazy("修改范围"),
        choices=[(TICKED, gettext_lazy("已勾选的条目")), (FILTERED, gettext_lazy("当前筛选结果的全部条目"))],
        initial=TICKED,
        widget=forms.RadioSelect,
    )
    ids = EntryIdsField(required=False)
    # The filtered scope: the queue's query string, and the count the page showed (a changed count is refused).
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    expected = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    status = forms.ChoiceField(label=gettext_lazy("设为"), choices=EntryStatus.choices)
    not_due_reason = forms.ChoiceField(
        label=gettext_lazy("无需参保原因"), choices=[("", "—"), *NotDueReason.choices], required=False
    )
    insurance = forms.ChoiceField(
        label=gettext_lazy("参保险种"), choices=[("", "—"), *Insurance.choices], required=False
    )
    enrolled_on = forms.DateField(
        label=gettext_lazy("参保日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=gettext_lazy("备注"), required=False, max_length=2000)

    def clean(self) -> dict[str, object]:
        data = super().clean()
        if data.get("scope") == self.TICKED and not data.get("ids"):
            self.add_error("ids", _("请先勾选要修改的条目"))
        return data


class EntrySheetUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("填好的核查表（xlsx）"))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".xlsm")):
            raise forms.ValidationError(_("请上传从本系统下载并填写的 xlsx 文件"))
        try:
            check_size(upload.size)
        except FileProblem as problem:
            raise forms.ValidationError(problem.message) from None
        return upload
