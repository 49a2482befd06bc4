"""The office opens the dashboard, changes the date, then generates, edits, publishes and exports the month's
bulletin (xlsx and docx downloaded), and confirms the accountability lead that June's publication raises; a town
user finds the published bulletin on its start page. The screenshot goes to docs/screenshots/bulletin.png."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import docx
import openpyxl
import pytest

from bulletins.models import AccountabilityLead, Bulletin
from bulletins.services import bulletin_open, bulletin_publish
from campaigns.models import Campaign, User
from tests.browser.test_dashboard import SCREENSHOTS, campaign_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _download(page: object, test_id: str) -> bytes:
    with page.expect_download() as download:
        page.get_by_test_id(test_id).click()
    return Path(download.value.path()).read_bytes()


def test_the_office_publishes_and_exports_a_bulletin_and_confirms_a_lead(
    browser_page: object, office_user: User, chengjiang: Campaign
) -> None:
    campaign_data(chengjiang)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.login(office_user)
    page.get_by_role("link", name="工作看板").first.click()
    page.fill("#as_of", "2021-06-30")
    page.get_by_role("button", name="查看").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("time-progress").inner_text() == "36.1%"

    # May: opened (the draft is generated), published as the rule proposes.
    page.get_by_role("link", name="按月通报").first.click()
    page.get_by_role("link", name="2021年5月").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("bulletin-status").inner_text() == "草稿"
    page.get_by_test_id("bulletin-publish").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("bulletin-status").inner_text() == "已发布"

    # June: 九村 missed May's report and June's; the office drops 路居 from the criticism, which needs a reason.
    page.goto("/bulletins/")
    page.get_by_role("link", name="2021年6月").click()
    page.wait_for_load_state()
    decisions = page.get_by_test_id("decisions")
    assert decisions.locator('tr[data-unit="九村镇"]').get_attribute("data-candidate") == "criticism"
    page.get_by_label("路居镇", exact=True).select_option("none")
    page.get_by_test_id("bulletin-save").click()
    page.wait_for_load_state()
    assert "路居镇：与规则建议不同" in page.get_by_test_id("bulletin-errors").inner_text()
    page.get_by_label("路居镇", exact=True).select_option("none")
    page.get_by_label("路居镇调整理由").fill("已于7月5日补报并说明情况")
    page.fill("#commentary", "各镇(街道)要对照目标任务，倒排工期，确保按时完成全年任务。")
    page.get_by_test_id("bulletin-save").click()
    page.wait_for_load_state()
    assert page.get_by_label("路居镇调整理由").input_value() == "已于7月5日补报并说明情况"
    page.get_by_test_id("bulletin-publish").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("bulletin-status").inner_text() == "已发布"
    number = page.get_by_test_id("bulletin-number").inner_text()
    assert number.startswith("澄扩面办通报〔") and number.endswith("〕2号")
    criticised = page.get_by_test_id("criticised")
    assert criticised.locator('li[data-unit="九村镇"]').count() == 1
    assert criticised.locator('li[data-unit="路居镇"]').count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "bulletin.png"), full_page=True)

    book = openpyxl.load_workbook(io.BytesIO(_download(page, "bulletin-xlsx")))
    assert book.sheetnames == ["通报", "主要指标", "镇街排名", "报送情况"]
    document = docx.Document(io.BytesIO(_download(page, "bulletin-docx")))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert number in text and "九村镇" in text and "倒排工期" in text

    page.get_by_test_id("bulletin-print").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("notice-issuer").inner_text() == "澄江市专项扩面工作领导小组办公室"

    # June's publication makes 九村 (criticised in May and June) a lead; the office confirms it.
    page.goto("/bulletins/")
    page.get_by_test_id("leads-link").click()
    page.wait_for_load_state()
    lead = AccountabilityLead.objects.get(town__short_name="九村")
    card = page.get_by_test_id(f"lead-{lead.pk}")
    card.locator("textarea").fill("连续两月未按时报送，移交纪检监察部门")
    card.get_by_test_id("lead-confirm").click()
    page.wait_for_load_state()
    card = page.get_by_test_id(f"lead-{lead.pk}")
    assert "已确认" in card.inner_text()
    workbook = openpyxl.load_workbook(io.BytesIO(_lead_download(card)))
    assert [row[0] for row in workbook["问责线索"].iter_rows(min_row=4, values_only=True)] == ["2021年5月", "2021年6月"]
    lead.refresh_from_db()
    assert (lead.status, lead.decided_by_id) == ("confirmed", office_user.pk)


def _lead_download(card: object) -> bytes:
    with card.page.expect_download() as download:
        card.get_by_test_id("lead-xlsx").click()
    return Path(download.value.path()).read_bytes()


def test_a_town_user_reads_the_published_bulletin(
    browser_page: object, town_user: User, office_user: User, chengjiang: Campaign
) -> None:
    campaign_data(chengjiang)
    draft = bulletin_open(campaign=chengjiang, month=datetime.date(2021, 5, 1), user=office_user)
    bulletin = bulletin_publish(
        bulletin=bulletin_open(campaign=chengjiang, month=datetime.date(2021, 6, 1), user=office_user),
        user=office_user,
    )
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.login(town_user)
    page.get_by_test_id("latest-bulletin-link").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("bulletin-status").inner_text() == "已发布"
    assert page.get_by_test_id("bulletin-number").inner_text() == bulletin.number
    assert page.get_by_test_id("bulletin-form").count() == 0  # nothing to edit
    assert page.get_by_test_id("ranking").locator("tbody tr").count() == 6
    assert page.goto(f"/bulletins/{draft.key}/").status == 404  # May is still a draft
    assert Bulletin.objects.get(pk=draft.pk).status == Bulletin.Status.DRAFT
