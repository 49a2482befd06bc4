"""Baselines: the level each target starts from, set on the baselines page or uploaded as a file.

A count without a baseline cannot be judged (its completion is null, never computed from 0), so the office
sets them as soon as the business system gives the towns' levels at the campaign start. Every change is
kept in the targets' history with who made it, and asks for a progress recompute.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from campaigns.models import Campaign, User
from campaigns.places import PlaceError, Places
from campaigns.text import normalize_text
from enrolment import columns as terms
from enrolment.models import DataImport
from enrolment.services._upsert import ImportOutcome, RowError, run_import
from enrolment.tabular import DataRow
from targets.assessment import uses_baseline
from targets.models import Indicator, Target
from targets.services.progress import FOUR_PLACES, progress_recompute_request

# A baseline is at most this large (the field holds 10 digits before the point).
_BASELINE_LIMIT = Decimal(10) ** 10


class BaselineError(ValueError):
    """A baseline that cannot be set; the message (Chinese) says which and why.

    ``problems`` maps each refused target's id to its own message, for a form to show beside the cell.
    """

    def __init__(self, message: str, problems: Mapping[int, str] | None = None) -> None:
        super().__init__(message)
        self.problems = dict(problems or {})


def _what(target: Target) -> str:
    return f"{target.town or _('全市')}“{target.indicator.name}”"


def baseline_checked(target: Target, value: Decimal | None) -> Decimal | None:
    """``value`` as the baseline of ``target``, or BaselineError: rates have none, counts are whole persons."""
    if value is None:
        return None
    what = _what(target)
    if not uses_baseline(target.indicator.kind):
        raise BaselineError(_("%(what)s是比率指标，不设基数") % {"what": what})
    if not value.is_finite() or value < 0:
        raise BaselineError(_("%(what)s的基数不能是负数") % {"what": what})
    if value >= _BASELINE_LIMIT:
        raise BaselineError(_("%(what)s的基数过大") % {"what": what})
    if target.indicator.kind == Indicator.Kind.COUNT and value != value.to_integral_value():
        raise BaselineError(_("%(what)s是人数，基数应为整数") % {"what": what})
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def _baselines_write(*, targets: list[Target], user: User | None, reason: str) -> None:
    bulk_update_with_history(targets, Target, ["baseline"], default_user=user, default_change_reason=reason)


@transaction.atomic
def baselines_set(
    *,
    campaign: Campaign,
    user: User,
    values: Mapping[int, Decimal | None],
    expected: Mapping[int, Decimal | None] | None = None,
) -> int:
    """Set the baselines of some of a campaign's targets (``None`` clears one). Returns how many changed.

    All or nothing: any value refused, or any target changed by someone else since ``expected`` was read
    (the values the form showed), and nothing is written. Every change is kept in the targets' history with
    who made it; the progress is recomputed after the commit.
    """
    if not user.has_perm("targets.set_baseline"):
        raise PermissionDenied
    if not Campaign.objects.for_user(user).filter(pk=campaign.pk).exists():
        raise PermissionDenied
    targets = {
        target.pk: target
        for target in Target.objects.select_for_update(of=("self",))
        .filter(campaign=campaign, pk__in=list(values))
        .select_related("indicator", "town")
    }
    unknown = set(values) - set(targets)
    if unknown:
        raise BaselineError(_("目标任务不属于本专项行动：%(ids)s") % {"ids": "、".join(map(str, sorted(unknown)))})
    problems: dict[int, str] = {}
    changed: list[Target] = []
    for pk, value in values.items():
        target = targets[pk]
        try:
            baseline = baseline_checked(target, value)
        except BaselineError as error:
            problems[pk] = str(error)
            continue
        if expected is not None and pk in expected and target.baseline != expected[pk] and target.baseline != baseline:
            problems[pk] = _("%(what)s的基数已被他人改为 %(value)s，请核对后再保存") % {
                "what": _what(target),
                "value": plain_number(target.baseline),
            }
            continue
        if target.baseline != baseline:
            target.baseline = baseline
            changed.append(target)
    if problems:
        raise BaselineError("；".join(problems.values()), problems)
    if changed:
        _baselines_write(targets=changed, user=user, reason=str(_("在基数设置页面修改")))
        progress_recompute_request(campaign=campaign)
    return len(changed)


def plain_number(value: Decimal | None) -> str:
    """12375.0000 → 12375, 223.5000 → 223.5; 未设置 for none."""
    if value is None:
        return str(_("未设置"))
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- the upload: xlsx or csv with 镇（街道）, 指标, 基数 ---------------------------------------------------

BASELINE_COLUMNS = (
    terms.TOWN.column("town", required=True),
    terms.INDICATOR.column("indicator", required=True),
    terms.BASELINE.column("baseline", required=True),
)
# What a file says, compared with cell text, so not translated: how the city-level row is named (the county's
# own name is accepted too), the suffixes and units below, and the totals rows.
CITY_NAMES = ("全市", "市级", "全县", "县级", "全区")
# Suffixes people leave off an indicator's name: "企业职工基本养老保险" for "…参保人数".
_NAME_SUFFIXES = ("参保人数", "人数")
_TEN_THOUSAND = "万"


def _indicator_lookup() -> dict[str, Indicator]:
    lookup: dict[str, Indicator] = {}
    for indicator in Indicator.objects.all():
        name = normalize_text(indicator.name)
        lookup[normalize_text(indicator.code).lower()] = indicator
        lookup[name] = indicator
        for suffix in _NAME_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                lookup.setdefault(name.removesuffix(suffix), indicator)
    return lookup


_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_UNITS = ("元", "人")


def parse_baseline(value: object) -> Decimal:
    """A baseline as staff write it: 12375, 12,375, 1.2375万, 223元, 223.50 (the sign is checked later)."""
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s”不是有效的数值") % {"value": value})
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
    else:
        text = normalize_text(value)
        for unit in _UNITS:
            text = text.removesuffix(unit)
        multiplier = 1
        if text.endswith(_TEN_THOUSAND):
            text, multiplier = text.removesuffix(_TEN_THOUSAND), 10000
        if not _NUMBER.fullmatch(text):
            raise ValueError(_("“%(value)s”不是有效的数值") % {"value": normalize_text(value)})
        number = Decimal(text.replace(",", "")) * multiplier
    if not number.is_finite():
        raise ValueError(_("“%(value)s”不是有效的数值") % {"value": value})
    return number


def baselines_import(
    *,
    campaign: Campaign,
    path: str | Path,
    original_name: str | None = None,
    uploaded_by: User | None = None,
) -> ImportOutcome:
    """Import a file of baselines, one row per town (or 全市) and indicator.

    Every row ends updated or rejected with its reason (unknown town or indicator, no such target, a rate,
    a bad number, the same target twice); the valid rows are written in one transaction and kept in the
    targets' history. ``updated`` counts every valid row, ``unchanged`` those that held the same value.
    ``uploaded_by`` (the web upload) must be allowed to set the campaign's baselines; the command has none.
    """
    if uploaded_by is not None and not (
        uploaded_by.has_perm("targets.set_baseline")
        and Campaign.objects.for_user(uploaded_by).filter(pk=campaign.pk).exists()
    ):
        raise PermissionDenied
    places = Places(campaign.county)
    indicators = _indicator_lookup()
    targets = {
        (target.indicator_id, target.town_id): target
        for target in Target.objects.filter(campaign=campaign).select_related("indicator", "town")
    }
    city_names = {normalize_text(name) for name in (*CITY_NAMES, campaign.county.name)}

    def validate(row: DataRow) -> dict[str, Any]:
        values = row.values
        place = normalize_text(values["town"])
        if not place:
            raise RowError(_("缺少所属镇（街道）（全市的基数请填写“全市”）"))
        if place in ("合计", "总计", "小计"):
            raise RowError(_("合计行不导入（全市的基数请在所属镇（街道）填写“全市”）"))
        try:
            town = None if place in city_names else places.town(place)
        except PlaceError as error:
            raise RowError(error.message) from error
        name = normalize_text(values["indicator"])
        if not name:
            raise RowError(_("指标：未填写"))
        indicator = indicators.get(name) or indicators.get(name.lower())
        if indicator is None:
            raise RowError(_("指标：“%(name)s”不是本系统的指标（请填写指标名称或代码）") % {"name": name})
        target = targets.get((indicator.pk, town.pk if town else None))
        if target is None:
            raise RowError(
                _("%(place)s没有“%(indicator)s”的目标任务") % {"place": town or _("全市"), "indicator": indicator.name}
            )
        raw = values["baseline"]
        if normalize_text(raw) == "":
            raise RowError(_("基数：未填写"))
        try:
            baseline = baseline_checked(target, parse_baseline(raw))
        except BaselineError as error:
            raise RowError(str(error)) from error
        except ValueError as error:
            raise RowError(_("基数：%(reason)s") % {"reason": error}) from error
        return {"target_id": target.pk, "baseline": baseline}

    def store(valid: list[dict[str, Any]], data_import: DataImport) -> tuple[int, int, int]:
        by_pk = {target.pk: target for target in targets.values()}
        changed = []
        for values in valid:
            target = by_pk[values["target_id"]]
            if target.baseline != values["baseline"]:
                target.baseline = values["baseline"]
                changed.append(target)
        if changed:
            _baselines_write(
                targets=changed,
                user=uploaded_by,
                reason=str(_("由文件“%(name)s”导入")) % {"name": data_import.file_name},
            )
        return 0, len(valid), len(valid) - len(changed)

    return run_import(
        campaign=campaign,
        path=path,
        source=DataImport.Source.BASELINES,
        columns=BASELINE_COLUMNS,
        original_name=original_name,
        uploaded_by=uploaded_by,
        validate=validate,
        store=store,
        key=lambda values: (values["target_id"],),
        key_label=str(_("所属镇（街道）和指标")),
    )
