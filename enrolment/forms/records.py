from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Town, User, Village
from campaigns.scoping import writable_towns
from enrolment.models import Insurance


class RecordForm(forms.Form):
    """Manual entry of one enrolment record: parses what was typed; `record_create` checks the rules.

    Town staff are offered only their own town and its villages.
    """

    name = forms.CharField(label=_("姓名"), max_length=100)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=30)
    insurance = forms.ChoiceField(label=_("险种"), choices=Insurance.choices)
    enrolled_on = forms.DateField(label=_("参保日期"), widget=forms.DateInput(attrs={"type": "date"}))
    town = forms.ModelChoiceField(label=_("镇(街道)"), queryset=Town.objects.none())
    village = forms.ModelChoiceField(label=_("村(社区)"), queryset=Village.objects.none(), required=False)
    contribution = forms.DecimalField(
        label=_("个人缴费金额（元）"), max_digits=10, decimal_places=2, min_value=0, required=False
    )
    is_transfer = forms.BooleanField(label=_("城乡居民转入（企业职工养老保险）"), required=False)

    def __init__(self, *args: object, user: User, campaign: Campaign, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        towns = writable_towns(user).filter(county_id=campaign.county_id)
        self.fields["town"].queryset = towns
        self.fields["village"].queryset = Village.objects.for_user(user).filter(town__in=towns)
        if not user.sees_all_towns and user.town_id:
            self.fields["town"].initial = user.town_id
        for bound in self.fields.values():
            widget = bound.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"
