"""Forms of the targets pages: they parse what was typed; the services decide whether it may be set."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from enrolment.forms.batches import check_upload_header
from targets.selectors import BaselineGrid
from targets.services.baselines import BASELINE_COLUMNS, parse_baseline, plain_number
from targets.services.region_plans import PLAN_COLUMNS

MAX_BASELINE_FILE = 2 * 1024 * 1024


def _field(pk: int) -> str:
    return f"b{pk}"


def _shown(pk: int) -> str:
    return f"o{pk}"


class BaselineGridForm(forms.Form):
    """One text box per target of the grid, and the value it showed (to notice someone else's change)."""

    def __init__(self, *args: object, grid: BaselineGrid, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.grid = grid
        for cell in grid.cells:
            target = cell.target
            shown = "" if target.baseline is None else plain_number(target.baseline)
            label = f"{target.town or _('全市')} · {target.indicator.name}"
            self.fields[_field(target.pk)] = forms.CharField(
                label=label,
                required=False,
                initial=shown,
                widget=forms.TextInput(
                    attrs={"class": "form-control form-control-sm text-end", "inputmode": "decimal", "size": 9}
                ),
            )
            self.fields[_shown(target.pk)] = forms.CharField(required=False, initial=shown, widget=forms.HiddenInput)
        self.parsed: dict[int, Decimal | None] = {}
        self.originals: dict[int, Decimal | None] = {}

    def bound(self, pk: int) -> forms.BoundField:
        return self[_field(pk)]

    def shown(self, pk: int) -> forms.BoundField:
        return self[_shown(pk)]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        for cell in self.grid.cells:
            pk = cell.target.pk
            if _field(pk) not in self.data:
                continue  # a box the form did not send is left as it is (never read as "cleared")
            for name, into in ((_field(pk), self.parsed), (_shown(pk), self.originals)):
                text = (cleaned.get(name) or "").strip()
                try:
                    into[pk] = parse_baseline(text) if text else None
                except ValueError as error:
                    self.add_error(name if name == _field(pk) else None, str(error))
        return cleaned

    def add_problems(self, problems: dict[int, str]) -> None:
        for pk, message in problems.items():
            self.add_error(_field(pk), message)


class BaselineUploadForm(forms.Form):
    file = forms.FileField(
        label=_("基数文件"),
        help_text=_("xlsx 或 csv，表头：镇（街道）、指标、基数；全市的基数填写“全市”"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xlsm,.csv"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_BASELINE_FILE:
                self.add_error("file", _("基数文件不应超过 2 MB（每个镇（街道）每项指标一行即可）"))
            else:
                check_upload_header(self, upload, BASELINE_COLUMNS)
        return cleaned


class RegionPlanUploadForm(forms.Form):
    """A prefecture's plan: its name, 文号 and dates, and the file of the targets it sets its counties."""

    name = forms.CharField(label=_("方案名称"), max_length=100, widget=forms.TextInput(attrs={"class": "form-control"}))
    year = forms.IntegerField(
        label=_("年度"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    document_number = forms.CharField(
        label=_("文号"),
        max_length=50,
        required=False,
        help_text=_("例如 玉人社发〔2021〕24号"),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    start = forms.DateField(
        label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    target_date = forms.DateField(
        label=_("目标日期"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    file = forms.FileField(
        label=_("目标任务文件"),
        help_text=_(
            "xlsx 或 csv，表头：县（市、区）、指标、目标值、基数、备注；全市（州）的目标县（市、区）留空或填“全市”"
        ),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xlsm,.csv"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        start, target_date = cleaned.get("start"), cleaned.get("target_date")
        if start and target_date and target_date <= start:
            self.add_error("target_date", _("目标日期应晚于开始日期"))
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_BASELINE_FILE:
                self.add_error("file", _("目标任务文件不应超过 2 MB（每个县（市、区）每项指标一行即可）"))
            else:
                check_upload_header(self, upload, PLAN_COLUMNS)
        return cleaned
