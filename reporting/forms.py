from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Department, Town
from reporting.models import ATTACHMENT_EXTENSIONS, SupervisionVisit
from reporting.services import attachment_check


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
        help_text=_("文档或照片：%(types)s，单个不超过 20 MB。") % {"types": "、".join(ATTACHMENT_EXTENSIONS)},
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


VISIT_FIELDS = ["quarter", "visited_on", "findings", "corrections", "correct_by", "corrected", "corrected_on"]
_DATE = {"type": "date"}


class SupervisionVisitForm(forms.Form):
    """The office's record of a quarterly visit: parses the fields; `supervision_visit_save` checks the rules."""

    unit = forms.ChoiceField(label=_("被督导单位"))

    def __init__(self, *args: object, campaign: Campaign, instance: SupervisionVisit | None = None, **kwargs: object):
        if instance is not None:
            kwargs.setdefault("initial", {name: getattr(instance, name) for name in VISIT_FIELDS})
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields.update(
            forms.fields_for_model(
                SupervisionVisit,
                fields=VISIT_FIELDS,
                widgets={
                    "visited_on": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
                    "correct_by": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
                    "corrected_on": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
                    "findings": forms.Textarea(attrs={"rows": 3}),
                    "corrections": forms.Textarea(attrs={"rows": 3}),
                },
            )
        )
        self.fields["unit"].choices = unit_choices(campaign)
        for name, field in self.fields.items():
            css = (
                "form-check-input"
                if name == "corrected"
                else "form-select"
                if name in ("unit", "quarter")
                else "form-control"
            )
            field.widget.attrs.setdefault("class", css)
        if instance is not None:
            self.initial["unit"] = f"{'town' if instance.town_id else 'department'}:{instance.unit.pk}"

    def clean_unit(self) -> Town | Department:
        kind, _sep, pk = (self.cleaned_data.get("unit") or "").partition(":")
        model = {"town": Town, "department": Department}.get(kind)
        unit = model.objects.filter(county=self.campaign.county_id, pk=pk).first() if model and pk.isdigit() else None
        if unit is None:
            raise ValidationError(_("请选择被督导单位。"))
        return unit
