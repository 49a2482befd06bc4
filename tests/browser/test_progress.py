import datetime

import pytest

from campaigns.models import Campaign, Town, User
from enrolment.models import Insurance
from tests.targets.helpers import record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_progress_page_ranks_towns_and_draws_the_chart(
    browser_page: object, office_user: User, chengjiang: Campaign, fenglu: Town
) -> None:
    for _ in range(3):
        record(chengjiang, fenglu, Insurance.RESIDENT_PENSION, datetime.date(2021, 6, 1), contribution=400)
    browser_page.login(office_user)
    browser_page.get_by_role("link", name="目标任务进度").click()
    browser_page.fill("#as_of", "2021-06-30")
    browser_page.get_by_role("button", name="查看").click()
    browser_page.wait_for_load_state()
    assert browser_page.get_by_test_id("progress-title").inner_text() == "目标任务进度"
    assert browser_page.get_by_test_id("time-progress").inner_text() == "36.1%"
    section = browser_page.get_by_test_id("indicator-resident_pension_insured")
    first_town = section.locator("tbody tr").nth(1)
    assert "凤麓街道" in first_town.inner_text()
    # No baseline yet: not judged, shown in grey.
    completion = first_town.get_by_test_id("completion")
    assert completion.inner_text() == "基数未设置"
    assert "tone-none" in (completion.get_attribute("class") or "")
    # Transfers start from 0: 0 % of the task, 36 points behind the time progress, shown in red.
    transfer = browser_page.get_by_test_id("indicator-resident_to_employee_transfer").locator('tr[data-unit="全市"]')
    assert transfer.get_by_test_id("completion").inner_text() == "0.0%"
    assert "tone-bad" in (transfer.get_by_test_id("completion").get_attribute("class") or "")
    chart = browser_page.get_by_test_id("chart-resident_pension_insured")
    assert chart.is_visible()
    assert chart.locator("rect").count() == 7


def test_the_progress_tables_download_as_a_formatted_workbook(
    browser_page: object, office_user: User, chengjiang: Campaign, fenglu: Town, tmp_path
) -> None:

    from openpyxl import load_workbook

    from audit.models import AccessLog

    for _ in range(3):
        record(chengjiang, fenglu, Insurance.RESIDENT_PENSION, datetime.date(2021, 6, 1), contribution=400)
    page = browser_page
    page.login(office_user)
    page.goto("/progress/?as_of=2021-06-30")
    with page.expect_download() as download:
        page.get_by_test_id("progress-export").click()
    assert download.value.suggested_filename == "目标任务进度_2021-06-30.xlsx"
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    sheet = load_workbook(target).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "目标任务进度"
    assert "2021-06-30" in values[1][0] and "36.1%" in values[1][0]
    names = [row[1] for row in values if row and len(row) > 1]
    assert "全市" in names and "凤麓街道" in names
    header = next(row for row in values if row and row[0] == "排名" and len(row) > 4 and row[2] == "目标")
    assert "完成率" in header and "状态" in header
    completion = next(c for row in sheet.iter_rows() for c in row if c.number_format == "0.0%" and c.value is not None)
    assert completion.number_format == "0.0%"
    assert AccessLog.objects.filter(action="export", what__startswith="progress:").exists()
