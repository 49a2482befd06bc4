"""A prefecture's admin uploads one push list for all its counties from the batch list, sees the whole file's
counts and each county's share, and downloads the rows that went nowhere. The screenshot goes to
docs/screenshots/region-batch-upload.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from campaigns.models import Campaign, Region, Role
from tests.browser.test_batch_upload import upload_through_the_form
from tests.browser.test_dashboard import SCREENSHOTS
from tests.enrolment.test_pushlist_split import counties, prefecture_list  # noqa: F401 - fixtures
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_prefecture_admin_pushes_one_list_to_its_counties(
    browser_page: object,
    counties: Campaign,  # noqa: F811
    chengjiang: Campaign,
    prefecture_list: Path,  # noqa: F811
) -> None:
    admin = UserFactory(username="yuxi-admin", role=Role.ADMIN, region=Region.objects.get(code="530400"))

    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.login(admin)
    upload_through_the_form(
        page, ["region-batches-link", "region-upload-link"], prefecture_list, "2021年第一批（玉溪市）"
    )

    assert page.get_by_test_id("batch-title").inner_text() == "未参保人员 · 2021年第一批（玉溪市）"
    assert page.get_by_test_id("batch-status").inner_text() == "已完成"
    assert page.get_by_test_id("rows-total").inner_text() == "6"
    assert page.get_by_test_id("imported").inner_text() == "3"
    assert page.get_by_test_id("rejected").inner_text() == "3"
    shares = page.get_by_test_id("county-batches").locator("tbody tr")
    assert shares.count() == 2
    # In the order of their division codes (通海县 530423, 澄江市 530481).
    assert shares.nth(0).inner_text().split() == ["通海县", "1", "1", "0", "0"]
    assert shares.nth(1).inner_text().split() == ["澄江市", "3", "2", "0", "1"]
    page.screenshot(path=str(SCREENSHOTS / "region-batch-upload.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_test_id("rejected-download").click()
    assert download.value.suggested_filename.startswith("2021年第一批（玉溪市）_未导入的行_")

    shares.nth(0).get_by_role("link").click()
    assert page.get_by_test_id("imported").inner_text() == "1"


def test_a_prefecture_admin_downloads_the_template_with_the_county_column(
    browser_page: object,
    counties: Campaign,  # noqa: F811
    chengjiang: Campaign,
) -> None:
    admin = UserFactory(username="yuxi-admin", role=Role.ADMIN, region=Region.objects.get(code="530400"))
    page = browser_page
    page.login(admin)
    page.click("text=推送批次")
    page.get_by_test_id("region-batches-link").click()
    page.get_by_test_id("region-upload-link").click()
    templates = page.get_by_test_id("import-templates")
    assert "所属县（市、区）" in templates.inner_text()
    with page.expect_download() as download:
        templates.get_by_role("link", name="未参保人员", exact=True).click()
    with open(download.value.path(), "rb") as downloaded:  # a temporary file without an extension
        book = load_workbook(downloaded)
    headers = [cell.value for cell in next(book.worksheets[0].iter_rows())]
    assert "所属县（市、区）" in headers and download.value.suggested_filename == "未参保人员_导入模板.xlsx"
