"""Acceptance of the queue's public JSON API and its Excel export (issue 3), through HTTP only.

Everything is asserted from outside: exact keys and types, masking, every filter, scope, paging, and that
``/entries/export.xlsx`` answers the same filter parameters with the same rows.
"""

from __future__ import annotations

import datetime
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from campaigns.models import Campaign, Town, Village
from enrolment.identifiers import make_id_number
from enrolment.models import EntryPush, EntryStatus, ListKind, PushEntry
from tests.enrolment.factories import BatchFactory, PushEntryFactory

pytestmark = pytest.mark.django_db

MASKED_ID = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")
RESULT_KEYS = {"id", "kind", "name", "key", "town", "village", "status", "batch", "pushed_times", "suggestions", "tags"}
STATUS_CODES = {"pending", "enrolled", "not_due", "refused", "unreachable"}


def _id_ending_in_x() -> str:
    for seq in range(1000):
        number = make_id_number("530422", datetime.date(1988, 8, 8), seq)
        if number.endswith("X"):
            return number
    raise AssertionError("no check character X in 1000 sequence numbers")


@pytest.fixture
def data(chengjiang: Campaign, fenglu: Town, longjie: Town) -> dict[str, object]:
    """Two batches; 凤麓: a person (ID ending in X), an employer, an enrolled person of batch 2, one pushed
    again in batch 2; 龙街: a person and an employer."""
    first = BatchFactory(campaign=chengjiang, kind=ListKind.PERSON, label="2021年第一批")
    second = BatchFactory(campaign=chengjiang, kind=ListKind.PERSON, label="2021年第二批")
    employers = BatchFactory(campaign=chengjiang, kind=ListKind.EMPLOYER, label="2021年企业第一批")
    village = Village.objects.create(town=fenglu, name="凤麓社区")
    person = PushEntryFactory(
        campaign=chengjiang,
        kind=ListKind.PERSON,
        key=_id_ending_in_x(),
        name="张三",
        town=fenglu,
        village=village,
        batch=first,
    )
    EntryPush.objects.create(entry=person, batch=second, row_number=9)
    PushEntry.objects.filter(pk=person.pk).update(pushed_times=2, last_pushed_batch=second)
    enrolled = PushEntryFactory(
        campaign=chengjiang,
        kind=ListKind.PERSON,
        name="李四",
        town=fenglu,
        batch=second,
        status=EntryStatus.ENROLLED,
    )
    employer = PushEntryFactory(
        campaign=chengjiang, kind=ListKind.EMPLOYER, name="凤麓建材有限公司", town=fenglu, batch=employers
    )
    other_person = PushEntryFactory(campaign=chengjiang, kind=ListKind.PERSON, name="王五", town=longjie, batch=first)
    other_employer = PushEntryFactory(
        campaign=chengjiang, kind=ListKind.EMPLOYER, name="龙街商贸有限公司", town=longjie, batch=employers
    )
    return {
        "person": PushEntry.objects.get(pk=person.pk),
        "enrolled": enrolled,
        "employer": employer,
        "other_person": other_person,
        "other_employer": other_employer,
        "first": first,
        "second": second,
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- shape --------------------------------------------------------------------------------------------


def test_the_list_has_exactly_the_public_keys_and_types(login, town_user, data):
    response = login(town_user).get("/api/entries/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"count", "next", "results"}
    assert body["count"] == 3 and body["next"] is None
    for row in body["results"]:
        assert set(row) == RESULT_KEYS
        assert type(row["id"]) is int and type(row["pushed_times"]) is int
        for key in ("kind", "name", "key", "town", "village", "status", "batch"):
            assert isinstance(row[key], str), key
        assert row["kind"] in ListKind.values
        assert row["status"] in STATUS_CODES
        assert row["town"] == "凤麓街道"
    person = next(row for row in body["results"] if row["id"] == data["person"].pk)
    assert person == {
        "id": data["person"].pk,
        "kind": "person",
        "name": "张三",
        "key": data["person"].key[:6] + "********" + data["person"].key[-4:],
        "town": "凤麓街道",
        "village": "凤麓社区",
        "status": "pending",
        "batch": "2021年第一批",
        "pushed_times": 2,
        "suggestions": [],
        "tags": [],
    }
    assert MASKED_ID.match(person["key"]) and person["key"].endswith("X")


def test_the_detail_has_the_list_keys_with_the_same_values(login, town_user, data):
    client = login(town_user)
    listed = {row["id"]: row for row in client.get("/api/entries/").json()["results"]}
    for entry_id, row in listed.items():
        detail = client.get(f"/api/entries/{entry_id}/")
        assert detail.status_code == 200
        body = detail.json()
        assert set(body) >= RESULT_KEYS
        assert {key: body[key] for key in RESULT_KEYS} == row


@pytest.mark.parametrize("role", ["town", "office"])
def test_person_keys_are_masked_and_credit_codes_are_not_unless_the_user_may_see_personal_data(
    login, town_user, office_user, data, role
):
    client = login(town_user if role == "town" else office_user)
    rows = client.get("/api/entries/").json()["results"]
    assert rows
    for row in rows:
        entry = PushEntry.objects.get(pk=row["id"])
        if entry.kind in ListKind.employer_kinds():
            assert row["key"] == entry.key
        else:
            assert MASKED_ID.match(row["key"]) and row["key"] != entry.key
        detail = client.get(f"/api/entries/{row['id']}/").json()
        assert detail["key"] == row["key"]
        if detail.get("phone"):
            assert re.fullmatch(r"\d{3}\*{4}\d{4}", detail["phone"])


def test_a_user_allowed_personal_data_sees_the_full_id_number(login, admin_user, data):
    client = login(admin_user)
    rows = {row["id"]: row for row in client.get("/api/entries/").json()["results"]}
    assert rows[data["person"].pk]["key"] == data["person"].key
    assert client.get(f"/api/entries/{data['person'].pk}/").json()["key"] == data["person"].key


# --- filters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"person", "enrolled", "employer"}),
        ({"kind": "person"}, {"person", "enrolled"}),
        ({"kind": "employer"}, {"employer"}),
        ({"kind": "interrupted"}, set()),
        ({"kind": "no-such-kind"}, set()),
        ({"status": "pending"}, {"person", "employer"}),
        ({"status": "enrolled"}, {"enrolled"}),
        ({"status": "refused"}, set()),
        ({"status": "bogus"}, set()),
        ({"town": "凤麓街道"}, {"person", "enrolled", "employer"}),
        ({"town": "凤麓"}, {"person", "enrolled", "employer"}),
        ({"town": " 凤麓 "}, {"person", "enrolled", "employer"}),
        ({"town": "龙街街道"}, set()),
        ({"town": "龙街"}, set()),
        ({"town": "没有这个镇"}, set()),
        ({"batch": "2021年第一批"}, {"person"}),
        # Pushed again in the second batch: the second batch lists it too.
        ({"batch": "2021年第二批"}, {"person", "enrolled"}),
        ({"batch": "没有这个批次"}, set()),
        ({"q": "张三"}, {"person"}),
        ({"q": "张"}, {"person"}),
        ({"q": "凤麓建材"}, {"employer"}),
        ({"q": "王五"}, set()),
        ({"kind": "person", "status": "pending", "town": "凤麓", "batch": "2021年第一批"}, {"person"}),
        ({"kind": "person", "status": "enrolled", "batch": "2021年第一批"}, set()),
    ],
)
def test_each_filter_narrows_the_town_users_list(login, town_user, data, params, expected):
    response = login(town_user).get("/api/entries/", params)
    assert _ids(response) == {data[name].pk for name in expected}
    assert response.json()["count"] == len(expected)


def test_the_search_finds_an_exact_id_number_typed_in_lower_case_and_with_spaces(login, town_user, data):
    key = data["person"].key
    client = login(town_user)
    assert _ids(client.get("/api/entries/", {"q": key})) == {data["person"].pk}
    assert _ids(client.get("/api/entries/", {"q": f" {key.lower()} "})) == {data["person"].pk}
    # A prefix of an ID number is not a search by name or a partial match.
    assert _ids(client.get("/api/entries/", {"q": key[:10]})) == set()
    assert _ids(client.get("/api/entries/", {"q": data["other_person"].key})) == set()
    assert _ids(client.get("/api/entries/", {"q": data["employer"].key})) == {data["employer"].pk}


def test_a_batch_is_found_by_its_id_too(login, town_user, data):
    assert _ids(login(town_user).get("/api/entries/", {"batch": data["first"].pk})) == {data["person"].pk}


@pytest.mark.parametrize("town", ["龙街", "龙街街道"])
def test_the_office_filters_any_town_by_full_or_short_name(login, office_user, data, town):
    ids = _ids(login(office_user).get("/api/entries/", {"town": town}))
    assert ids == {data["other_person"].pk, data["other_employer"].pk}


def test_a_department_user_gets_no_entries(login, department_user, data):
    response = login(department_user).get("/api/entries/")
    assert response.status_code in {200, 403}
    if response.status_code == 200:
        assert response.json()["results"] == []
    assert login(department_user).get(f"/api/entries/{data['person'].pk}/").status_code in {403, 404}


# --- scope --------------------------------------------------------------------------------------------


def test_another_towns_entry_is_a_404_like_a_missing_one(login, town_user, other_town_user, data):
    client = login(town_user)
    for name in ("other_person", "other_employer"):
        response = client.get(f"/api/entries/{data[name].pk}/")
        assert response.status_code == 404
        assert data[name].name not in response.content.decode()
    assert client.get("/api/entries/999999/").status_code == 404
    assert login(other_town_user).get(f"/api/entries/{data['person'].pk}/").status_code == 404


@pytest.mark.parametrize("path", ["/api/entries/", "/api/entries/1/"])
def test_login_is_required(client, data, path):
    response = client.get(path)
    assert response.status_code in {401, 403} or (
        response.status_code == 302 and response.url.startswith("/accounts/login/")
    )
    assert "张三" not in response.content.decode()


def test_the_api_changes_nothing(login, town_user, data):
    """GET reads; POST on the list is the same search with its parameters in the body (ID numbers stay out
    of URLs) and changes nothing; nothing else is allowed."""
    client = login(town_user)
    person = data["person"]
    posted = client.post("/api/entries/", {"status": "enrolled"})
    assert posted.status_code == 200
    assert posted.json() == client.get("/api/entries/", {"status": "enrolled"}).json()
    person.refresh_from_db()
    assert person.status == "pending"
    assert client.post(f"/api/entries/{person.pk}/", {"status": "enrolled"}).status_code == 405
    assert client.delete("/api/entries/").status_code == 405


# --- paging -------------------------------------------------------------------------------------------


def test_next_keeps_every_filter_and_walks_all_pages_exactly_once(login, town_user, chengjiang, fenglu, data):
    PushEntryFactory.create_batch(120, campaign=chengjiang, kind=ListKind.PERSON, town=fenglu, batch=data["first"])
    client = login(town_user)
    params = {"kind": "person", "status": "pending", "town": "凤麓", "batch": "2021年第一批", "q": ""}
    url: str | None = "/api/entries/?" + "&".join(f"{k}={v}" for k, v in params.items())
    seen: list[int] = []
    pages = 0
    counts = set()
    while url:
        body = client.get(url).json()
        counts.add(body["count"])
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        pages += 1
        if url:
            query = parse_qs(urlsplit(url).query)
            for key in ("kind", "status", "town", "batch"):
                assert query[key] == [params[key]], (key, url)
            assert int(query["page"][0]) == pages + 1
    assert counts == {121}
    assert len(seen) == len(set(seen)) == 121
    assert pages >= 2


def test_a_page_past_the_end_is_empty_not_an_error(login, town_user, data):
    response = login(town_user).get("/api/entries/", {"page": 99})
    assert response.status_code == 200
    assert response.json()["results"] == [] and response.json()["next"] is None


# --- the export takes the same parameters ---------------------------------------------------------------


def _exported_ids(response) -> set[int]:
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    return {int(row[0]) for row in rows if row and row[0] is not None}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"kind": "person"},
        {"status": "enrolled"},
        {"town": "凤麓"},
        {"town": "龙街"},
        {"batch": "2021年第二批"},
        {"q": "张三"},
        {"kind": "employer", "town": "凤麓街道"},
        {"status": "bogus"},
    ],
)
def test_the_export_answers_the_same_filters_as_the_api(login, town_user, data, params):
    client = login(town_user)
    assert _exported_ids(client.get("/entries/export.xlsx", params)) == _ids(client.get("/api/entries/", params))


def test_the_export_masks_person_keys_for_town_users(login, town_user, data):
    response = login(town_user).get("/entries/export.xlsx")
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert data["person"].key not in cells
    assert data["person"].key[:6] + "********" + data["person"].key[-4:] in cells
    assert data["employer"].key in cells


@pytest.mark.parametrize(
    ("kind", "masked"),
    [
        (ListKind.EMPLOYER, False),
        (ListKind.EMPLOYED_PERSON, True),
        (ListKind.PERSON, True),
        (ListKind.INTERRUPTED, True),
        (ListKind.PNEUMOCONIOSIS_EMPLOYER, False),
    ],
)
def test_every_person_kind_is_masked_and_every_employer_kind_is_not(login, town_user, chengjiang, fenglu, kind, masked):
    entry = PushEntryFactory(campaign=chengjiang, kind=kind, town=fenglu)
    client = login(town_user)
    (row,) = client.get("/api/entries/", {"kind": kind}).json()["results"]
    assert row["kind"] == kind
    expected = entry.key[:6] + "*" * 8 + entry.key[-4:] if masked else entry.key
    assert row["key"] == expected
    assert client.get(f"/api/entries/{entry.pk}/").json()["key"] == expected
