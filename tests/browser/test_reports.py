"""Monthly reports in a real browser: filing with attachments, the office's review, the way back after a return."""

from __future__ import annotations

import pytest

from campaigns.models import User
from reporting.models import Report, ReportAttachment, ReportEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page: object) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()


def pdf(name: str, text: str = "进展") -> dict[str, object]:
    return {"name": name, "mimeType": "application/pdf", "buffer": f"%PDF-1.4 {text}".encode()}


def jpg(name: str) -> dict[str, object]:
    return {"name": name, "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0 photo"}


def attachment_names(page: object) -> list[str]:
    items = page.get_by_test_id("report-attachments").locator("li")
    return [items.nth(i).get_attribute("data-attachment") for i in range(items.count())]


def test_a_town_files_the_office_returns_and_the_town_resubmits(
    browser_page: object, town_user: User, office_user: User
) -> None:
    page = browser_page
    page.login(town_user)
    page.get_by_role("link", name="月度报告").click()
    page.locator("tr[data-period='2021-06']").get_by_role("link", name="填报").click()
    page.fill("[name=progress]", "完成入户核查 1200 户。")
    page.get_by_role("button", name="报送").click()
    # The other two texts are required to submit: the page says so and keeps what was typed.
    assert "报送前请填写“存在问题”。" in page.content()
    assert page.input_value("[name=progress]") == "完成入户核查 1200 户。"
    page.fill("[name=problems]", "部分外出务工人员联系不上。")
    page.fill("[name=measures]", "通过村组微信群逐一联系。")
    page.get_by_role("button", name="报送").click()
    assert "报告已报送。" in page.content()
    assert page.locator("[name=progress]").count() == 0  # read-only now
    logout(page)

    page.login(office_user)
    page.goto("/reports/overview/2021-06/")
    page.locator("tr[data-unit=凤麓街道]").get_by_role("link", name="详情与审核").click()
    assert "完成入户核查 1200 户。" in page.content()
    page.fill("#return-comment", "请补充未联系上人员的数量。")
    page.get_by_role("button", name="退回").click()
    assert "报告已退回。" in page.content()
    logout(page)

    page.login(town_user)
    page.goto("/reports/2021-06/")
    assert page.get_by_test_id("returned-alert").is_visible()
    assert page.get_by_test_id("return-reason").inner_text() == "请补充未联系上人员的数量。"
    page.fill("[name=problems]", "部分外出务工人员联系不上,共 37 人。")
    page.get_by_role("button", name="报送").click()
    assert "报告已报送。" in page.content()

    report = Report.objects.get()
    assert report.status == Report.Status.SUBMITTED
    assert report.problems == "部分外出务工人员联系不上,共 37 人。"
    assert list(report.events.values_list("action", flat=True)) == [
        ReportEvent.Action.SUBMIT,
        ReportEvent.Action.RETURN,
        ReportEvent.Action.SUBMIT,
    ]


@pytest.mark.parametrize("unit_user", ["town_user", "department_user"])
def test_a_report_with_attachments_goes_from_draft_to_accepted(
    browser_page: object, request: pytest.FixtureRequest, office_user: User, unit_user: str
) -> None:
    """Two attachments, one removed, submitted; returned; an attachment replaced, resubmitted; accepted."""
    user: User = request.getfixturevalue(unit_user)
    page = browser_page
    page.login(user)
    page.get_by_role("link", name="月度报告").click()
    page.locator("tr[data-period='2021-06']").get_by_role("link", name="填报").click()
    page.fill("[name=progress]", "完成入户核查 1200 户。")
    page.set_input_files("[name=attachments]", [pdf("6月工作进展.pdf"), jpg("入户照片.jpg")])
    page.get_by_role("button", name="保存草稿").click()
    assert "草稿已保存。" in page.content()
    assert attachment_names(page) == ["6月工作进展.pdf", "入户照片.jpg"]

    # 删除 removes the attachment and keeps what was typed since the last save.
    page.fill("[name=problems]", "部分外出务工人员联系不上。")
    page.locator("li[data-attachment='入户照片.jpg']").get_by_role("button", name="删除").click()
    assert "已删除附件“入户照片.jpg”。" in page.content()
    assert attachment_names(page) == ["6月工作进展.pdf"]
    assert page.input_value("[name=problems]") == "部分外出务工人员联系不上。"

    page.fill("[name=measures]", "通过村组微信群逐一联系。")
    page.get_by_role("button", name="报送").click()
    assert "报告已报送。" in page.content()
    assert page.locator("[name=progress]").count() == 0
    assert attachment_names(page) == ["6月工作进展.pdf"]
    assert page.get_by_role("button", name="删除").count() == 0
    report = Report.objects.get()
    assert report.status == Report.Status.SUBMITTED
    assert [a.original_name for a in report.attachments.all()] == ["6月工作进展.pdf"]
    logout(page)

    page.login(office_user)
    page.goto("/reports/overview/2021-06/")
    page.locator(f"tr[data-unit='{user.unit.name}']").get_by_role("link", name="详情与审核").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="6月工作进展.pdf").click()
    assert download.value.suggested_filename == "6月工作进展.pdf"
    page.fill("#return-comment", "附件请换成盖章版。")
    page.get_by_role("button", name="退回").click()
    assert "报告已退回。" in page.content()
    logout(page)

    page.login(user)
    page.goto("/reports/2021-06/")
    assert page.get_by_test_id("return-reason").inner_text() == "附件请换成盖章版。"
    # Replace: choose the new file, then remove the old one; both happen in the one post.
    page.set_input_files("[name=attachments]", [pdf("6月工作进展(盖章).pdf", "盖章")])
    page.locator("li[data-attachment='6月工作进展.pdf']").get_by_role("button", name="删除").click()
    assert attachment_names(page) == ["6月工作进展(盖章).pdf"]
    page.get_by_role("button", name="报送").click()
    assert "报告已报送。" in page.content()
    logout(page)

    page.login(office_user)
    page.goto(f"/reports/view/{report.pk}/")
    page.fill("#accept-comment", "同意。")
    page.get_by_role("button", name="审核通过").click()
    assert "已审核通过。" in page.content()
    logout(page)

    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED
    attachment = ReportAttachment.objects.get()
    assert attachment.original_name == "6月工作进展(盖章).pdf"
    assert attachment.file.read() == "%PDF-1.4 盖章".encode()
    assert list(report.events.values_list("action", flat=True)) == [
        ReportEvent.Action.SAVE,
        ReportEvent.Action.SAVE,
        ReportEvent.Action.SUBMIT,
        ReportEvent.Action.RETURN,
        ReportEvent.Action.SAVE,
        ReportEvent.Action.SUBMIT,
        ReportEvent.Action.ACCEPT,
    ]
    page.login(user)
    page.goto("/reports/2021-06/")
    assert page.get_by_test_id("report-status").inner_text() == "已审核"
    assert page.locator("[name=progress]").count() == 0
