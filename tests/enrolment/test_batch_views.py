"""The batch pages: upload (admins), list, page, progress and rejected rows (admins and office), per role."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AccessLog
from campaigns.models import Campaign, Role, User
from enrolment.models import Batch, EntryStatus, ImportStatus, ListKind, PushEntry
from enrolment.services.pushlist_import import pushlist_import
from tests.enrolment.pushlist_files import PERSON_HEADER, person_id, person_rows, write_xlsx
from tests.factories import CountyFactory, UserFactory


def _upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


@pytest.fixture
def list_file(tmp_path: Path) -> Path:
    rows = person_rows(0, 3)
    rows += person_rows(10, 2, town="龙街街道")
    rows.append([6, "数字", "男", 530422199001011234, "凤麓", "", "", ""])
    return write_xlsx(tmp_path / "第一批.xlsx", PERSON_HEADER, rows)


@pytest.fixture
def batch(chengjiang: Campaign, list_file: Path) -> Batch:
    return pushlist_import(campaign=chengjiang, kind=ListKind.PERSON, path=list_file).batch


def _urls(batch: Batch) -> dict[str, str]:
    return {
        "list": reverse("batch-list"),
        "upload": reverse("batch-upload"),
        "detail": reverse("batch-detail", args=[batch.pk]),
        "progress": reverse("batch-progress", args=[batch.pk]),
        "rejected": reverse("batch-rejected", args=[batch.pk]),
    }


ALLOWED = {
    Role.ADMIN: {"list", "upload", "detail", "progress", "rejected"},
    Role.OFFICE: {"list", "detail", "progress", "rejected"},
    Role.TOWN: set(),
    Role.DEPARTMENT: set(),
}


@pytest.mark.parametrize("name", ["list", "upload", "detail", "progress", "rejected"])
@pytest.mark.parametrize("role", Role.values)
def test_every_batch_url_answers_each_role_as_allowed(
    users: dict[str, User], login, batch: Batch, role: str, name: str
) -> None:
    response = login(users[role]).get(_urls(batch)[name])
    assert response.status_code == (200 if name in ALLOWED[role] else 403)
    if response.status_code == 403:
        # Nothing of the batch leaks into the refusal, whatever town the user is from.
        assert b"\xe6\xb5\x8b\xe8\xaf\x95" not in response.content  # 测试 (the names in the list)


@pytest.mark.parametrize("name", ["list", "upload", "detail", "rejected"])
def test_anonymous_visitors_are_sent_to_log_in(client, batch: Batch, name: str) -> None:
    response = client.get(_urls(batch)[name])
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_an_anonymous_progress_poll_gets_a_401_in_json(client, batch: Batch) -> None:
    response = client.get(_urls(batch)["progress"])
    assert response.status_code == 401
    assert response.json() == {"detail": "未登录或登录已过期"}


def test_town_staff_of_either_town_see_no_batch(login, batch: Batch, town_user: User, other_town_user: User) -> None:
    for user in (town_user, other_town_user):
        for url in _urls(batch).values():
            assert login(user).get(url).status_code == 403


def test_the_office_of_another_county_gets_not_found(login, batch: Batch) -> None:
    stranger = UserFactory(role=Role.OFFICE, county=CountyFactory())
    client = login(stranger)
    assert client.get(reverse("batch-list")).context["page"].paginator.count == 0
    for name in ("detail", "progress", "rejected"):
        assert client.get(_urls(batch)[name]).status_code == 404


def test_the_batch_page_shows_the_counts_and_the_funnel(login, admin_user: User, batch: Batch) -> None:
    PushEntry.objects.filter(key=person_id(0)).update(status=EntryStatus.ENROLLED)
    PushEntry.objects.filter(key=person_id(1)).update(status=EntryStatus.NOT_DUE, not_due_reason="deceased")
    PushEntry.objects.filter(key=person_id(2)).update(status=EntryStatus.REFUSED)

    response = login(admin_user).get(reverse("batch-detail", args=[batch.pk]))

    funnel = response.context["funnel"]
    assert (funnel.pushed, funnel.worked, funnel.enrolled, funnel.not_due, funnel.open) == (5, 3, 1, 1, 3)
    html = response.content.decode()
    assert 'data-testid="imported">5<' in html
    assert 'data-testid="rejected">1<' in html
    assert reverse("batch-rejected", args=[batch.pk]) in html


def test_the_funnel_is_one_query(django_assert_num_queries, batch: Batch) -> None:
    from enrolment.selectors import batch_funnel

    with django_assert_num_queries(1):
        batch_funnel(batch=batch)


def test_the_office_reads_the_batch_page_without_an_upload_button(login, office_user: User, batch: Batch) -> None:
    response = login(office_user).get(reverse("batch-list"))
    assert response.status_code == 200
    assert reverse("batch-upload") not in response.content.decode()
    assert batch.label in response.content.decode()


def test_the_progress_json_reports_counts(login, admin_user: User, batch: Batch) -> None:
    data = login(admin_user).get(reverse("batch-progress", args=[batch.pk])).json()
    assert data == {
        "id": batch.pk,
        "status": "done",
        "status_label": "已完成",
        "rows_done": 6,
        "rows_total": 6,
        "percent": 100,
        "imported": 5,
        "duplicates": 0,
        "rejected": 1,
        "finished": True,
        "error": "",
    }


def test_the_progress_of_a_running_batch_comes_from_the_cache(login, admin_user: User, batch: Batch) -> None:
    from django.core.cache import cache

    from enrolment.services.pushlist_import import progress_cache_key

    Batch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING, rows_done=0, rows_total=0)
    cache.set(progress_cache_key(batch.pk), (5000, 0))
    data = login(admin_user).get(reverse("batch-progress", args=[batch.pk])).json()
    assert (data["rows_done"], data["percent"], data["finished"]) == (5000, None, False)
    page = login(admin_user).get(reverse("batch-detail", args=[batch.pk])).content.decode()
    assert "import_progress.js" in page
    cache.delete(progress_cache_key(batch.pk))


def _rejected_cells(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return workbook, list(workbook.active.iter_rows(values_only=True))


@pytest.fixture
def batch_with_personal_rejects(chengjiang: Campaign, tmp_path: Path) -> Batch:
    bad = person_id(7)[:17] + ("0" if person_id(7)[17] != "0" else "1")  # a wrong check digit
    rows = [*person_rows(0, 2), [3, "错号", "男", bad, "凤麓", "", "13912345678", ""]]
    path = write_xlsx(tmp_path / "第二批.xlsx", PERSON_HEADER, rows)
    return pushlist_import(campaign=chengjiang, kind=ListKind.PERSON, path=path).batch


def test_the_office_downloads_the_rejected_rows_masked(login, office_user: User, batch_with_personal_rejects) -> None:
    batch = batch_with_personal_rejects
    workbook, rows = _rejected_cells(login(office_user).get(reverse("batch-rejected", args=[batch.pk])))
    text = repr(rows)
    bad = rows[1][4]
    assert bad.startswith("530") and "********" in bad and "13912345678" not in text
    assert "139****5678" in text
    assert "office1" in workbook.properties.creator
    access = AccessLog.objects.personal_data().get()
    assert (access.user, access.action, access.what, access.rows, access.unmasked) == (
        office_user,
        AccessLog.Action.DOWNLOAD,
        f"batch:{batch.pk}:rejected",
        1,
        False,
    )


def test_admins_download_the_rejected_rows_in_full(login, admin_user: User, batch_with_personal_rejects) -> None:
    batch = batch_with_personal_rejects
    _workbook, rows = _rejected_cells(login(admin_user).get(reverse("batch-rejected", args=[batch.pk])))
    assert rows[1][4] == person_id(7)[:17] + ("0" if person_id(7)[17] != "0" else "1")
    assert rows[1][7] == "13912345678"
    assert rows[0][0] == "行号" and rows[0][-1] == "原因" and "校验" in rows[1][-1]
    access = AccessLog.objects.personal_data().get()
    assert (access.user, access.rows, access.unmasked) == (admin_user, 1, True)


def test_a_batch_without_rejected_rows_has_nothing_to_download(
    login, admin_user: User, chengjiang: Campaign, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "clean.xlsx", PERSON_HEADER, person_rows(0, 2))
    clean = pushlist_import(campaign=chengjiang, kind=ListKind.PERSON, path=path).batch
    assert login(admin_user).get(reverse("batch-rejected", args=[clean.pk])).status_code == 404


def test_an_admin_upload_is_queued_and_imported(
    login, admin_user: User, list_file: Path, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = login(admin_user).post(
            reverse("batch-upload"), {"file": _upload(list_file), "kind": "person", "label": "第一批"}
        )
    # The import is enqueued once the batch is committed (the imported entries then ask for a progress refresh).
    assert callbacks[0].__qualname__.startswith("batch_submit")
    assert sum(getattr(callback, "__qualname__", "").startswith("batch_submit") for callback in callbacks) == 1
    batch = Batch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("batch-detail", args=[batch.pk])
    assert (batch.status, batch.label, batch.uploaded_by) == (ImportStatus.DONE, "第一批", admin_user)
    assert (batch.imported, batch.duplicates, batch.rejected) == (5, 0, 1)


def test_an_upload_without_the_id_column_is_refused_on_the_form(login, admin_user: User, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", ("姓名", "所属镇(街道)"), [["张三", "凤麓"]])
    response = login(admin_user).post(reverse("batch-upload"), {"file": _upload(path), "kind": "person"})
    assert response.status_code == 200
    assert "公民身份号码" in str(response.context["form"].errors["file"])
    assert not Batch.objects.exists()


def test_the_same_file_uploaded_twice_is_refused(
    login, admin_user: User, batch: Batch, list_file: Path, django_capture_on_commit_callbacks
) -> None:
    response = login(admin_user).post(reverse("batch-upload"), {"file": _upload(list_file), "kind": "person"})
    assert response.status_code == 200
    assert "不能重复导入" in str(response.context["form"].errors["file"])
    assert Batch.objects.count() == 1


def test_an_upload_that_is_not_a_spreadsheet_is_refused(login, admin_user: User) -> None:
    upload = SimpleUploadedFile("清单.pdf", b"%PDF-1.4")
    response = login(admin_user).post(reverse("batch-upload"), {"file": upload, "kind": "person"})
    assert response.status_code == 200
    assert "xlsx 或 csv" in str(response.context["form"].errors["file"])


def test_office_staff_cannot_post_an_upload(login, office_user: User, list_file: Path) -> None:
    response = login(office_user).post(reverse("batch-upload"), {"file": _upload(list_file), "kind": "person"})
    assert response.status_code == 403
    assert not Batch.objects.exists()


def test_the_funnel_counts_earlier_entries_a_batch_pushed_again(
    chengjiang: Campaign, batch: Batch, tmp_path: Path
) -> None:
    from enrolment.selectors import batch_funnel

    PushEntry.objects.filter(key=person_id(0)).update(status=EntryStatus.ENROLLED)
    path = write_xlsx(tmp_path / "2.xlsx", PERSON_HEADER, person_rows(0, 1) + person_rows(50, 1))
    second = pushlist_import(campaign=chengjiang, kind=ListKind.PERSON, path=path).batch
    funnel = batch_funnel(batch=second)
    assert (funnel.pushed, funnel.enrolled, funnel.open) == (2, 1, 1)
