"""The Django admin: import with preview (a dry run of the real service), then confirm; entry admin basics."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import Campaign, User
from enrolment.models import Batch, ImportStatus, ListKind, PushEntry
from enrolment.services.pushlist_import import pushlist_import
from tests.enrolment.pushlist_files import PERSON_HEADER, person_id, person_rows, write_xlsx


@pytest.fixture
def list_file(tmp_path: Path) -> Path:
    rows = person_rows(0, 30)
    rows.append([31, "重复", "男", person_id(3), "凤麓", "", "", ""])
    rows.append([32, "外地", "男", person_id(99), "昆明", "", "", ""])
    return write_xlsx(tmp_path / "admin-batch.xlsx", PERSON_HEADER, rows)


def _preview(client, path: Path, kind: str = "person"):
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(reverse("admin:enrolment_batch_import"), {"file": upload, "kind": kind, "label": "后台"})


def test_the_changelist_offers_the_import_button(login, admin_user: User, chengjiang: Campaign) -> None:
    response = login(admin_user).get(reverse("admin:enrolment_batch_changelist"))
    assert reverse("admin:enrolment_batch_import") in response.content.decode()


def test_the_preview_is_a_dry_run_with_counts_first_rows_and_every_rejected_row(
    login, admin_user: User, list_file: Path
) -> None:
    response = _preview(login(admin_user), list_file)

    assert response.status_code == 200
    result = response.context["result"]
    assert (result.imported, result.duplicates, result.rejected) == (30, 1, 1)
    html = response.content.decode()
    assert "不是澄江市的镇（街道）" in html
    assert html.count("<tr><td>") <= 20 + 1  # the first 20 rows and the rejected one, not the whole file
    assert not Batch.objects.exists()
    assert not PushEntry.objects.exists()


def test_confirming_imports_through_the_same_service(
    login, admin_user: User, list_file: Path, django_capture_on_commit_callbacks
) -> None:
    client = login(admin_user)
    confirm = _preview(client, list_file).context["confirm_form"]
    data = {name: confirm.initial[name] for name in ("tmp_name", "file_name", "kind", "label")}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:enrolment_batch_process_import"), data)

    batch = Batch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("batch-detail", args=[batch.pk])
    assert (batch.status, batch.label, batch.file_name) == (ImportStatus.DONE, "后台", "admin-batch.xlsx")
    assert (batch.imported, batch.duplicates, batch.rejected) == (30, 1, 1)
    # The previewed temporary file is gone, and cannot be confirmed twice.
    assert client.post(reverse("admin:enrolment_batch_process_import"), data).status_code == 302
    assert Batch.objects.count() == 1


def test_the_confirm_step_only_accepts_its_own_temporary_files(login, admin_user: User, chengjiang: Campaign) -> None:
    data = {"tmp_name": "../../etc/passwd", "file_name": "x.xlsx", "kind": "person", "label": ""}
    response = login(admin_user).post(reverse("admin:enrolment_batch_process_import"), data)
    assert response.status_code == 302
    assert response.url == reverse("admin:enrolment_batch_import")
    assert not Batch.objects.exists()


def test_a_file_problem_is_shown_on_the_admin_form(login, admin_user: User, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", ("姓名", "所属镇(街道)"), [["张三", "凤麓"]])
    response = _preview(login(admin_user), path)
    assert "公民身份号码" in response.content.decode()
    assert "result" not in response.context


def test_the_same_file_is_refused_in_the_preview(
    login, admin_user: User, chengjiang: Campaign, list_file: Path
) -> None:
    pushlist_import(campaign=chengjiang, kind=ListKind.PERSON, path=list_file)
    response = _preview(login(admin_user), list_file)
    assert "不能重复导入" in response.content.decode()


def test_the_entry_changelist_searches_keys_exactly_without_a_full_count(
    login, admin_user: User, chengjiang: Campaign, list_file: Path
) -> None:
    pushlist_import(campaign=chengjiang, kind=ListKind.PERSON, path=list_file)
    client = login(admin_user)
    url = reverse("admin:enrolment_pushentry_changelist")

    # The search is posted (an ID number never goes into a URL) and the list follows it.
    posted = client.post(url, {"_search": "1", "q": person_id(5)})
    assert posted.status_code == 302 and person_id(5) not in posted["Location"]
    exact = client.get(url)
    assert exact.status_code == 200
    assert exact.context["cl"].result_count == 1
    assert exact.context["cl"].show_full_result_count is False
    client.post(url, {"_search": "1", "q": person_id(5)[:10]})
    assert client.get(url).context["cl"].result_count == 0
    assert client.get(url, {"status__exact": "pending", "kind__exact": "person"}).status_code == 200


def test_an_entry_opens_read_only_in_the_admin(login, admin_user: User, chengjiang: Campaign, list_file: Path) -> None:
    pushlist_import(campaign=chengjiang, kind=ListKind.PERSON, path=list_file)
    entry = PushEntry.objects.first()
    client = login(admin_user)
    response = client.get(reverse("admin:enrolment_pushentry_change", args=[entry.pk]))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    batch = Batch.objects.get()
    page = client.get(reverse("admin:enrolment_batch_change", args=[batch.pk])).content.decode()
    assert reverse("batch-detail", args=[batch.pk]) in page
