"""Parsing the bulletin pages' forms (no rules here: the services check them)."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from bulletins.models import BulletinSettings, BulletinUnit


def parse_decisions(data: QueryDict, rows: list[BulletinUnit]) -> dict[int, tuple[str, str]]:
    """``verdict-<row id>`` and ``reason-<row id>`` of the edit form, for the rows it was sent."""
    decisions = {}
    for row in rows:
        verdict = data.get(f"verdict-{row.pk}")
        if verdict is not None:
            decisions[row.pk] = (verdict, data.get(f"reason-{row.pk}", ""))
    return decisions


class BulletinSettingsForm(forms.ModelForm):
    class Meta:
        model = BulletinSettings
        fields = ["issuer", "number_pattern", "first_number"]


class LeadDecisionForm(forms.Form):
    lead = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[("confirm", _("确认")), ("dismiss", _("排除"))])
    note = forms.CharField(label=_("处理意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
