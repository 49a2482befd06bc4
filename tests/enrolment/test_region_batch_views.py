"""The region upload pages: a prefecture's admin uploads its push list, follows it to its counties' batches and
downloads its rejected rows; another prefecture gets 404, a county's own staff 403, the office no upload."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AccessLog
from campaigns.models import Region, Role, User
from enrolment.models import ImportStatus, ListKind, RegionBatch
from enrolment.services.pushlist_split import pushlist_split_import
from tests.enrolment.test_pushlist_split import counties, prefecture_list  # noqa: F401 - fixtures
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def yuxi_admin(counties) -> User:  # noqa: F811
    return UserFactory(username="yuxi-admin", role=Role.ADMIN, region=Region.objects.get(code="530400"))


@pytest.fixture
def upload(chengjiang, prefecture_list, django_capture_on_commit_callbacks):  # noqa: F811
    """``upload(client)`` posts 玉溪's list on the upload page, its import run as the worker would."""

    def post(client):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("region-batch-upload"),
                {
                    "file": SimpleUploadedFile(prefecture_list.name, prefecture_list.read_bytes()),
                    "kind": "person",
                    "label": "2021年第一批",
                },
            )

    return post


def test_a_prefecture_admin_uploads_and_sees_each_countys_share(login, yuxi_admin, upload):
    client = login(yuxi_admin)
    batches = client.get(reverse("batch-list")).content.decode()
    assert reverse("region-batch-list") in batches and reverse("batch-upload") not in batches
    assert reverse("region-batch-upload") in client.get(reverse("region-batch-list")).content.decode()

    response = upload(client)
    region_batch = RegionBatch.objects.get()
    assert response.url == reverse("region-batch-detail", args=[region_batch.pk])
    page = client.get(response.url).content.decode()
    assert "未参保人员 · 2021年第一批" in page
    assert "澄江市" in page and "通海县" in page
    assert reverse("region-batch-rejected", args=[region_batch.pk]) in page
    progress = client.get(reverse("region-batch-progress", args=[region_batch.pk])).json()
    assert progress["status"] == ImportStatus.DONE and progress["finished"]
    assert (progress["rows_total"], progress["imported"], progress["rejected"]) == (6, 3, 3)
    download = client.get(reverse("region-batch-rejected", args=[region_batch.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert "2021年第一批" in client.get(reverse("region-batch-list")).content.decode()


def test_the_same_file_again_is_refused_on_the_form(login, yuxi_admin, upload):
    client = login(yuxi_admin)
    upload(client)
    again = upload(client)
    assert again.status_code == 200
    assert "不能重复导入" in again.content.decode()
    assert RegionBatch.objects.count() == 1


def test_a_file_without_a_county_column_is_refused_on_the_form(login, yuxi_admin, chengjiang, tmp_path):
    path = tmp_path / "无县列.csv"
    path.write_text("姓名,公民身份号码,所属镇（街道）\n张三,530422198001011234,凤麓街道\n", encoding="utf-8")
    response = login(yuxi_admin).post(
        reverse("region-batch-upload"), {"file": SimpleUploadedFile(path.name, path.read_bytes()), "kind": "person"}
    )
    assert response.status_code == 200
    assert "所属县（市、区）" in response.content.decode()
    assert not RegionBatch.objects.exists()


def test_another_prefecture_gets_404_and_county_staff_403(login, yuxi_admin, admin_user, upload):
    upload(login(yuxi_admin))
    pk = RegionBatch.objects.get().pk
    qujing = login(UserFactory(role=Role.ADMIN, region=Region.objects.get(code="530300")))
    for name in ("region-batch-detail", "region-batch-progress", "region-batch-rejected"):
        assert qujing.get(reverse(name, args=[pk])).status_code == 404, name
    assert "2021年第一批" not in qujing.get(reverse("region-batch-list")).content.decode()
    county_admin = login(admin_user)
    assert county_admin.get(reverse("region-batch-upload")).status_code == 403
    assert county_admin.get(reverse("region-batch-detail", args=[pk])).status_code == 403
    assert reverse("region-batch-list") not in county_admin.get(reverse("batch-list")).content.decode()
    office = login(UserFactory(role=Role.OFFICE, region=Region.objects.get(code="530400")))
    assert office.get(reverse("region-batch-upload")).status_code == 403


def test_the_upload_page_offers_each_kinds_template_with_the_county_column(login, yuxi_admin, chengjiang, tmp_path):
    client = login(yuxi_admin)
    page = client.get(reverse("region-batch-upload")).content.decode()
    for kind in ListKind.values:
        assert reverse("region-batch-template", args=[kind]) in page
    assert "所属县（市、区）" in page

    response = client.get(reverse("region-batch-template", args=[ListKind.PERSON]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    headers = [cell.value for cell in next(load_workbook(BytesIO(response.content)).worksheets[0].iter_rows())]
    assert "所属县（市、区）" in headers and "公民身份号码" in headers
    assert AccessLog.objects.filter(action="download", what="region_batch_template:person").exists()
    assert client.get(reverse("region-batch-template", args=["nothing"])).status_code == 404

    # The template's example row, uploaded as it is, lands in the county it names.
    path = tmp_path / "模板.xlsx"
    path.write_bytes(response.content)
    result = pushlist_split_import(
        region=Region.objects.get(code="530400"), kind=ListKind.PERSON, path=path, label="模板", uploaded_by=yuxi_admin
    )
    assert (result.imported, result.rejected) == (1, 0)
    assert [county.name for county, share in result.by_county if share.imported] == ["澄江市"]


def test_county_staff_get_no_region_template(login, admin_user, counties):  # noqa: F811
    assert login(admin_user).get(reverse("region-batch-template", args=[ListKind.PERSON])).status_code == 403
