from __future__ import annotations

from pathlib import Path

import pytest

from campaigns.models import User
from tests.enrolment.pushlist_files import PERSON_HEADER, person_rows, write_xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload_through_the_form(page: object, links: list[str], path: Path, label: str) -> None:
    """From the batch list, through the links named by their test ids, to an upload form: a person list sent."""
    page.click("text=推送批次")
    for link in links:
        page.get_by_test_id(link).click()
    page.set_input_files("#id_file", str(path))
    page.select_option("#id_kind", "person")
    page.fill("#id_label", label)
    page.get_by_test_id("upload-submit").click()


def test_an_admin_uploads_a_push_list_and_sees_the_batch_counts(
    browser_page: object, admin_user: User, tmp_path: Path
) -> None:
    rows = person_rows(0, 8)
    rows.append([9, "数字", "男", 530422199001011234, "凤麓", "", "", ""])
    path = write_xlsx(tmp_path / "第一批推送.xlsx", PERSON_HEADER, rows)

    browser_page.login(admin_user)
    upload_through_the_form(browser_page, ["upload-link"], path, "2021年第一批")

    assert browser_page.get_by_test_id("batch-title").inner_text() == "未参保人员 · 2021年第一批"
    assert browser_page.get_by_test_id("batch-status").inner_text() == "已完成"
    assert browser_page.get_by_test_id("imported").inner_text() == "8"
    assert browser_page.get_by_test_id("rejected").inner_text() == "1"
    with browser_page.expect_download() as download:
        browser_page.get_by_test_id("rejected-download").click()
    assert download.value.suggested_filename.startswith("2021年第一批_未导入的行_")
