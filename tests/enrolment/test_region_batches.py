"""A prefecture's push list uploaded on the web: queued, then split by county on a worker, each county's share
its own batch linked to the upload; the upload's counts are the whole file's, its rejected rows numbered as in
the file; all or nothing."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.models import County, Region, Role
from enrolment.models import Batch, ImportStatus, PushEntry, RegionBatch
from enrolment.services.pushlist_import import ImportRefused
from enrolment.services.region_batches import region_batch_import, region_batch_submit
from tests.enrolment.test_pushlist_split import (  # noqa: F401 - fixtures
    counties,
    prefecture_list,
    second_county_refused,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _submit(path: Path, **kwargs) -> RegionBatch:
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return region_batch_submit(
        region=Region.objects.get(code="530400"), kind="person", upload=upload, file_name=path.name, **kwargs
    )


def test_the_upload_is_split_across_counties_and_counts_every_row(counties, chengjiang, prefecture_list):  # noqa: F811
    admin = UserFactory(role=Role.ADMIN, region=Region.objects.get(code="530400"))
    queued = _submit(prefecture_list, label="2021年第一批", uploaded_by=admin)
    assert queued.status == ImportStatus.QUEUED

    done = region_batch_import(region_batch_id=queued.pk)

    assert done.status == ImportStatus.DONE
    assert (done.rows_total, done.imported, done.duplicates, done.rejected) == (6, 3, 0, 3)
    shares = {batch.campaign.county.name: batch for batch in done.batches.select_related("campaign__county")}
    assert sorted(shares) == ["澄江市", "通海县"]
    assert (shares["澄江市"].imported, shares["澄江市"].rejected) == (2, 1)
    assert shares["通海县"].label == "2021年第一批" and shares["通海县"].uploaded_by == admin
    assert set(PushEntry.objects.filter(campaign=chengjiang).values_list("name", flat=True)) == {"澄江甲", "澄江乙"}
    assert list(PushEntry.objects.filter(campaign=counties).values_list("name", flat=True)) == ["通海甲"]
    tonghai_office = UserFactory(role=Role.OFFICE, county=County.objects.get(division_code="530423"))
    assert list(PushEntry.objects.for_user(tonghai_office).values_list("name", flat=True)) == ["通海甲"]
    # A second delivery of the task finds the upload done and does nothing.
    assert region_batch_import(region_batch_id=queued.pk) is None


def test_the_rejected_rows_are_one_workbook_numbered_as_in_the_file(counties, chengjiang, prefecture_list):  # noqa: F811
    done = region_batch_import(region_batch_id=_submit(prefecture_list).pk)

    sheet = openpyxl.load_workbook(done.rejected_file.path).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[2]) for row in rows] == [(6, "陆良甲"), (7, "无县甲"), (8, "澄江丙")]
    assert "不是玉溪市下属的县（市、区）" in rows[0][-1]
    assert "缺少所属县（市、区）" in rows[1][-1]
    assert "校验位错误" in rows[2][-1]


def test_one_county_refused_keeps_none_and_the_upload_fails(
    counties,  # noqa: F811
    chengjiang,
    prefecture_list,  # noqa: F811
    second_county_refused,  # noqa: F811
):
    failed = region_batch_import(region_batch_id=_submit(prefecture_list).pk)

    assert failed.status == ImportStatus.FAILED
    assert failed.error == "该文件正在由另一个导入任务处理或已导入，不能重复导入"
    assert not PushEntry.objects.exists()
    assert not Batch.objects.exists()
    assert not failed.rejected_file


def test_the_same_file_again_is_refused_at_upload(counties, chengjiang, prefecture_list):  # noqa: F811
    region_batch_import(region_batch_id=_submit(prefecture_list).pk)
    with pytest.raises(ImportRefused, match="不能重复导入"):
        _submit(prefecture_list)
    assert RegionBatch.objects.count() == 1
    assert PushEntry.objects.count() == 3


def test_a_file_without_the_county_column_fails_naming_it(counties, chengjiang, tmp_path):  # noqa: F811
    path = tmp_path / "无县列.csv"
    path.write_text("姓名,公民身份号码,所属镇（街道）\n张三,530422198001011234,凤麓街道\n", encoding="utf-8")
    failed = region_batch_import(region_batch_id=_submit(path).pk)
    assert failed.status == ImportStatus.FAILED
    assert "所属县（市、区）" in failed.error
    assert not Batch.objects.exists()
