from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Department, Town
from reporting.models import ATTACHMENT_EXTENSIONS, SupervisionVisit
from reporting.services import TEXT_FIELDS, attachment_check


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: object, initial: object = None) -> list[object]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files]
        for file in cleaned:
            attachment_check(file)
        return cleaned


class IdListField(forms.Field):
    """Ids sent by buttons (``name=remove value=12``); anything that is not an id is dropped, and ids that are
    gone already (a double click) are the service's to ignore."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: object) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        return [int(v) for v in values if str(v).isdigit()]


class ReportForm(forms.Form):
    ACTIONS = [("save", _("保存草稿")), ("submit", _("报送"))]

    progress = forms.CharField(label=_("工作进展情况"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    problems = forms.CharField(label=_("存在问题"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    measures = forms.CharField(label=_("对策措施"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(
        label=_("附件"),
        required=False,
        help_text=_("文档或照片:%(types)s,单个不超过 20 MB。") % {"types": "、".join(ATTACHMENT_EXTENSIONS)},
        widget=MultipleFileInput(attrs={"accept": ",".join(f".{ext}" for ext in ATTACHMENT_EXTENSIONS)}),
    )
    # Sent by the clicked button: 保存草稿 / 报送, or an attachment's 删除 (which keeps the texts as a draft).
    action = forms.ChoiceField(choices=ACTIONS, required=False, widget=forms.HiddenInput)
    remove = IdListField(required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean_action(self) -> str:
        return self.cleaned_data.get("action") or "save"

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if cleaned.get("action") == "submit":
            for name, label in TEXT_FIELDS.items():
                if not (cleaned.get(name) or "").strip():
                    self.add_error(name, _("报送前请填写“%(label)s”。") % {"label": label})
        return cleaned


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("退回意见"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("退回时请填写退回意见。")},
    )


def unit_choices(campaign: Campaign) -> list[tuple[str, list[tuple[str, str]]]]:
    towns = [(f"town:{t.pk}", t.name) for t in Town.objects.filter(county=campaign.county_id)]
    departments = [
        (f"department:{d.pk}", d.full_name or d.name) for d in Department.objects.filter(county=campaign.county_id)
    ]
    return [(str(_("镇(街道)")), towns), (str(_("市直部门")), departments)]


class SupervisionVisitForm(forms.ModelForm):
    unit = forms.ChoiceField(label=_("被督导单位"))

    class Meta:
        model = SupervisionVisit
        fields = ["quarter", "visited_on", "findings", "corrections", "correct_by", "corrected", "corrected_on"]
        widgets = {
            "visited_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "correct_by": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "corrected_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "findings": forms.Textarea(attrs={"rows": 3}),
            "corrections": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: object, campaign: Campaign, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["unit"].choices = unit_choices(campaign)
        self.order_fields(["unit", "quarter"])
        for name, field in self.fields.items():
            css = (
                "form-check-input"
                if name == "corrected"
                else "form-select"
                if name in ("unit", "quarter")
                else "form-control"
            )
            field.widget.attrs.setdefault("class", css)
        if self.instance.pk:
            unit = self.instance.unit
            self.initial["unit"] = f"{'town' if self.instance.town_id else 'department'}:{unit.pk}"

    def clean_unit(self) -> Town | Department:
        kind, _sep, pk = (self.cleaned_data.get("unit") or "").partition(":")
        model = {"town": Town, "department": Department}.get(kind)
        unit = model.objects.filter(county=self.campaign.county_id, pk=pk).first() if model and pk.isdigit() else None
        if unit is None:
            raise ValidationError(_("请选择被督导单位。"))
        return unit

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if cleaned.get("corrected") and not cleaned.get("corrected_on"):
            self.add_error("corrected_on", _("已整改时请填写整改完成日期。"))
        visited, due = cleaned.get("visited_on"), cleaned.get("correct_by")
        if visited and due and due < visited:
            self.add_error("correct_by", _("整改期限不能早于督导日期。"))
        return cleaned

    def _post_clean(self) -> None:
        # The unit is set by the service; model validation of the unit constraint happens there.
        pass
