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
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state()
    assert "核查状态已更新" in page.content()
    assert page.get_by_test_id("entry-status").inner_text() == "已参保"
    history = page.get_by_test_id("entry-history").inner_text()
    assert "待核查" in history and "已参保" in history and town_user.username in history

    target.refresh_from_db()
    assert target.status == "enrolled"
    assert EnrolmentRecord.objects.filter(entry=target).exists()
    assert PushEntry.objects.get(name="李龙街").status == "pending"


def test_a_town_user_reveals_a_phone_bulk_sets_thirty_entries_unreachable_and_the_funnel_adds_up(
    browser_page: object, chengjiang: Campaign, fenglu: Town, town_user: User
) -> None:
    from playwright.sync_api import expect

    from audit.models import AccessLog
    from tests.factories import VillageFactory

    batch = BatchFactory(campaign=chengjiang, label="2021年第一批")
    round_village = VillageFactory(town=fenglu, name="玉带社区")
    other_village = VillageFactory(town=fenglu, name="清河社区")
    visited = PushEntryFactory.create_batch(
        30, campaign=chengjiang, town=fenglu, village=round_village, batch=batch, phone="13987654321"
    )
    PushEntryFactory.create_batch(5, campaign=chengjiang, town=fenglu, village=other_village, batch=batch)
    PushEntryFactory(campaign=chengjiang, town=fenglu, batch=batch, status="enrolled", village=other_village)
    page = browser_page
    page.login(town_user)
    page.goto("/entries/")
    assert page.get_by_test_id("queue-total").inner_text() == "共 36 条，第 1／1 页"

    # One phone number, to call the person: revealed in its row, and on record.
    first_row = page.locator(f"tr[data-entry-id='{visited[0].pk}']")
    assert "13987654321" not in first_row.inner_text()
    first_row.get_by_test_id("reveal").click()
    expect(first_row.locator("[data-field=phone]")).to_have_text("13987654321")
    expect(first_row.get_by_test_id("reveal")).to_have_count(0)
    reveal = AccessLog.objects.get(action="reveal")
    assert (reveal.user, reveal.what) == (town_user, f"entry:{visited[0].pk}")
    assert "13987654321" not in page.locator(f"tr[data-entry-id='{visited[1].pk}']").inner_text()

    # After the village round: the village's 30 entries, ticked at once, set to 无法联系 in one action.
    page.select_option("#id_village", str(round_village.pk))
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("queue-total").inner_text().startswith("共 30 条")
    page.locator("input[data-select-all]").check()
    assert page.locator("[data-ticked-count]").inner_text() == "30"
    page.select_option("#bulk-status", "unreachable")
    page.get_by_test_id("bulk-submit").click()
    page.wait_for_load_state()
    assert "已将 30 条设为“无法联系”" in page.content()
    page.screenshot(path="docs/screenshots/queue-bulk.png", full_page=True)

    funnel = page.get_by_test_id("entry-funnel")
    pushed = int(funnel.get_by_test_id("funnel-pushed").inner_text())
    parts = [int(text) for text in funnel.locator("[data-testid=funnel-part] strong").all_inner_texts()]
    assert pushed == 36 and sum(parts) == pushed and len(parts) == 5
    assert funnel.get_by_test_id("funnel-unreachable").inner_text() == "30"
    assert funnel.get_by_test_id("funnel-pending").inner_text() == "5"
    assert PushEntry.objects.filter(status="unreachable", village=round_village).count() == 30
    assert PushEntry.objects.filter(village=other_village, status="pending").count() == 5


def test_save_and_next_walks_the_queue(
    browser_page: object, chengjiang: Campaign, fenglu: Town, town_user: User
) -> None:
    batch = BatchFactory(campaign=chengjiang, label="2021年第一批")
    first, second = PushEntryFactory.create_batch(2, campaign=chengjiang, town=fenglu, batch=batch)
    page = browser_page
    page.login(town_user)
    page.goto(f"/entries/{first.pk}/")
    page.select_option("#id_status", "refused")
    page.get_by_test_id("save-and-next").click()
    page.wait_for_load_state()
    # Every wrong field is named (here the one: the note a refusal needs), and nothing moved on.
    assert "备注：标记为“拒绝参保”时必须在备注中说明情况" in page.get_by_test_id("form-errors").inner_text()
    page.fill("#id_note", "本人表示暂不参保")
    page.get_by_test_id("save-and-next").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/entries/{second.pk}/")
    assert "核查状态已更新" in page.content()
    first.refresh_from_db()
    assert first.status == "refused"
