from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AccessLog
from enrolment.models import EntryStatus, PushEntry
from tests.enrolment.factories import PushEntryFactory

pytestmark = pytest.mark.django_db

MASKED = "530422********1233"
FULL = "530422199001011233"


@pytest.mark.parametrize(("role", "expected"), [("admin", 200), ("office", 200), ("town", 200), ("department", 403)])
def test_the_queue_page_by_role(users, login, fenglu_entry, role, expected):
    assert login(users[role]).get("/entries/").status_code == expected


@pytest.mark.parametrize("url", ["/entries/", "/entries/1/", "/entries/export.xlsx", "/entries/import/"])
def test_anonymous_users_are_sent_to_login(url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_town_user_sees_only_their_towns_entries_masked(login, town_user, fenglu_entry, longjie_entry):
    page = login(town_user).get("/entries/").content.decode()
    assert "张凤麓" in page
    assert MASKED in page and FULL not in page
    assert "李龙街" not in page
    assert not AccessLog.objects.personal_data().exists()  # masked lists are not logged


def test_a_town_user_filtering_by_another_town_gets_nothing(login, town_user, fenglu_entry, longjie_entry):
    page = login(town_user).get("/entries/", {"town": "龙街"}).content.decode()
    assert "李龙街" not in page and "张凤麓" not in page


def test_admins_see_every_town_unmasked_and_the_listing_is_logged(login, admin_user, fenglu_entry, longjie_entry):
    page = login(admin_user).get("/entries/", {"town": "凤麓街道"}).content.decode()
    assert FULL in page and "李龙街" not in page
    access = AccessLog.objects.personal_data().get()
    assert (access.user, access.action, access.rows, access.unmasked) == (admin_user, "list", 1, True)
    assert FULL not in access.what


def test_office_staff_see_every_town_masked(login, office_user, fenglu_entry, longjie_entry):
    page = login(office_user).get("/entries/").content.decode()
    assert "张凤麓" in page and "李龙街" in page and MASKED in page and FULL not in page


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"status": "pending"}, True),
        ({"status": "enrolled"}, False),
        ({"status": "bogus"}, False),
        ({"kind": "employed_person"}, True),
        ({"kind": "employer"}, False),
        ({"q": "凤麓"}, True),
        ({"q": "张"}, True),
        ({"q": "王"}, False),
        ({"q": FULL.lower()}, True),
        ({"q": "５３０４２２１９９００１０１１２３３"}, True),
        ({"q": "530422********1233"}, False),
        ({"batch": "2021年第一批"}, True),
        ({"batch": "999999"}, False),
        ({"village": "999999"}, False),
    ],
)
def test_the_queue_filters(login, town_user, fenglu_entry, params, shown):
    page = login(town_user).get("/entries/", params).content.decode()
    assert ("张凤麓" in page) is shown


def test_filtering_by_batch_id_and_village_id(login, town_user, fenglu_entry):
    client = login(town_user)
    assert "张凤麓" in client.get("/entries/", {"batch": fenglu_entry.batch_id}).content.decode()
    assert "张凤麓" in client.get("/entries/", {"village": fenglu_entry.village_id}).content.decode()


def test_the_queue_page_shows_the_funnel(login, town_user, fenglu_entry, chengjiang, fenglu):
    PushEntryFactory(campaign=chengjiang, town=fenglu, status=EntryStatus.ENROLLED, batch=fenglu_entry.batch)
    PushEntryFactory(
        campaign=chengjiang, town=fenglu, status=EntryStatus.NOT_DUE, not_due_reason="student", batch=fenglu_entry.batch
    )
    PushEntryFactory(campaign=chengjiang, town=fenglu, status=EntryStatus.REFUSED, batch=fenglu_entry.batch)
    response = login(town_user).get("/entries/")
    funnel = response.context["funnel"]
    assert (funnel.pushed, funnel.worked, funnel.enrolled, funnel.not_due, funnel.open) == (4, 3, 1, 1, 2)


def test_the_town_start_page_shows_the_funnel(login, town_user, fenglu_entry, longjie_entry):
    response = login(town_user).get("/start/town/")
    assert response.context["entry_funnel"].pushed == 1
    assert 'data-testid="entry-funnel"' in response.content.decode()


def test_the_queue_menu_item_is_shown_to_queue_roles(login, users):
    assert "/entries/" in login(users["town"]).get("/start/town/").content.decode()
    assert "/entries/" not in login(users["department"]).get("/start/department/").content.decode()


@pytest.mark.parametrize(("role", "expected"), [("admin", 200), ("office", 200), ("town", 200), ("department", 403)])
def test_the_entry_page_by_role(users, login, fenglu_entry, role, expected):
    assert login(users[role]).get(f"/entries/{fenglu_entry.pk}/").status_code == expected


def test_the_entry_page_masks_and_logs_the_view(login, town_user, fenglu_entry):
    page = login(town_user).get(f"/entries/{fenglu_entry.pk}/").content.decode()
    assert MASKED in page and FULL not in page
    assert "138****5678" in page and "13812345678" not in page
    access = AccessLog.objects.personal_data().get()
    assert (access.action, access.what, access.unmasked, access.ip) == (
        "view",
        f"entry:{fenglu_entry.pk}",
        False,
        "127.0.0.1",
    )


def test_a_credit_code_is_never_masked(login, town_user, fenglu_employer):
    page = login(town_user).get(f"/entries/{fenglu_employer.pk}/").content.decode()
    assert fenglu_employer.key in page


def test_another_towns_entry_is_not_found(login, town_user, longjie_entry):
    client = login(town_user)
    assert client.get(f"/entries/{longjie_entry.pk}/").status_code == 404
    response = client.post(f"/entries/{longjie_entry.pk}/", {"status": "unreachable", "version": 1})
    assert response.status_code == 404
    longjie_entry.refresh_from_db()
    assert longjie_entry.status == "pending"


def test_a_town_user_marks_an_entry_enrolled(login, town_user, fenglu_entry):
    client = login(town_user)
    response = client.post(
        f"/entries/{fenglu_entry.pk}/",
        {"status": "enrolled", "insurance": "employee_pension", "enrolled_on": "2021-06-03", "note": "", "version": 1},
    )
    assert response.status_code == 302
    fenglu_entry.refresh_from_db()
    assert fenglu_entry.status == "enrolled"
    page = client.get(response["Location"]).content.decode()
    assert "核查状态已更新" in page
    assert "待核查" in page and "已参保" in page  # the history line, from → to
    history = client.get(response["Location"]).context["history"]
    assert (history[0].from_status, history[0].to_status, history[0].user) == ("待核查", "已参保", "fenglu1")


def test_an_incomplete_status_form_shows_the_reason(login, town_user, fenglu_entry):
    response = login(town_user).post(f"/entries/{fenglu_entry.pk}/", {"status": "enrolled", "version": 1})
    assert response.status_code == 400
    assert "必须选择参保险种" in response.content.decode()


def test_a_stale_status_form_is_refused(login, town_user, fenglu_entry):
    PushEntry.objects.filter(pk=fenglu_entry.pk).update(version=2)
    response = login(town_user).post(f"/entries/{fenglu_entry.pk}/", {"status": "unreachable", "version": 1})
    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()


@pytest.mark.parametrize(("role", "expected"), [("admin", 302), ("office", 403), ("town", 302), ("department", 403)])
def test_changing_status_by_role(users, login, fenglu_entry, role, expected):
    response = login(users[role]).post(f"/entries/{fenglu_entry.pk}/", {"status": "unreachable", "version": 1})
    assert response.status_code == expected
