"""/records/: filters for town, insurance, a date range, a name or an exact ID; the filtered list as xlsx, on record."""

from __future__ import annotations

import datetime
from io import BytesIO
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from audit.models import AccessLog
from enrolment.identifiers import mask_id_number
from enrolment.models import EnrolmentRecord, Insurance
from tests.targets.helpers import new_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(chengjiang, fenglu, longjie) -> list[EnrolmentRecord]:
    rows = [
        ("张凤麓", fenglu, Insurance.RESIDENT_PENSION, datetime.date(2021, 5, 3)),
        ("李凤麓", fenglu, Insurance.EMPLOYEE_PENSION, datetime.date(2021, 6, 10)),
        ("王龙街", longjie, Insurance.RESIDENT_PENSION, datetime.date(2021, 6, 20)),
    ]
    return [
        EnrolmentRecord.objects.create(
            campaign=chengjiang,
            id_number=new_id_number(),
            name=name,
            insurance=insurance,
            enrolled_on=day,
            town=town,
            source=EnrolmentRecord.Source.MANUAL,
        )
        for name, town, insurance, day in rows
    ]


def _names(response) -> set[str]:
    page = response.content.decode()
    return {name for name in ("张凤麓", "李凤麓", "王龙街") if name in page}


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({}, {"张凤麓", "李凤麓", "王龙街"}),
        ({"town": "龙街"}, {"王龙街"}),
        ({"insurance": Insurance.EMPLOYEE_PENSION}, {"李凤麓"}),
        ({"enrolled_from": "2021-06-01", "enrolled_to": "2021-06-15"}, {"李凤麓"}),
        ({"enrolled_from": "2021-13-40"}, set()),
    ],
)
def test_the_office_filters_the_records(login, office_user, records, params, shown) -> None:
    assert _names(login(office_user).get("/records/", params)) == shown


def test_a_search_by_name_or_exact_id_is_posted_and_never_in_the_url(login, office_user, records) -> None:
    client = login(office_user)
    response = client.post("/records/", {"q": "李凤", "insurance": ""})
    assert response.status_code == 302 and "李凤" not in unquote(response["Location"])
    assert _names(client.get(response["Location"])) == {"李凤麓"}
    by_id = client.post("/records/", {"q": records[2].id_number}, follow=True)
    assert _names(by_id) == {"王龙街"}
    partial = client.post("/records/", {"q": records[2].id_number[:10]}, follow=True)
    assert _names(partial) == set()


def test_a_town_user_filtering_by_another_town_gets_nothing(login, town_user, records) -> None:
    assert _names(login(town_user).get("/records/")) == {"张凤麓", "李凤麓"}
    assert _names(login(town_user).get("/records/", {"town": "龙街"})) == set()


def test_the_export_holds_the_filtered_records_masked_and_is_logged(login, office_user, records) -> None:
    response = login(office_user).get("/records/export.xlsx", {"town": "凤麓"})
    assert response.status_code == 200
    assert "参保记录_" in unquote(response["Content-Disposition"])
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "公民身份号码", "险种")
    assert {row[0] for row in rows[1:]} == {"张凤麓", "李凤麓"}
    assert {row[1] for row in rows[1:]} == {mask_id_number(r.id_number) for r in records[:2]}
    log = AccessLog.objects.get(action="export")
    assert (log.user, log.rows, log.unmasked) == (office_user, 2, False)
    assert "town=凤麓" in log.what


def test_admins_export_full_id_numbers_on_record(login, admin_user, records) -> None:
    response = login(admin_user).get("/records/export.xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    assert {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)} == {r.id_number for r in records}
    assert AccessLog.objects.get(action="export").unmasked is True
