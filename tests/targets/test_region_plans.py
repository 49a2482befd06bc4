"""A prefecture's plan (玉人社发〔2021〕24号) loaded from a file: its counties' targets, all or nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import County, Region, RegionPlan
from targets.models import CountyTarget
from targets.services.region_plans import PlanError, region_plan_load
from tests.factories import CountyFactory

ROOT = Path(__file__).resolve().parent.parent.parent
PLAN_FILE = ROOT / "tests" / "fixtures" / "plans" / "yuxi_2021_test.csv"
PLAN = {
    "name": "2021年玉溪市社会保险全民参保扩面专项行动实施方案",
    "year": 2021,
    "document_number": "玉人社发〔2021〕24号",
    "start": datetime.date(2021, 3, 18),
    "target_date": datetime.date(2021, 12, 31),
}


@pytest.fixture
def yuxi(chengjiang) -> Region:
    CountyFactory(name="江川区", division_code="530403")
    CountyFactory(name="华宁县", division_code="530424")
    call_command("load_regions", str(ROOT / "fixtures" / "regions" / "yuxi.csv"), verbosity=0)
    call_command("load_regions", str(ROOT / "tests" / "fixtures" / "regions" / "qujing.csv"), verbosity=0)
    return Region.objects.get(code="530400")


def test_a_plan_file_sets_each_countys_targets_and_the_prefectures_own(yuxi):
    loaded = region_plan_load(region=yuxi, path=PLAN_FILE, **PLAN)
    assert loaded.created and loaded.targets == 4 and loaded.counties == 2
    targets = {
        (target.county.name if target.county else None, target.indicator.code): (target.target_value, target.baseline)
        for target in CountyTarget.objects.filter(plan=loaded.plan).select_related("county", "indicator")
    }
    assert targets == {
        (None, "employee_pension_insured"): (Decimal(5000), Decimal(4000)),
        ("江川区", "employee_pension_insured"): (Decimal(1200), Decimal(1000)),
        ("华宁县", "employee_pension_insured"): (Decimal(1050), Decimal(1000)),
        (None, "construction_injury_rate"): (Decimal("0.9"), None),  # 90% written as people write it
    }
    assert str(loaded.plan) == "2021年玉溪市社会保险全民参保扩面专项行动实施方案（玉人社发〔2021〕24号）"


def test_loading_the_same_plan_again_replaces_its_targets(yuxi, tmp_path):
    region_plan_load(region=yuxi, path=PLAN_FILE, **PLAN)
    smaller = tmp_path / "plan.csv"
    smaller.write_text("县（市、区）,指标,目标值,基数\n江川区,employee_pension_insured,1300,1000\n", encoding="utf-8")
    loaded = region_plan_load(region=yuxi, path=smaller, **PLAN)
    assert not loaded.created
    assert RegionPlan.objects.count() == 1
    assert list(CountyTarget.objects.values_list("county__name", "target_value")) == [("江川区", Decimal(1300))]


def test_a_bad_row_names_itself_and_nothing_is_loaded(yuxi, tmp_path):
    region_plan_load(region=yuxi, path=PLAN_FILE, **PLAN)
    before = list(CountyTarget.objects.values_list("pk", "target_value"))
    bad = tmp_path / "plan.csv"
    bad.write_text(
        "县（市、区）,指标,目标值,基数\n"
        "江川区,employee_pension_insured,1300,1000\n"
        "麒麟区,employee_pension_insured,1300,1000\n"  # 曲靖's, not 玉溪's
        "华宁县,不存在的指标,10,\n"
        "华宁县,construction_injury_rate,0.9,0.5\n"
        "江川区,employee_pension_insured,1400,1000\n"
        "华宁县,employee_pension_insured,10.5,\n",
        encoding="utf-8",
    )
    with pytest.raises(PlanError) as refused:
        region_plan_load(region=yuxi, path=bad, **PLAN)
    assert refused.value.errors == [
        "第3行：“麒麟区”不是玉溪市下属的县（市、区）",
        "第4行：指标：“不存在的指标”不是本系统的指标（请填写指标名称或代码）",
        "第5行：“新开工工程建设项目工伤保险参保率”是比率指标，不设基数",
        "第6行：江川区的“企业职工基本养老保险参保人数”在文件中出现了两次",
        "第7行：目标值：目标值是人数，应为整数",
    ]
    assert list(CountyTarget.objects.values_list("pk", "target_value")) == before


def test_a_plan_belongs_to_a_prefecture_only(yuxi):
    county_node = County.objects.get(division_code="530481").region
    with pytest.raises(PlanError) as refused:
        region_plan_load(region=county_node, path=PLAN_FILE, **PLAN)
    assert "不是市（州）一级的区划" in refused.value.errors[0]
    assert not RegionPlan.objects.exists()


def test_the_command_loads_a_plan_and_says_what_it_loaded(yuxi, capsys):
    call_command(
        "load_region_plan",
        str(PLAN_FILE),
        "--region=530400",
        f"--name={PLAN['name']}",
        "--year=2021",
        "--document-number=玉人社发〔2021〕24号",
        "--start=2021-03-18",
        "--target-date=2021-12-31",
    )
    out = capsys.readouterr().out
    assert "已新建专项行动方案" in out and "目标任务 4 项，涉及县(市、区) 2 个" in out
    with pytest.raises(CommandError, match="找不到区划代码为 999999"):
        call_command(
            "load_region_plan", str(PLAN_FILE), "--region=999999", "--name=x", "--year=2021",
            "--start=2021-03-18", "--target-date=2021-12-31",
        )  # fmt: skip
