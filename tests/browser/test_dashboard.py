"""The office opens its dashboard, changes the date, sorts the matrix, opens a town and downloads the workbook;
a town user reaches its own start page and not the dashboard. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import openpyxl
import pytest

from campaigns.models import Campaign, Town, User, Village
from enrolment.models import EntryStatus, Insurance, ListKind
from reporting.models import Report
from reporting.schedule import SHANGHAI
from targets.models import Target
from targets.services import progress_refresh
from tests.enrolment.factories import PushEntryFactory
from tests.targets.helpers import project, records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def campaign_data(campaign: Campaign) -> None:
    """Three months of a county's work, enough for every panel to say something."""
    towns = {town.short_name: town for town in Town.objects.filter(county=campaign.county)}
    baselines = {"凤麓": 5900, "龙街": 35200, "右所": 21600, "海口": 13300}
    for short, baseline in baselines.items():
        Target.objects.filter(indicator__code="resident_pension_insured", town=towns[short]).update(baseline=baseline)
    monthly = {"凤麓": 90, "龙街": 120, "右所": 60, "海口": 20, "九村": 30, "路居": 70}
    for month in (4, 5, 6):
        for short, n in monthly.items():
            town = towns[short]
            records(campaign, town, n, Insurance.RESIDENT_PENSION, datetime.date(2021, month, 12), 300 + 10 * month)
            records(campaign, town, n // 10, Insurance.EMPLOYEE_PENSION, datetime.date(2021, month, 12), None, True)
            records(campaign, town, n * 2, Insurance.EMPLOYEE_PENSION, datetime.date(2021, month, 15))
            records(campaign, town, n // 4, Insurance.UNEMPLOYMENT, datetime.date(2021, month, 15))
            records(campaign, town, n // 3, Insurance.WORK_INJURY, datetime.date(2021, month, 15))
    for index, town in enumerate(towns.values()):
        village = Village.objects.create(town=town, name=f"{town.short_name}社区")
        for status in [EntryStatus.PENDING] * 4 + [EntryStatus.ENROLLED, EntryStatus.REFUSED, EntryStatus.UNREACHABLE]:
            PushEntryFactory(campaign=campaign, town=town, village=village, kind=ListKind.PERSON, status=status)
        project(town, datetime.date(2021, 5, 1), insured=index % 3 != 0)
    submitted = datetime.datetime(2021, 6, 1, 9, tzinfo=SHANGHAI)
    for short in ("凤麓", "龙街", "右所", "海口"):
        late = submitted + datetime.timedelta(days=3 if short == "海口" else 0)
        Report.objects.create(
            campaign=campaign,
            period=datetime.date(2021, 5, 1),
            town=towns[short],
            progress="进展",
            problems="问题",
            measures="措施",
            status=Report.Status.SUBMITTED,
            first_submitted_at=late,
            submitted_at=late,
        )
    progress_refresh(campaign=campaign)


def test_the_office_works_through_its_dashboard(
    browser_page: object, office_user: User, chengjiang: Campaign, fenglu: Town
) -> None:
    campaign_data(chengjiang)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.login(office_user)
    page.get_by_role("link", name="工作看板").first.click()
    page.wait_for_load_state()
    assert page.get_by_test_id("dashboard-title").inner_text() == "领导小组工作看板"

    page.fill("#as_of", "2021-06-30")
    page.get_by_role("button", name="查看").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("time-progress").inner_text() == "36.1%"
    assert page.get_by_test_id("current-phase").inner_text() == "参保缴费"
    matrix = page.get_by_test_id("matrix")
    assert matrix.locator("tbody tr").count() == 7  # the city, then six towns
    assert matrix.locator("tbody tr").first.get_attribute("data-town") == "全市"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    # Sorted by the resident pension, best first: 龙街 has 360 of the 800 it must gain (45.0 %), the best of the
    # four towns with a baseline (凤麓 270 of 650, 右所 180 of 450, 海口 60 of 250).
    page.get_by_role("link", name="城乡居民基本养老保险参保人数").first.click()
    page.wait_for_load_state()
    if "-resident_pension_insured" not in page.url:
        page.get_by_role("link", name="城乡居民基本养老保险参保人数").first.click()
        page.wait_for_load_state()
    rows = page.get_by_test_id("matrix").locator("tbody tr")
    assert rows.nth(1).get_attribute("data-town") == "龙街街道"
    assert rows.nth(1).locator('td[data-indicator="resident_pension_insured"]').inner_text().startswith("45.0%")
    assert rows.nth(2).get_attribute("data-town") == "凤麓街道"

    with page.expect_download() as download:
        page.get_by_test_id("dashboard-xlsx").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames == ["主要指标", "镇街完成情况", "推送清单核查"]

    page.get_by_test_id("matrix").get_by_role("link", name="凤麓街道").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("town-title").inner_text() == "凤麓街道"
    targets = page.get_by_test_id("town-targets")
    assert targets.locator('tr[data-indicator="resident_pension_insured"]').get_by_test_id(
        "completion"
    ).inner_text() == ("41.5%")


def test_a_town_user_reaches_its_start_page_and_not_the_dashboard(
    browser_page: object, town_user: User, chengjiang: Campaign
) -> None:
    campaign_data(chengjiang)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.login(town_user)
    assert page.get_by_test_id("start-title").inner_text() == "镇(街道)工作台"
    assert page.get_by_role("link", name="工作看板").count() == 0
    assert page.get_by_test_id("town-progress-panel").is_visible()
    assert page.get_by_test_id("town-open-entries").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "town-start.png"), full_page=True)
    response = page.goto("/dashboard/")
    assert response.status == 403
