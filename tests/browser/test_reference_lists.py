"""A department uploads a death list; the town sees the suggestions in its queue and accepts them in bulk."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaigns.models import Campaign, Department, Role, Town, User
from enrolment.models import EntryStatus, ListKind, NotDueReason, PushEntry
from tests.enrolment.factories import PushEntryFactory
from tests.enrolment.pushlist_files import person_id, write_xlsx
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_a_death_list_reaches_the_town_queue_and_is_accepted_in_bulk(
    browser_page: object, chengjiang: Campaign, fenglu: Town, longjie: Town, town_user: User, tmp_path: Path
) -> None:
    health = UserFactory(
        username="weijian1",
        role=Role.DEPARTMENT,
        department=Department.objects.get(county=chengjiang.county, name="卫生健康"),
    )
    mine = [PushEntryFactory(campaign=chengjiang, town=fenglu, kind=ListKind.PERSON, key=person_id(n)) for n in (1, 2)]
    untouched = PushEntryFactory(campaign=chengjiang, town=fenglu, kind=ListKind.PERSON, key=person_id(3))
    theirs = PushEntryFactory(campaign=chengjiang, town=longjie, kind=ListKind.PERSON, key=person_id(4))
    deaths = write_xlsx(
        tmp_path / "2021年6月死亡人员名单.xlsx",
        ("序号", "姓名", "公民身份号码", "死亡日期"),
        [
            [1, "甲", person_id(1), "2021-05-03"],
            [2, "乙", person_id(2), "2021-05-20"],
            [3, "丁", person_id(4), "2021-06-01"],
            [4, "无名", person_id(900), "2021-06-02"],
            [5, "错号", "530422199001011234", "2021-06-02"],
        ],
        title="澄江市2021年6月死亡人员名单",
    )
    page = browser_page
    page.login(health)
    page.get_by_role("link", name="部门比对数据").first.click()
    assert page.locator("[data-testid=reference-templates] a").count() == 1
    page.select_option("#id_kind", "deceased")
    page.fill("#id_as_of", "2021-06-30")
    page.set_input_files("#id_file", str(deaths))
    page.get_by_test_id("upload-submit").click()
    page.get_by_test_id("reference-counts").wait_for()
    assert page.get_by_test_id("imported").inner_text() == "4"
    assert page.get_by_test_id("rejected").inner_text() == "1"
    assert page.get_by_test_id("matched").inner_text() == "3"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "reference-upload.png"), full_page=True)
    page.get_by_role("button", name="退出").click()

    page.login(town_user)
    page.get_by_role("link", name="推送清单核查").first.click()
    table = page.get_by_test_id("entry-table")
    assert table.locator("[data-suggestion=deceased]").count() == 2
    page.select_option("#id_suggestion", "deceased")
    page.get_by_role("button", name="筛选").click()
    page.get_by_test_id("suggestions-bulk").wait_for()
    assert page.get_by_test_id("entry-table").locator("tbody tr").count() == 2
    page.screenshot(path=str(SCREENSHOTS / "queue-suggestions.png"), full_page=True)
    page.get_by_test_id("suggestions-accept-bulk").click()
    page.wait_for_load_state()
    assert "已批量采纳 2 条比对提示" in page.content()

    for entry in mine:
        entry.refresh_from_db()
        assert (entry.status, entry.not_due_reason) == (EntryStatus.NOT_DUE, NotDueReason.DECEASED)
        assert entry.status_changed_by == town_user
    assert PushEntry.objects.get(pk=untouched.pk).status == EntryStatus.PENDING
    assert PushEntry.objects.get(pk=theirs.pk).status == EntryStatus.PENDING
    page.goto(f"/entries/{mine[0].pk}/")
    suggestions = page.get_by_test_id("entry-suggestions")
    assert "卫生健康" in suggestions.inner_text() and "已由" in suggestions.inner_text()
