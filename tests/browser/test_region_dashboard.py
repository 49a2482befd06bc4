"""The prefecture's office opens its board, sees its counties ranked and goes down to one county's board and a
town of it, read-only. The screenshot goes to docs/screenshots/."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from campaigns.models import Campaign, Region, Role, Town
from enrolment.models import Insurance
from targets.models import Indicator, Target
from tests.browser.test_dashboard import SCREENSHOTS, campaign_data
from tests.factories import CampaignFactory, CountyFactory, TownFactory, UserFactory
from tests.targets.helpers import records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def test_the_prefecture_office_ranks_its_counties_and_reads_one(browser_page: object, chengjiang: Campaign) -> None:
    campaign_data(chengjiang)
    jiangchuan = CampaignFactory(county=CountyFactory(name="江川区", division_code="530403"), name="江川区2021")
    Target.objects.create(
        campaign=jiangchuan, indicator=Indicator.objects.get(code="employee_pension_insured"), target_value=1100,
        baseline=1000,
    )  # fmt: skip
    records(
        jiangchuan, TownFactory(county=jiangchuan.county), 90, Insurance.EMPLOYEE_PENSION, datetime.date(2021, 5, 10)
    )
    call_command("load_regions", str(ROOT / "fixtures" / "regions" / "yuxi.csv"), verbosity=0)
    office = UserFactory(username="yuxi-office", role=Role.OFFICE, region=Region.objects.get(code="530400"))

    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.login(office)
    page.get_by_role("link", name="工作看板").first.click()
    page.wait_for_load_state()
    assert page.get_by_test_id("dashboard-title").inner_text() == "玉溪市 · 各县(市、区)工作看板"
    page.fill("#as_of", "2021-06-30")
    page.get_by_role("button", name="查看").click()
    page.wait_for_load_state()
    rows = page.get_by_test_id("matrix").locator("tbody tr")
    assert [rows.nth(i).get_attribute("data-town") for i in range(rows.count())] == ["玉溪市合计", "江川区", "澄江市"]
    pension = rows.nth(1).locator('td[data-indicator="employee_pension_insured"]')
    assert pension.inner_text().startswith("90.0%")
    assert "tone-good" in pension.get_attribute("class")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-prefecture.png"), full_page=True)

    page.get_by_test_id("matrix").get_by_role("link", name="澄江市").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("dashboard-title").inner_text() == "领导小组工作看板"
    assert page.get_by_test_id("time-progress").inner_text() == "36.1%"
    assert page.get_by_text("去设置").count() == 0  # read-only: baselines are the county's to set
    page.get_by_test_id("matrix").get_by_role("link", name="凤麓街道").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("town-title").inner_text() == "凤麓街道"
    assert Town.objects.filter(county=chengjiang.county).count() == 6


def test_the_prefecture_office_ranks_its_counties_against_its_plan(browser_page: object, chengjiang: Campaign) -> None:
    from targets.services.region_plans import region_plan_load

    jiangchuan = CampaignFactory(county=CountyFactory(name="江川区", division_code="530403"), name="江川区2021")
    records(
        jiangchuan, TownFactory(county=jiangchuan.county), 90, Insurance.EMPLOYEE_PENSION, datetime.date(2021, 5, 10)
    )
    CountyFactory(name="华宁县", division_code="530424")
    call_command("load_regions", str(ROOT / "fixtures" / "regions" / "yuxi.csv"), verbosity=0)
    yuxi = Region.objects.get(code="530400")
    region_plan_load(
        region=yuxi,
        path=ROOT / "tests" / "fixtures" / "plans" / "yuxi_2021_test.csv",
        name="2021年玉溪市社会保险全民参保扩面专项行动实施方案",
        year=2021,
        document_number="玉人社发〔2021〕24号",
        start=datetime.date(2021, 3, 18),
        target_date=datetime.date(2021, 12, 31),
    )
    office = UserFactory(username="yuxi-office", role=Role.OFFICE, region=yuxi)

    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.login(office)
    page.get_by_role("link", name="工作看板").first.click()
    page.wait_for_load_state()
    page.fill("#as_of", "2021-06-30")
    page.get_by_role("button", name="查看").click()
    page.wait_for_load_state()
    assert "玉人社发〔2021〕24号" in page.get_by_test_id("region-plan").inner_text()
    assert page.get_by_test_id("time-progress").inner_text() == "36.1%"
    rows = page.get_by_test_id("matrix").locator("tbody tr")
    assert [rows.nth(i).get_attribute("data-town") for i in range(rows.count())] == ["玉溪市合计", "江川区", "澄江市"]
    pension = rows.nth(1).locator('td[data-indicator="employee_pension_insured"]')
    assert pension.inner_text().startswith("45.0%")
    assert "tone-good" in pension.get_attribute("class")
    total = rows.nth(0).locator('td[data-indicator="employee_pension_insured"]')
    assert total.inner_text().startswith("9.0%") and "tone-bad" in total.get_attribute("class")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-prefecture-plan.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_test_id("dashboard-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.get_by_test_id("matrix").get_by_role("link", name="江川区").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("dashboard-title").inner_text() == "领导小组工作看板"
