"""Department data uploaded from the browser: /imports/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AccessLog
from campaigns.models import Campaign, Role, User
from enrolment.models import DataImport, EnrolmentRecord, ImportStatus
from enrolment.services.data_imports import data_import_run, data_import_submit
from tests.targets.helpers import new_id_number, write_records_csv

RP = "城乡居民基本养老保险"


def export_file(tmp_path: Path, *, bad_rows: int = 1) -> SimpleUploadedFile:
    rows = [["张一", new_id_number(), RP, "2021-06-03", "凤麓街道", "", "300", ""]]
    rows += [["李二", new_id_number(), RP, "2021/6/4", "龙街", "", "500", ""]]
    rows += [["坏号", "530481199001011235", RP, "2021-06-01", "凤麓街道", "", "100", ""]] * bad_rows
    path = write_records_csv(tmp_path / "参保数据.csv", rows)
    return SimpleUploadedFile("参保数据.csv", path.read_bytes(), content_type="text/csv")


def upload(client, tmp_path: Path, capture, **overrides) -> object:
    data = {"source": DataImport.Source.ENROLMENTS, "file": export_file(tmp_path), **overrides}
    with capture(execute=True):
        return client.post(reverse("data-import-upload"), data)


def test_an_admin_uploads_an_enrolment_export_and_a_worker_imports_it(
    admin_user: User, login, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    response = upload(login(admin_user), tmp_path, django_capture_on_commit_callbacks)
    data_import = DataImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("data-import-detail", args=[data_import.pk])
    assert (data_import.status, data_import.created, data_import.updated, data_import.rejected) == ("done", 2, 0, 1)
    assert data_import.uploaded_by == admin_user
    assert EnrolmentRecord.objects.count() == 2
    page = login(admin_user).get(response.url).content.decode()
    assert "下载拒收清单" in page


def test_a_file_without_a_required_column_is_refused_on_the_form(
    admin_user: User, login, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    path = tmp_path / "no-id.csv"
    path.write_text("姓名,险种,参保日期,所属镇(街道)\n张一,失业保险,2021-06-01,凤麓\n", encoding="utf-8")
    bad = SimpleUploadedFile("no-id.csv", path.read_bytes())
    response = upload(login(admin_user), tmp_path, django_capture_on_commit_callbacks, file=bad)
    assert response.status_code == 200
    assert "缺少必需的列" in response.content.decode()
    assert not DataImport.objects.exists()


def test_the_rejected_rows_download_is_logged(
    admin_user: User, login, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    upload(login(admin_user), tmp_path, django_capture_on_commit_callbacks)
    data_import = DataImport.objects.get()
    response = login(admin_user).get(reverse("data-import-rejected", args=[data_import.pk]))
    assert response.status_code == 200
    access = AccessLog.objects.personal_data().get()
    assert (access.user, access.what, access.rows) == (admin_user, f"data_import:{data_import.pk}:rejected", 1)


def test_a_second_delivery_of_the_task_does_nothing(chengjiang: Campaign, admin_user: User, tmp_path: Path) -> None:
    data_import = data_import_submit(
        campaign=chengjiang, source=DataImport.Source.ENROLMENTS, upload=export_file(tmp_path), uploaded_by=admin_user
    )
    assert data_import_run(data_import_id=data_import.pk).status == ImportStatus.DONE
    assert data_import_run(data_import_id=data_import.pk) is None
    assert EnrolmentRecord.objects.count() == 2


def test_the_progress_json_says_when_it_has_finished(
    admin_user: User, office_user: User, login, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    upload(login(admin_user), tmp_path, django_capture_on_commit_callbacks)
    data = login(office_user).get(reverse("data-import-progress", args=[DataImport.objects.get().pk])).json()
    assert data["finished"] is True
    assert (data["percent"], data["created"], data["updated"], data["rejected"]) == (100, 2, 0, 1)


@pytest.mark.parametrize(
    ("role", "list_status", "upload_status"),
    [(Role.ADMIN, 200, 200), (Role.OFFICE, 200, 403), (Role.TOWN, 403, 403), (Role.DEPARTMENT, 403, 403)],
)
def test_who_may_see_and_upload(users: dict, login, role: str, list_status: int, upload_status: int) -> None:
    client = login(users[role])
    assert client.get(reverse("data-import-list")).status_code == list_status
    assert client.get(reverse("data-import-upload")).status_code == upload_status


@pytest.mark.broker
def test_an_upload_is_imported_by_a_real_worker(
    celery_worker_on_broker: object, tmp_path: Path, admin_user_on_real_db: User
) -> None:
    import time

    campaign = Campaign.objects.get()
    data_import = data_import_submit(
        campaign=campaign,
        source=DataImport.Source.ENROLMENTS,
        upload=export_file(tmp_path),
        uploaded_by=admin_user_on_real_db,
    )
    for _ in range(100):
        data_import.refresh_from_db()
        if data_import.status in (ImportStatus.DONE, ImportStatus.FAILED):
            break
        time.sleep(0.2)
    assert (data_import.status, data_import.created, data_import.rejected) == (ImportStatus.DONE, 2, 1)


@pytest.fixture
def admin_user_on_real_db(transactional_db: None) -> User:
    from django.core.management import call_command

    from tests.factories import UserFactory

    call_command("loaddata", "chengjiang_2021", verbosity=0)
    return UserFactory(username="worker-admin", role=Role.ADMIN)


def test_a_crash_while_storing_leaves_nothing_and_marks_the_upload_failed(
    chengjiang: Campaign, admin_user: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("530481199001011235 在错误信息里")

    # The database refuses the records' bulk insert (the last step, inside the import transaction).
    monkeypatch.setattr(EnrolmentRecord.objects, "bulk_create", crash)
    data_import = data_import_submit(
        campaign=chengjiang, source=DataImport.Source.ENROLMENTS, upload=export_file(tmp_path), uploaded_by=admin_user
    )
    data_import = data_import_run(data_import_id=data_import.pk)
    assert data_import.status == ImportStatus.FAILED
    assert "RuntimeError" in data_import.error
    assert "530481" not in data_import.error
    assert not EnrolmentRecord.objects.exists()


def test_a_crash_while_reading_is_marked_failed_from_the_command_line_too(
    chengjiang: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from enrolment.services.records import records_import

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("unreadable")

    monkeypatch.setattr("enrolment.services._upsert.open_table", crash)
    path = tmp_path / "参保数据.csv"
    path.write_bytes(export_file(tmp_path).read())
    with pytest.raises(RuntimeError):
        records_import(campaign=chengjiang, path=path)
    data_import = DataImport.objects.get()
    assert data_import.status == ImportStatus.FAILED
    assert "RuntimeError" in data_import.error
