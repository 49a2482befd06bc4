"""Recording an upload, the one door for every kind of uploaded import: when a second upload of the same file
slips past the earlier-file check (two browsers at once), the table's constraint refuses it, the file it had
stored is deleted again and nothing is audited."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile

from audit.models import AccessLog
from campaigns.models import Campaign, Department, Role
from enrolment.models import Batch, ImportStatus, ReferenceList
from enrolment.services import pushlist_import, references
from enrolment.services.pushlist_import import ImportRefused, batch_create
from enrolment.services.references import ReferenceRefused, reference_submit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONTENT = b"PK\x03\x04 the same bytes twice"


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _stored(media) -> list[str]:
    return sorted(path.name for path in media.rglob("*") if path.is_file())


def test_a_racing_second_push_list_upload_is_refused_and_leaves_no_file(
    chengjiang: Campaign, media, monkeypatch
) -> None:
    admin = UserFactory(role=Role.ADMIN, county=chengjiang.county)
    first = batch_create(
        campaign=chengjiang, kind="person", upload=ContentFile(CONTENT), file_name="一批.xlsx", uploaded_by=admin
    )
    assert AccessLog.objects.filter(what=f"batch:{first.pk}").count() == 1
    stored = _stored(media)
    monkeypatch.setattr(pushlist_import, "_refuse_same_file", lambda **kwargs: None)  # the race: both checked

    with pytest.raises(ImportRefused, match="不能重复导入"):
        batch_create(
            campaign=chengjiang, kind="person", upload=ContentFile(CONTENT), file_name="一批.xlsx", uploaded_by=admin
        )

    assert list(Batch.objects.values_list("pk", "status")) == [(first.pk, ImportStatus.QUEUED)]
    assert _stored(media) == stored
    assert AccessLog.objects.filter(what__startswith="batch:").count() == 1


def test_a_racing_second_reference_upload_is_refused_and_leaves_no_file(
    chengjiang: Campaign, media, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    department = Department.objects.get(county=chengjiang.county, name="卫生健康")
    health = UserFactory(role=Role.DEPARTMENT, department=department)
    upload = {"campaign": chengjiang, "kind": "deceased", "as_of": datetime.date(2021, 6, 1), "uploaded_by": health}
    first = reference_submit(**upload, upload=ContentFile(CONTENT), file_name="死亡.xlsx")
    stored = _stored(media)
    monkeypatch.setattr(references, "_refuse_same_file", lambda **kwargs: None)

    with pytest.raises(ReferenceRefused, match="不能重复导入"):
        reference_submit(**upload, upload=ContentFile(CONTENT), file_name="死亡.xlsx")

    assert list(ReferenceList.objects.values_list("pk", flat=True)) == [first.pk]
    assert _stored(media) == stored
    assert AccessLog.objects.filter(what__startswith="reference_list:").count() == 1
