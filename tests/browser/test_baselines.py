import datetime

import pytest

from campaigns.models import Campaign, Town, User
from enrolment.models import Insurance
from tests.targets.helpers import records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _completion(page: object, town: str) -> str:
    row = page.get_by_test_id("indicator-resident_pension_insured").locator(f'tr[data-unit="{town}"]')
    return row.get_by_test_id("completion").inner_text().strip()


def test_the_office_sees_missing_baselines_then_the_completion_after_uploading_them(
    browser_page: object, office_user: User, chengjiang: Campaign, fenglu: Town, tmp_path
) -> None:
    records(chengjiang, fenglu, 31, Insurance.RESIDENT_PENSION, datetime.date(2021, 6, 1))
    path = tmp_path / "各镇基数.csv"
    path.write_text("镇(街道),指标,基数\n凤麓街道,城乡居民基本养老保险参保人数,5000\n", encoding="utf-8-sig")
    page = browser_page
    page.login(office_user)
    assert page.get_by_test_id("missing-baselines").is_visible()

    page.get_by_role("link", name="目标任务进度").click()
    page.fill("#as_of", "2021-06-30")
    page.get_by_role("button", name="查看").click()
    page.wait_for_load_state()
    assert _completion(page, "凤麓街道") == "基数未设置"

    page.get_by_role("link", name="基数设置").click()
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_load_state()
    assert "已导入“各镇基数.csv”：1 个基数" in page.locator(".alert-success").inner_text()
    assert page.get_by_role("textbox", name="凤麓街道 · 城乡居民基本养老保险参保人数").input_value() == "5000"

    page.get_by_role("link", name="目标任务进度").click()
    page.fill("#as_of", "2021-06-30")
    page.get_by_role("button", name="查看").click()
    page.wait_for_load_state()
    # 31 of the 1,550 asked for (6,550 − 5,000): 2.0 %, behind the time progress of 36.1 %.
    assert _completion(page, "凤麓街道") == "2.0%"
    row = page.get_by_test_id("indicator-resident_pension_insured").locator('tr[data-unit="凤麓街道"]')
    assert "滞后" in row.inner_text()
    assert _completion(page, "龙街街道") == "基数未设置"


def test_a_town_sees_its_completion_once_the_office_types_its_baseline(
    browser_page: object, office_user: User, town_user: User, chengjiang: Campaign, fenglu: Town
) -> None:
    records(chengjiang, fenglu, 40, Insurance.RESIDENT_PENSION, datetime.date(2021, 6, 1))
    page = browser_page
    page.login(town_user)
    panel = page.get_by_test_id("town-progress-panel")
    resident = panel.locator('tr[data-indicator="resident_pension_insured"]')
    assert resident.get_by_test_id("completion").inner_text().strip() == "基数未设置"
    page.get_by_role("button", name="退出").click()

    page.login(office_user)
    page.get_by_role("link", name="基数设置").click()
    page.get_by_role("textbox", name="凤麓街道 · 城乡居民基本养老保险参保人数").fill("6,150")
    page.get_by_role("button", name="保存基数").click()
    page.wait_for_load_state()
    assert "已保存 1 个基数" in page.locator(".alert-success").inner_text()
    page.get_by_role("button", name="退出").click()

    page.login(town_user)
    # At the campaign's end (the default date after it), 40 of the 400 asked for: 10.0 %.
    completion = page.get_by_test_id("town-progress-panel").locator('tr[data-indicator="resident_pension_insured"]')
    assert completion.get_by_test_id("completion").inner_text().strip() == "10.0%"
