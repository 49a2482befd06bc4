import pytest

from campaigns.models import Campaign, Town, User
from enrolment.models import EnrolmentRecord, PushEntry
from tests.enrolment.factories import BatchFactory, PushEntryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_town_user_filters_the_queue_opens_an_entry_and_marks_it_enrolled(
    browser_page: object, chengjiang: Campaign, fenglu: Town, longjie: Town, town_user: User
) -> None:
    batch = BatchFactory(campaign=chengjiang, label="2021年第一批")
    target = PushEntryFactory(campaign=chengjiang, town=fenglu, batch=batch, name="张凤麓")
    PushEntryFactory(campaign=chengjiang, town=fenglu, batch=batch, name="王凤麓", status="unreachable")
    PushEntryFactory(campaign=chengjiang, town=longjie, batch=batch, name="李龙街")
    page = browser_page
    page.login(town_user)
    page.get_by_role("link", name="推送清单核查").first.click()
    page.wait_for_load_state()
    table = page.get_by_test_id("entry-table")
    assert "张凤麓" in table.inner_text() and "王凤麓" in table.inner_text()
    assert "李龙街" not in page.content()

    page.select_option("#id_status", "pending")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    assert "王凤麓" not in page.get_by_test_id("entry-table").inner_text()

    page.get_by_role("link", name="张凤麓").click()
    page.wait_for_load_state()
    assert "530422********" in page.get_by_test_id("entry-key").inner_text()
    page.select_option("#id_status", "enrolled")
    page.select_option("#id_insurance", "employee_pension")
    page.fill("#id_enrolled_on", "2021-06-03")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "核查状态已更新" in page.content()
    assert page.get_by_test_id("entry-status").inner_text() == "已参保"
    history = page.get_by_test_id("entry-history").inner_text()
    assert "待核查" in history and "已参保" in history and town_user.username in history

    target.refresh_from_db()
    assert target.status == "enrolled"
    assert EnrolmentRecord.objects.filter(entry=target).exists()
    assert PushEntry.objects.get(name="李龙街").status == "pending"
