"""查看完整信息 (one entry's full ID number and phone, on record) and searches that never put an ID in a URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from audit.models import AccessLog
from enrolment.models import PushEntry
from tests.enrolment.factories import PushEntryFactory

pytestmark = pytest.mark.django_db

MASKED = "530422********1233"
FULL = "530422199001011233"
PHONE = "13812345678"


def _reveals():
    return AccessLog.objects.filter(action=AccessLog.Action.REVEAL)


def test_a_town_user_reveals_one_entry_in_the_list_and_it_is_on_record(login, town_user, fenglu_entry):
    client = login(town_user)
    page = client.get("/entries/").content.decode()
    assert MASKED in page and FULL not in page and PHONE not in page
    assert f'action="/entries/{fenglu_entry.pk}/reveal/"' in page
    response = client.post(
        f"/entries/{fenglu_entry.pk}/reveal/", HTTP_ACCEPT="application/json", REMOTE_ADDR="10.2.3.4"
    )
    assert response.status_code == 200
    assert response.json() == {"id": fenglu_entry.pk, "key": FULL, "phone": PHONE}
    assert "no-store" in response["Cache-Control"]
    reveal = _reveals().get()
    assert (reveal.user, reveal.what, reveal.ip, reveal.unmasked) == (
        town_user,
        f"entry:{fenglu_entry.pk}",
        "10.2.3.4",
        True,
    )


def test_the_entry_page_reveals_on_an_explicit_action(login, town_user, fenglu_entry):
    client = login(town_user)
    page = client.get(f"/entries/{fenglu_entry.pk}/").content.decode()
    assert FULL not in page and PHONE not in page and "查看完整信息" in page
    assert not _reveals().exists()
    revealed = client.post(f"/entries/{fenglu_entry.pk}/reveal/").content.decode()
    assert FULL in revealed and PHONE in revealed and "本次查看已记录" in revealed
    assert _reveals().count() == 1


def test_another_towns_entry_cannot_be_revealed_and_answers_like_a_missing_one(login, town_user, longjie_entry):
    client = login(town_user)
    foreign = client.post(f"/entries/{longjie_entry.pk}/reveal/", HTTP_ACCEPT="application/json")
    missing = client.post("/entries/99999999/reveal/", HTTP_ACCEPT="application/json")
    assert foreign.status_code == missing.status_code == 404
    assert longjie_entry.key not in foreign.content.decode()
    assert not _reveals().exists()


@pytest.mark.parametrize("role", ["office", "department"])
def test_roles_without_the_permission_cannot_reveal(users, login, fenglu_entry, role):
    response = login(users[role]).post(f"/entries/{fenglu_entry.pk}/reveal/", HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert FULL not in response.content.decode()
    assert not _reveals().exists()


def test_the_office_sees_no_reveal_button(login, office_user, fenglu_entry):
    page = login(office_user).get("/entries/").content.decode()
    assert "/reveal/" not in page and FULL not in page


def test_a_reveal_is_a_post(login, town_user, fenglu_entry):
    assert login(town_user).get(f"/entries/{fenglu_entry.pk}/reveal/").status_code == 405


def test_the_permission_is_named_in_chinese():
    from django.contrib.auth.models import Permission

    assert Permission.objects.get(codename="reveal_personal_data").name == "查看完整个人信息"


# --- searches by POST ----------------------------------------------------------------------------------


def test_a_search_by_id_number_goes_by_post_and_the_url_carries_a_token(login, town_user, fenglu_entry, longjie_entry):
    client = login(town_user)
    response = client.post("/entries/", {"q": FULL, "status": "pending", "kind": ""})
    assert response.status_code == 302
    location = response["Location"]
    assert FULL not in location and "q=" not in location
    query = parse_qs(urlsplit(location).query)
    assert query["status"] == ["pending"] and "qt" in query and "kind" not in query
    page = client.get(location).content.decode()
    assert "张凤麓" in page and "李龙街" not in page
    # The export link keeps the search by its token, not by the ID.
    export = client.get("/entries/export.xlsx?" + urlsplit(location).query)
    assert export.status_code == 200


def test_a_token_from_another_session_searches_nothing_of_it(login, town_user, other_town_user, fenglu_entry):
    location = login(town_user).post("/entries/", {"q": "张凤麓"})["Location"]
    page = login(other_town_user).get(location).content.decode()
    assert "检索条件已失效" in page
    assert "张凤麓" not in page


def test_the_page_size_is_capped_at_200(login, admin_user, chengjiang, fenglu, batch):
    PushEntryFactory.create_batch(205, campaign=chengjiang, town=fenglu, batch=batch)
    page = login(admin_user).get("/entries/", {"per_page": 100000}).content.decode()
    assert page.count("data-entry-id=") == 200
    assert PushEntry.objects.count() == 205


@pytest.mark.parametrize(
    "params",
    [{"per_page": "abc"}, {"page": "x"}, {"village": "9" * 20}, {"batch": "9" * 20}, {"page": "-1"}],
)
def test_malformed_numbers_answer_400_in_chinese(login, town_user, fenglu_entry, params):
    response = login(town_user).get("/entries/", params)
    assert response.status_code == 400
    assert "无效" in response.content.decode()
