from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AccessLog
from tests.enrolment.factories import PushEntryFactory

pytestmark = pytest.mark.django_db


def test_the_list_has_the_public_shape(login, town_user, fenglu_entry, longjie_entry):
    data = login(town_user).get("/api/entries/").json()
    assert data == {
        "count": 1,
        "next": None,
        "results": [
            {
                "id": fenglu_entry.pk,
                "kind": "employed_person",
                "name": "张凤麓",
                "key": "530422********1233",
                "town": "凤麓街道",
                "village": fenglu_entry.village.name,
                "status": "pending",
                "batch": "2021年第一批",
                "pushed_times": 1,
                "suggestions": [],
                "tags": [],
            }
        ],
    }


def test_a_missing_village_is_an_empty_string_and_a_credit_code_is_not_masked(login, town_user, fenglu_employer):
    (result,) = login(town_user).get("/api/entries/", {"kind": "employer"}).json()["results"]
    assert result["village"] == ""
    assert result["key"] == fenglu_employer.key


def test_admins_get_unmasked_keys_and_the_access_is_logged(login, admin_user, fenglu_entry):
    (result,) = login(admin_user).get("/api/entries/").json()["results"]
    assert result["key"] == "530422199001011233"
    assert AccessLog.objects.personal_data().get().action == "list"


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"town": "凤麓街道"}, 1),
        ({"town": "凤麓"}, 1),
        ({"town": "龙街"}, 0),
        ({"town": "龙街街道"}, 0),
        ({"town": "不存在镇"}, 0),
        ({"status": "pending"}, 1),
        ({"status": "nonsense"}, 0),
        ({"kind": "person"}, 0),
        ({"q": "张凤"}, 1),
        ({"q": "530422199001011233"}, 1),
        ({"batch": "2021年第一批"}, 1),
    ],
)
def test_filters_outside_scope_give_an_empty_list(login, town_user, fenglu_entry, longjie_entry, params, count):
    response = login(town_user).get("/api/entries/", params)
    assert response.status_code == 200
    assert response.json()["count"] == count


@pytest.mark.parametrize(
    "params",
    [{"page": "abc"}, {"page": "0"}, {"village": "9" * 20}, {"batch": "9" * 20}, {"page": "1e3"}],
)
def test_malformed_numbers_answer_400_in_chinese(login, town_user, fenglu_entry, params):
    response = login(town_user).get("/api/entries/", params)
    assert response.status_code == 400
    assert "无效" in response.json()["detail"]


def test_offices_filter_by_town_short_name(login, office_user, fenglu_entry, longjie_entry):
    data = login(office_user).get("/api/entries/", {"town": "龙街"}).json()
    assert [r["name"] for r in data["results"]] == ["李龙街"]


def test_pages_of_fifty_with_a_next_link_keeping_the_filters(
    login, town_user, chengjiang, fenglu, batch, django_assert_max_num_queries
):
    PushEntryFactory.create_batch(51, campaign=chengjiang, town=fenglu, batch=batch)
    client = login(town_user)
    client.get("/api/entries/")  # session, user and permissions loaded once
    first = client.get("/api/entries/", {"status": "pending"}).json()
    assert first["count"] == 51 and len(first["results"]) == 50
    assert first["next"].startswith("http://testserver/api/entries/?")
    assert "status=pending" in first["next"] and "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})


def test_the_detail_has_the_list_fields_and_details_masked(login, town_user, fenglu_entry):
    data = login(town_user).get(f"/api/entries/{fenglu_entry.pk}/").json()
    assert data["id"] == fenglu_entry.pk and data["key"] == "530422********1233"
    assert data["phone"] == "138****5678"
    assert {"kind", "name", "town", "village", "status", "batch", "pushed_times", "note"} <= data.keys()
    assert AccessLog.objects.personal_data().get().action == "view"


def test_another_towns_entry_answers_404_like_a_missing_one(login, town_user, longjie_entry):
    client = login(town_user)
    foreign = client.get(f"/api/entries/{longjie_entry.pk}/")
    missing = client.get("/api/entries/999999/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


@pytest.mark.parametrize("url", ["/api/entries/", "/api/entries/1/"])
def test_anonymous_requests_get_401_json(url):
    response = Client().get(url)
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize(("role", "expected"), [("admin", 200), ("office", 200), ("town", 200), ("department", 403)])
def test_the_api_by_role(users, login, fenglu_entry, role, expected):
    client = login(users[role])
    assert client.get("/api/entries/").status_code == expected
    assert client.get(f"/api/entries/{fenglu_entry.pk}/").status_code == expected


def test_the_api_is_read_only(login, town_user, fenglu_entry):
    client = login(town_user)
    for method in (client.put, client.patch, client.delete):
        assert method("/api/entries/").status_code == 405
    assert client.post(f"/api/entries/{fenglu_entry.pk}/").status_code == 405


def test_a_search_by_id_number_can_be_posted_so_it_stays_out_of_the_url(login, town_user, fenglu_entry, longjie_entry):
    client = login(town_user)
    by_form = client.post("/api/entries/", {"q": "530422199001011233"})
    by_json = client.post("/api/entries/", {"q": "530422199001011233"}, content_type="application/json")
    for response in (by_form, by_json):
        assert response.status_code == 200
        assert [r["id"] for r in response.json()["results"]] == [fenglu_entry.pk]
    assert client.post("/api/entries/", {"q": "李龙街"}).json()["count"] == 0
    # A JSON body that is not an object is a clear 400.
    assert client.post("/api/entries/", "[1]", content_type="application/json").status_code == 400
