"""A prefecture's admin loads the prefecture's plan in the browser: from the menu to the form, a file refused
with its rows named, then the right file, and the counties' targets on the plan page. The screenshot goes to
docs/screenshots/region-plan.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaigns.models import Region, Role
from targets.models import CountyTarget
from tests.browser.test_dashboard import SCREENSHOTS
from tests.factories import UserFactory
from tests.targets.test_region_plans import PLAN_FILE, yuxi  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill(page: object, path: Path) -> None:
    page.fill("#id_name", "2021年玉溪市社会保险全民参保扩面专项行动实施方案")
    page.fill("#id_year", "2021")
    page.fill("#id_document_number", "玉人社发〔2021〕24号")
    page.fill("#id_start", "2021-03-18")
    page.fill("#id_target_date", "2021-12-31")
    page.set_input_files("#id_file", str(path))
    page.get_by_test_id("plan-upload-submit").click()


def test_a_prefectures_admin_loads_the_plan_and_reads_each_countys_targets(
    browser_page: object,
    yuxi: Region,  # noqa: F811
    tmp_path: Path,
) -> None:
    admin = UserFactory(username="yuxi-admin", role=Role.ADMIN, region=yuxi)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.login(admin)
    page.click("text=市（州）方案")
    assert page.get_by_test_id("plans-empty").is_visible()
    page.get_by_test_id("plan-upload-link").click()

    bad = tmp_path / "方案有误.csv"
    bad.write_text("县（市、区）,指标,目标值,基数\n曲靖市,employee_pension_insured,100,50\n", encoding="utf-8")
    _fill(page, bad)
    errors = page.get_by_test_id("plan-errors").inner_text()
    assert "第2行" in errors and "曲靖市" in errors
    assert not CountyTarget.objects.exists()

    _fill(page, PLAN_FILE)
    assert "目标任务 4 项" in page.locator(".alert-success").inner_text()
    plan = page.get_by_test_id("plan")
    assert "玉人社发〔2021〕24号" in plan.inner_text()
    rows = [row.split("\t") for row in plan.get_by_test_id("plan-targets").locator("tbody tr").all_inner_texts()]
    assert [row[0] for row in rows][:2] == ["全市（州）", "全市（州）"] and {"江川区", "华宁县"} <= {
        row[0] for row in rows
    }
    page.screenshot(path=str(SCREENSHOTS / "region-plan.png"), full_page=True)
