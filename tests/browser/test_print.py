"""Printing on A4: the progress page, the work queue and the report overview as PDFs from chromium.

Each PDF is A4, carries the title block (campaign, page title, date, 制表时间, who printed it) and none of the
screen's navigation, buttons or filters; a long table goes on over several sheets with its header row
repeated. Set PRINT_PDF_DIR to keep the PDFs (docs/screenshots/ holds their first pages as PNG).
"""

from __future__ import annotations

import datetime
import io
import os
import re
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from campaigns.models import Campaign, Town, User
from enrolment.models import Insurance
from reporting.models import Report
from tests.enrolment.factories import BatchFactory, PushEntryFactory
from tests.targets.helpers import record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A4_POINTS = (595, 842)
NAVIGATION = ["工作台", "参保记录", "季度督导", "退出"]  # menu entries that no printed page has as content


@pytest.fixture
def data(chengjiang: Campaign, fenglu: Town, town_user: User) -> None:
    for day in (1, 2, 3):
        record(chengjiang, fenglu, Insurance.RESIDENT_PENSION, datetime.date(2021, 6, day), contribution=400)
    batch = BatchFactory(campaign=chengjiang, label="2021年第一批")
    PushEntryFactory.create_batch(120, campaign=chengjiang, town=fenglu, batch=batch)
    Report.objects.create(
        campaign=chengjiang,
        period=datetime.date(2021, 6, 1),
        town=fenglu,
        progress="完成入户核查 1200 户。",
        problems="部分外出务工人员联系不上。",
        measures="通过村组微信群逐一联系。",
        status=Report.Status.SUBMITTED,
        first_submitted_at=datetime.datetime(2021, 7, 1, 2, tzinfo=datetime.UTC),
        submitted_at=datetime.datetime(2021, 7, 1, 2, tzinfo=datetime.UTC),
    )


def print_pdf(page: object, path: str, name: str) -> PdfReader:
    page.goto(path)
    page.emulate_media(media="print")
    # What the printer gets, checked in the page itself: no navigation bar, no buttons, no filter form.
    assert not page.locator("nav.navbar").is_visible()
    assert all(not button.is_visible() for button in page.locator("button, .btn").all())
    assert all(not form.is_visible() for form in page.locator("form[method=get]").all())
    assert page.get_by_test_id("print-title").is_visible()
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    page.emulate_media(media="screen")
    if os.environ.get("PRINT_PDF_DIR"):
        Path(os.environ["PRINT_PDF_DIR"], f"{name}.pdf").write_bytes(pdf)
    return PdfReader(io.BytesIO(pdf))


class Printed(str):
    """A sheet's text as read back from the PDF, compared the way a reader compares it.

    CJK fonts share glyphs between ideographs and radicals, so a PDF's text layer may give 民 as ⺠ (U+2EA0) or
    月 as ⽉ (U+2F49): NFKC folds the Kangxi radicals and ligatures; a radical-supplement character matches the
    ideograph it stands for.
    """

    def __contains__(self, expected: object) -> bool:
        pattern = "".join(
            f"(?:{re.escape(c)}|[\u2e80-\u2eff])" if "\u4e00" <= c <= "\u9fff" else re.escape(c)
            for c in unicodedata.normalize("NFKC", str(expected))
        )
        return re.search(pattern, str(self)) is not None


def text_of(reader: PdfReader, page: int = 0) -> Printed:
    return Printed(unicodedata.normalize("NFKC", "".join(reader.pages[page].extract_text().split())))


def assert_title_block(text: Printed, title: str, user: User) -> None:
    assert "2021年澄江市社会保险全民参保扩面专项行动" in text
    assert title in text
    assert "制表时间" in text and f"打印人：{user.username}" in text
    assert not [label for label in NAVIGATION if label in text]


def test_the_progress_page_prints_on_a4_with_a_title_block(browser_page: object, office_user: User, data) -> None:
    browser_page.login(office_user)
    reader = print_pdf(browser_page, "/progress/?as_of=2021-06-30", "progress")
    assert [round(float(v)) for v in reader.pages[0].mediabox.upper_right] == list(A4_POINTS)
    text = text_of(reader)
    assert_title_block(text, "目标任务进度", office_user)
    assert "数据截至：2021年6月30日" in text and "查看" not in text


def test_the_queue_prints_over_several_sheets_repeating_its_header_row(
    browser_page: object, town_user: User, data
) -> None:
    browser_page.login(town_user)
    reader = print_pdf(browser_page, "/entries/", "queue")
    assert len(reader.pages) >= 2
    first, second = text_of(reader, 0), text_of(reader, 1)
    assert_title_block(first, "推送清单核查", town_user)
    assert "筛选" not in first and "下载核查表" not in first
    for text in (first, second):
        assert "姓名/单位名称" in text and "核查状态" in text  # the header row on every sheet


def test_the_report_overview_prints_on_a4(browser_page: object, office_user: User, data) -> None:
    browser_page.login(office_user)
    reader = print_pdf(browser_page, "/reports/overview/2021-06/", "report-overview")
    text = text_of(reader)
    assert_title_block(text, "2021年6月报告报送情况", office_user)
    assert "报告期：2021年6月" in text and "凤麓街道" in text and "人社" in text
    assert "导出Excel" not in text
