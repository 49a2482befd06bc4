"""The plan pages: a prefecture's admin loads its plan from a file in the browser's form (whole or not at all,
each refused row named), its office reads it, another prefecture sees none of it and a county's staff have no
plan pages."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AccessLog
from campaigns.models import Region, RegionPlan, Role
from targets.models import CountyTarget
from targets.services.region_plans import PLAN_COLUMNS
from tests.factories import UserFactory
from tests.targets.test_region_plans import PLAN_FILE, yuxi  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

FORM = {
    "name": "2021年玉溪市社会保险全民参保扩面专项行动实施方案",
    "year": "2021",
    "document_number": "玉人社发〔2021〕24号",
    "start": "2021-03-18",
    "target_date": "2021-12-31",
}


def _post(client, path=PLAN_FILE, **changes):
    data = {**FORM, **changes, "file": SimpleUploadedFile(path.name, path.read_bytes())}
    return client.post(reverse("region-plan-upload"), data)


@pytest.fixture
def yuxi_admin(yuxi):  # noqa: F811
    return UserFactory(username="yuxi-admin", role=Role.ADMIN, region=yuxi)


def test_a_prefectures_admin_loads_its_plan_and_reads_its_targets(login, yuxi_admin):
    client = login(yuxi_admin)
    assert reverse("region-plans") in client.get(reverse("home"), follow=True).content.decode()
    response = _post(client)
    assert response.status_code == 302 and response.url == reverse("region-plans")
    plan = RegionPlan.objects.get()
    assert (plan.region.code, plan.document_number) == ("530400", "玉人社发〔2021〕24号")
    assert CountyTarget.objects.filter(plan=plan).count() == 4
    page = client.get(reverse("region-plans")).content.decode()
    assert "已新建专项行动方案" in page and "目标任务 4 项，涉及县(市、区) 2 个" in page
    assert "江川区" in page and "华宁县" in page and "全市（州）" in page and "90.0%" in page
    # Its changes are on record with who made them.
    assert CountyTarget.history.filter(history_user=yuxi_admin).count() == 4


def test_a_bad_row_is_named_on_the_form_and_nothing_is_loaded(login, yuxi_admin, tmp_path):
    path = tmp_path / "方案.csv"
    path.write_text(
        "县（市、区）,指标,目标值,基数\n江川区,employee_pension_insured,1200,1000\n昆明市,无此指标,abc,\n",
        encoding="utf-8",
    )
    response = _post(login(yuxi_admin), path)
    assert response.status_code == 400
    page = response.content.decode()
    assert "第3行" in page and "昆明市" in page and "无此指标" in page
    assert not RegionPlan.objects.exists() and not CountyTarget.objects.exists()


def test_dates_in_the_wrong_order_and_a_file_without_the_columns_are_refused(login, yuxi_admin, tmp_path):
    client = login(yuxi_admin)
    response = _post(client, target_date="2021-03-01")
    assert response.status_code == 400 and "目标日期应晚于开始日期" in response.content.decode()
    path = tmp_path / "无表头.csv"
    path.write_text("名称,数值\n江川区,1\n", encoding="utf-8")
    response = _post(client, path)
    assert response.status_code == 400 and "指标" in response.content.decode()
    assert not RegionPlan.objects.exists()


def test_the_template_downloads_with_the_plans_columns_and_is_logged(login, yuxi_admin):
    response = login(yuxi_admin).get(reverse("region-plan-template"))
    assert response.status_code == 200
    headers = [cell.value for cell in next(load_workbook(BytesIO(response.content)).worksheets[0].iter_rows())]
    assert headers == [column.label for column in PLAN_COLUMNS] and headers[:3] == [
        "所属县（市、区）",
        "指标",
        "目标值",
    ]
    assert AccessLog.objects.filter(action="download", what="region_plan_template").exists()


def test_the_office_reads_the_plan_but_cannot_load_one(login, yuxi_admin, yuxi):  # noqa: F811
    _post(login(yuxi_admin))
    office = login(UserFactory(role=Role.OFFICE, region=yuxi))
    assert "玉人社发〔2021〕24号" in office.get(reverse("region-plans")).content.decode()
    assert office.get(reverse("region-plan-upload")).status_code == 403
    assert _post(office, name="另一个方案").status_code == 403
    assert RegionPlan.objects.count() == 1


def test_another_prefecture_sees_none_of_it_and_county_staff_have_no_plan_pages(
    login, yuxi_admin, admin_user, office_user
):
    _post(login(yuxi_admin))
    qujing = login(UserFactory(role=Role.OFFICE, region=Region.objects.get(code="530300")))
    page = qujing.get(reverse("region-plans"))
    assert page.status_code == 200 and "玉人社发〔2021〕24号" not in page.content.decode()
    for user in (admin_user, office_user):
        client = login(user)
        assert reverse("region-plans") not in client.get(reverse("home"), follow=True).content.decode()
        for name in ("region-plans", "region-plan-upload", "region-plan-template"):
            assert client.get(reverse(name)).status_code == 403, (user, name)
        assert _post(client, name="县里的方案").status_code == 403
    assert RegionPlan.objects.count() == 1
