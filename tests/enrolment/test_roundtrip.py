from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AccessLog
from enrolment.models import EnrolmentRecord, EntrySheetUpload, PushEntry
from enrolment.services.entries import entry_status_change
from tests.enrolment.factories import PushEntryFactory

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(client, **params) -> openpyxl.Workbook:
    response = client.get("/entries/export.xlsx", params)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def as_upload(workbook: openpyxl.Workbook, name: str = "核查表.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


def rows_by_id(sheet) -> dict[int, int]:
    return {sheet.cell(row, 1).value: row for row in range(2, sheet.max_row + 1)}


def test_the_export_is_masked_filtered_and_has_drop_downs_and_hidden_columns(
    login, town_user, fenglu_entry, longjie_entry, fenglu_employer
):
    sheet = download(login(town_user), kind="employed_person").active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:2] == ["系统编号", "版本"] and "核查状态" in headers and "无需参保原因" in headers
    assert sheet.column_dimensions["A"].hidden and sheet.column_dimensions["B"].hidden
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert len(values) == 1  # only 凤麓's person entry: 龙街 is out of scope, the employer filtered out
    assert values[0][0] == fenglu_entry.pk and values[0][4] == "530422********1233"
    assert values[0][7] == "138****5678"
    formulas = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert "已参保" in formulas["K2"] and "其他" in formulas["L2"] and "工伤保险" in formulas["M2"]
    access = AccessLog.objects.personal_data().get(action="export")
    assert (access.rows, access.unmasked, access.what) == (1, False, "推送清单核查表：kind=employed_person")


def test_a_town_user_exporting_another_town_gets_an_empty_sheet(login, town_user, longjie_entry):
    sheet = download(login(town_user), town="龙街").active
    assert sheet.max_row == 1


def test_admins_export_unmasked(login, admin_user, fenglu_entry):
    sheet = download(login(admin_user)).active
    assert sheet.cell(2, 5).value == "530422199001011233"


@pytest.mark.parametrize(("role", "expected"), [("admin", 200), ("office", 200), ("town", 200), ("department", 403)])
def test_export_by_role(users, login, fenglu_entry, role, expected):
    assert login(users[role]).get("/entries/export.xlsx").status_code == expected


@pytest.mark.parametrize(("role", "expected"), [("admin", 200), ("office", 403), ("town", 200), ("department", 403)])
def test_the_upload_page_by_role(users, login, role, expected):
    assert login(users[role]).get("/entries/import/").status_code == expected


def test_round_trip_previews_then_applies_and_reports_conflicts_and_problems(
    login, town_user, other_town_user, chengjiang, fenglu, fenglu_entry, longjie_entry
):
    client = login(town_user)
    second = PushEntryFactory(campaign=chengjiang, town=fenglu, batch=fenglu_entry.batch, name="王二")
    third = PushEntryFactory(campaign=chengjiang, town=fenglu, batch=fenglu_entry.batch, name="赵三")
    workbook = download(client)
    sheet = workbook.active
    rows = rows_by_id(sheet)
    # 张凤麓 → enrolled; 王二 → not due (changed meanwhile in the system: conflict); 赵三 → bad reason.
    sheet.cell(rows[fenglu_entry.pk], 11).value = "已参保"
    sheet.cell(rows[fenglu_entry.pk], 13).value = "企业职工基本养老保险"
    sheet.cell(rows[fenglu_entry.pk], 14).value = datetime.date(2021, 6, 3)
    sheet.cell(rows[second.pk], 11).value = "无需参保"
    sheet.cell(rows[second.pk], 12).value = "在校学生"
    sheet.cell(rows[third.pk], 11).value = "已参保"
    # Rows a village clerk adds by hand: another town's entry, an id that does not exist.
    sheet.append([longjie_entry.pk, 1, None, None, None, None, None, None, None, None, "无法联系"])
    sheet.append([987654, 1, None, None, None, None, None, None, None, None, "无法联系"])
    entry_status_change(entry=second, user=town_user, status="unreachable")

    response = client.post("/entries/import/", {"file": as_upload(workbook)})
    assert response.status_code == 200
    page = response.content.decode()
    assert [c.entry.pk for c in response.context["changes"]] == [fenglu_entry.pk]
    assert [c.entry_id for c in response.context["conflicts"]] == [second.pk]
    problems = {p["entry_id"]: p["reason"] for p in response.context["problems"]}
    assert "必须选择参保险种" in problems[third.pk]
    assert "不存在或不在您的管辖范围内" in problems[longjie_entry.pk]
    assert "不存在或不在您的管辖范围内" in problems[987654]
    assert "已被修改" in page or "已在系统中被修改" in page
    assert PushEntry.objects.get(pk=fenglu_entry.pk).status == "pending"  # nothing saved before confirming

    upload = EntrySheetUpload.objects.get()
    assert "530422" not in str(upload.rows)  # no personal data kept with the upload
    # Somebody else's upload cannot be confirmed or seen.
    other = login(other_town_user)
    assert other.post("/entries/import/", {"token": str(upload.token)}).status_code == 404
    assert other.get(f"/entries/import/{upload.token}/").status_code == 404
    assert client.get(f"/entries/import/{upload.token}/").status_code == 200

    confirmed = client.post("/entries/import/", {"token": str(upload.token)})
    assert confirmed.status_code == 302
    fenglu_entry.refresh_from_db()
    second.refresh_from_db()
    longjie_entry.refresh_from_db()
    assert fenglu_entry.status == "enrolled" and fenglu_entry.enrolled_on == datetime.date(2021, 6, 3)
    assert second.status == "unreachable"  # the conflict was not overwritten
    assert longjie_entry.status == "pending"
    assert EnrolmentRecord.objects.get().entry == fenglu_entry
    assert fenglu_entry.history.latest().history_change_reason == "待核查→已参保"
    # A second confirmation does nothing.
    again = client.post("/entries/import/", {"token": str(upload.token)}, follow=True)
    assert "已经确认过" in again.content.decode()
    assert PushEntry.objects.get(pk=fenglu_entry.pk).version == 2


def test_an_unchanged_workbook_changes_nothing(login, town_user, fenglu_entry):
    client = login(town_user)
    entry_status_change(entry=fenglu_entry, user=town_user, status="refused", note="不愿参保")
    workbook = download(client)
    response = client.post("/entries/import/", {"file": as_upload(workbook)})
    assert response.context["unchanged"] == 1 and not response.context["changes"]


def test_a_file_that_is_not_the_workbook_is_refused_with_a_reason(login, town_user):
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "身份证号"])
    response = login(town_user).post("/entries/import/", {"file": as_upload(workbook)})
    assert response.status_code == 400
    assert "缺少必需的列" in response.content.decode()
    assert not EntrySheetUpload.objects.exists()


def test_a_bad_status_label_is_a_problem_row(login, town_user, fenglu_entry):
    client = login(town_user)
    workbook = download(client)
    workbook.active.cell(2, 11).value = "已完成"
    response = client.post("/entries/import/", {"file": as_upload(workbook)})
    (problem,) = response.context["problems"]
    assert problem["row"] == 2 and "核查状态“已完成”无效" in problem["reason"]
