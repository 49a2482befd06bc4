import pytest

from campaigns.models import User
from reporting.models import Report, ReportEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page: object) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()


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
    assert "请补充未联系上人员的数量。" in page.content()
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
