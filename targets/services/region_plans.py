"""A prefecture's campaign plan (玉人社发〔2021〕24号) and the targets it sets its counties, loaded from a file.

One row per county (or the whole prefecture: county left blank, or 全市) and indicator, with its target value
and, for the counts and the average, its baseline. The file goes in whole or not at all: every refused row is
named with its reason. Loading the same plan (region, year, name) again replaces its targets.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from campaigns.models import County, Region, RegionPlan, User
from campaigns.text import normalize_text
from enrolment import columns as terms
from enrolment.tabular import DataRow, FileProblem, open_table
from targets.assessment import uses_baseline
from targets.models import CountyTarget, Indicator
from targets.services.baselines import CITY_NAMES, _indicator_lookup, parse_baseline
from targets.services.progress import FOUR_PLACES

PLAN_COLUMNS = (
    terms.COUNTY.column("county"),
    terms.INDICATOR.column("indicator", required=True),
    terms.TARGET_VALUE.column("target", required=True),
    terms.BASELINE.column("baseline"),
    terms.NOTE.column("note"),
)
# A value is at most this large (the fields hold 10 digits before the point).
_LIMIT = Decimal(10) ** 10
_WHOLE_REGION = (*CITY_NAMES, "全州", "全市（州）", "全市(州)")


class PlanError(ValueError):
    """The plan cannot be loaded; ``errors`` are whole Chinese sentences, each naming its row."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors

    def shown(self, limit: int = 50) -> list[str]:
        """The first ``limit`` errors, and how many more there are (a page or a terminal shows no more)."""
        shown = self.errors[:limit]
        if len(self.errors) > limit:
            shown.append(_("……另有 %(n)s 处错误") % {"n": len(self.errors) - limit})
        return shown


@dataclass(frozen=True)
class PlanLoaded:
    plan: RegionPlan
    created: bool
    targets: int
    counties: int

    @property
    def message(self) -> str:
        return _("已%(how)s专项行动方案“%(plan)s”：目标任务 %(targets)s 项，涉及县(市、区) %(counties)s 个") % {
            "how": _("新建") if self.created else _("更新"),
            "plan": self.plan,
            "targets": self.targets,
            "counties": self.counties,
        }


def _value(raw: object, indicator: Indicator, label: str) -> Decimal:
    text = normalize_text(raw) if isinstance(raw, str) else ""
    if indicator.kind == Indicator.Kind.RATE and text.endswith("%"):
        value = parse_baseline(text.removesuffix("%")) / 100
    else:
        value = parse_baseline(raw)
    if value < 0:
        raise ValueError(_("%(label)s不能是负数") % {"label": label})
    if value >= _LIMIT:
        raise ValueError(_("%(label)s过大") % {"label": label})
    if indicator.kind == Indicator.Kind.COUNT and value != value.to_integral_value():
        raise ValueError(_("%(label)s是人数，应为整数") % {"label": label})
    if indicator.kind == Indicator.Kind.RATE and value > 1:
        value = value / 100  # 90 (%) for 0.9, as people write a rate
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def _read(path: str | Path, original_name: str | None, check: Callable[[DataRow], None]) -> None:
    with open_table(path, PLAN_COLUMNS, original_name=original_name) as table:
        for row in table.rows:
            check(row)


@transaction.atomic
def region_plan_load(
    *,
    region: Region,
    name: str,
    year: int,
    start: datetime.date,
    target_date: datetime.date,
    path: str | Path,
    document_number: str = "",
    original_name: str | None = None,
    user: User | None = None,
) -> PlanLoaded:
    """Create or update a prefecture's plan and replace its targets with the file's. Raises `PlanError` (or
    `FileProblem` for a file that cannot be read) and then changes nothing."""
    if region.level != Region.Level.PREFECTURE:
        raise PlanError([_("%(region)s不是市（州）一级的区划，专项行动方案只能属于市（州）") % {"region": region}])
    name = name.strip()
    if not name:
        raise PlanError([_("请填写方案名称")])
    if target_date <= start:
        raise PlanError([_("目标日期应晚于开始日期")])
    counties: dict[str, County] = {}
    for county in County.objects.filter(region__path__startswith=region.path):
        counties[normalize_text(county.name)] = county
        counties[county.division_code] = county
    whole_names = {normalize_text(text) for text in (*_WHOLE_REGION, region.name, region.code)}
    indicators = _indicator_lookup()
    errors: list[str] = []
    rows: dict[tuple[int, int | None], CountyTarget] = {}

    def check(row: DataRow) -> None:
        values = row.values
        reasons: list[str] = []
        place = normalize_text(values.get("county"))
        county = None if not place or place in whole_names else counties.get(place)
        if place and county is None and place not in whole_names:
            reasons.append(_("“%(county)s”不是%(region)s下属的县（市、区）") % {"county": place, "region": region.name})
        text = normalize_text(values["indicator"])
        indicator = indicators.get(text) or indicators.get(text.lower())
        if indicator is None:
            reasons.append(
                _("指标：“%(name)s”不是本系统的指标（请填写指标名称或代码）") % {"name": text}
                if text
                else _("指标：未填写")
            )
        target_value = baseline = None
        if indicator is not None:
            if normalize_text(values["target"]) == "":
                reasons.append(_("目标值：未填写"))
            else:
                try:
                    target_value = _value(values["target"], indicator, _("目标值"))
                except ValueError as error:
                    reasons.append(_("目标值：%(reason)s") % {"reason": error})
            if normalize_text(values.get("baseline")):
                if not uses_baseline(indicator.kind):
                    reasons.append(_("“%(name)s”是比率指标，不设基数") % {"name": indicator.name})
                else:
                    try:
                        baseline = _value(values["baseline"], indicator, _("基数"))
                    except ValueError as error:
                        reasons.append(_("基数：%(reason)s") % {"reason": error})
            key = (indicator.pk, county.pk if county else None)
            if not reasons and key in rows:
                reasons.append(
                    _("%(place)s的“%(name)s”在文件中出现了两次")
                    % {"place": county or _("全市（州）"), "name": indicator.name}
                )
        if reasons:
            errors.append(_("第%(row)s行：%(reasons)s") % {"row": row.number, "reasons": "；".join(reasons)})
            return
        rows[key] = CountyTarget(
            indicator=indicator,
            county=county,
            target_value=target_value,
            baseline=baseline,
            note=normalize_text(values.get("note"))[:200],
        )

    try:
        _read(path, original_name, check)
    except FileProblem as problem:
        raise PlanError([problem.message]) from problem
    if errors:
        raise PlanError(errors)
    if not rows:
        raise PlanError([_("文件中没有目标任务")])
    plan, created = RegionPlan.objects.update_or_create(
        region=region,
        year=year,
        name=name,
        defaults={"document_number": document_number.strip(), "start": start, "target_date": target_date},
    )
    plan.targets.all().delete()
    for target in rows.values():
        target.plan = plan
    bulk_create_with_history(list(rows.values()), CountyTarget, default_user=user)
    return PlanLoaded(
        plan=plan,
        created=created,
        targets=len(rows),
        counties=len({county_id for _indicator, county_id in rows if county_id is not None}),
    )
