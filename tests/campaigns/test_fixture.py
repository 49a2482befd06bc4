from decimal import Decimal

import pytest

from campaigns.models import Campaign, Department, Phase, Town
from targets.models import Indicator, Target

CITY_TARGETS = {
    "employee_pension_insured": (Decimal("17900"), Decimal("12375")),
    "unemployment_insured": (Decimal("11150"), Decimal("10801")),
    "work_injury_insured": (Decimal("23800"), Decimal("23404")),
    "construction_injury_rate": (Decimal("0.9"), None),
    "pneumoconiosis_injury_rate": (Decimal("0.9"), None),
    "resident_pension_insured": (Decimal("106800"), None),
    "resident_avg_contribution": (Decimal("330"), Decimal("223")),
    "resident_to_employee_transfer": (Decimal("800"), Decimal("0")),
}
TOWNS = ["凤麓街道", "龙街街道", "右所镇", "海口镇", "九村镇", "路居镇"]
TOWN_TARGETS = {
    "resident_pension_insured": [6550, 36000, 22050, 13550, 7950, 20700],
    "resident_to_employee_transfer": [250, 250, 100, 50, 50, 100],
    "resident_avg_contribution": [350, 330, 330, 330, 330, 330],
}


def test_the_campaign_is_chengjiangs_2021_plan(chengjiang: Campaign) -> None:
    assert chengjiang.county.name == "澄江市"
    assert chengjiang.county.division_code == "530481"
    assert str(chengjiang.start) == "2021-03-18"
    assert str(chengjiang.target_date) == "2021-12-31"
    assert (str(chengjiang.report_first_period), str(chengjiang.report_last_period)) == ("2021-04-01", "2021-11-01")
    assert chengjiang.report_due_day == 2
    assert str(chengjiang.summary_due) == "2021-12-05"


def test_the_four_phases_include_the_two_that_overlap(chengjiang: Campaign) -> None:
    phases = [(p.name, str(p.start), str(p.end)) for p in Phase.objects.filter(campaign=chengjiang)]
    assert phases == [
        ("宣传发动", "2021-03-18", "2021-05-31"),
        ("数据比对", "2021-03-18", "2021-05-31"),
        ("参保缴费", "2021-06-01", "2021-10-31"),
        ("总结验收", "2021-11-01", "2021-12-31"),
    ]


def test_the_six_towns_have_short_names(chengjiang: Campaign) -> None:
    towns = Town.objects.filter(county=chengjiang.county)
    assert [t.name for t in towns] == TOWNS
    assert [t.short_name for t in towns] == ["凤麓", "龙街", "右所", "海口", "九村", "路居"]
    assert {t.get_kind_display() for t in towns} == {"镇", "街道"}


def test_all_fifteen_departments_carry_their_duty(chengjiang: Campaign) -> None:
    departments = Department.objects.filter(county=chengjiang.county)
    assert departments.count() == 15
    assert departments.get(name="卫生健康").duty == "负责提供死亡人员信息"
    assert all(d.duty for d in departments)


@pytest.mark.parametrize(("code", "expected"), CITY_TARGETS.items())
def test_every_city_target_is_exact(chengjiang: Campaign, code: str, expected: tuple) -> None:
    target = Target.objects.get(campaign=chengjiang, indicator__code=code, town=None)
    assert (target.target_value, target.baseline) == expected


@pytest.mark.parametrize(("code", "values"), TOWN_TARGETS.items())
def test_every_town_target_is_exact(chengjiang: Campaign, code: str, values: list[int]) -> None:
    targets = Target.objects.filter(campaign=chengjiang, indicator__code=code, town__isnull=False)
    assert {t.town.name: t.target_value for t in targets} == dict(zip(TOWNS, map(Decimal, values), strict=True))


def test_the_town_resident_pension_targets_sum_to_the_city_target(chengjiang: Campaign) -> None:
    towns = Target.objects.filter(campaign=chengjiang, indicator__code="resident_pension_insured", town__isnull=False)
    assert sum(t.target_value for t in towns) == Decimal("106800")


def test_indicators_have_their_kinds_and_units(chengjiang: Campaign) -> None:
    kinds = {i.code: (i.kind, i.unit) for i in Indicator.objects.all()}
    assert kinds["construction_injury_rate"] == ("rate", "%")
    assert kinds["resident_avg_contribution"] == ("average", "元")
    assert kinds["resident_pension_insured"] == ("count", "人")
