from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AccessLog


class AccessLogFilterForm(forms.Form):
    """The access log's filters. Parsing only: a value that does not parse is a 400, never a wider list."""

    user = forms.CharField(label=_("用户名"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("操作"), required=False, choices=[("", _("全部操作")), *AccessLog.Action.choices]
    )
    start = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    what = forms.CharField(
        label=_("对象"), required=False, max_length=300, help_text=_("如 entry:12、report:3、user:7（前缀匹配）")
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-select form-select-sm" if isinstance(field, forms.ChoiceField) else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css

    def clean(self) -> dict[str, object]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期"))
        return data
