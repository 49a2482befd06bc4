from __future__ import annotations

import datetime

import pytest

from campaigns.models import Role, Village
from enrolment.identifiers import mask_id_number
from enrolment.models import EnrolmentRecord, Insurance
from targets.models import ProgressState
from tests.targets.helpers import new_id_number

LIST, NEW = "/records/", "/records/new/"


@pytest.fixture
def records(chengjiang, fenglu, longjie) -> dict[str, EnrolmentRecord]:
    made = {}
    for town in (fenglu, longjie):
        made[town.name] = EnrolmentRecord.objects.create(
            campaign=chengjiang,
            id_number=new_id_number(),
            name=f"{town.short_name}居民",
            insurance=Insurance.RESIDENT_PENSION,
            enrolled_on=datetime.date(2021, 6, 1),
            town=town,
            source=EnrolmentRecord.Source.MANUAL,
        )
    return made


@pytest.mark.parametrize(
    ("role", "list_status", "new_status"),
    [(Role.ADMIN, 200, 200), (Role.OFFICE, 200, 403), (Role.TOWN, 200, 200), (Role.DEPARTMENT, 403, 403)],
)
def test_record_pages_by_role(login, users, records, role, list_status, new_status) -> None:
    client = login(users[role])
    assert client.get(LIST).status_code == list_status
    assert client.get(NEW).status_code == new_status


def test_anonymous_users_are_sent_to_login(client, chengjiang) -> None:
    for url in (LIST, NEW):
        assert client.get(url)["Location"].startswith("/accounts/login/")


def test_town_staff_see_only_their_town_with_masked_ids(login, town_user, records) -> None:
    body = login(town_user).get(LIST).content.decode()
    mine, theirs = records["凤麓街道"], records["龙街街道"]
    assert mine.name in body and mask_id_number(mine.id_number) in body
    assert mine.id_number not in body
    assert theirs.name not in body


def test_admins_see_every_town(login, admin_user, records) -> None:
    body = login(admin_user).get(LIST).content.decode()
    assert all(record.name in body for record in records.values())


def form_data(town, **extra) -> dict[str, object]:
    return {
        "name": "新参保",
        "id_number": new_id_number(),
        "insurance": Insurance.RESIDENT_PENSION,
        "enrolled_on": "2021-06-03",
        "town": town.pk,
        "contribution": "330",
        **extra,
    }


def test_town_staff_enter_a_record_for_their_town(
    login, town_user, fenglu, chengjiang, django_capture_on_commit_callbacks
) -> None:
    village = Village.objects.create(town=fenglu, name="西门社区")
    data = form_data(fenglu, village=village.pk)
    with django_capture_on_commit_callbacks() as asked:
        response = login(town_user).post(NEW, data)
    assert response.status_code == 302
    record = EnrolmentRecord.objects.get(id_number=data["id_number"])
    assert (record.town, record.village, record.source) == (fenglu, village, EnrolmentRecord.Source.MANUAL)
    assert record.history.first().history_user == town_user
    # The progress engine is asked once the record is committed: the campaign is marked for a recompute.
    assert len(asked) == 1
    asked[0]()
    assert ProgressState.objects.get(campaign=chengjiang).dirty


def test_town_staff_cannot_enter_a_record_for_another_town(login, town_user, longjie) -> None:
    response = login(town_user).post(NEW, form_data(longjie))
    assert response.status_code == 200
    assert "town" in response.context["form"].errors
    assert not EnrolmentRecord.objects.exists()


def test_a_village_of_another_town_is_refused(login, admin_user, fenglu, longjie) -> None:
    village = Village.objects.create(town=longjie, name="龙街村")
    response = login(admin_user).post(NEW, form_data(fenglu, village=village.pk))
    assert "village" in response.context["form"].errors


def test_a_person_already_insured_under_the_insurance_is_refused(login, town_user, fenglu, records) -> None:
    held = records["凤麓街道"]
    response = login(town_user).post(NEW, form_data(fenglu, id_number=held.id_number))
    assert "已有此险种的参保记录" in response.content.decode()


def test_a_bad_id_number_is_refused_in_chinese(login, town_user, fenglu) -> None:
    response = login(town_user).post(NEW, form_data(fenglu, id_number="530481199001011235"))
    assert "校验位" in response.content.decode()


def test_the_records_list_keeps_its_filter_from_page_to_page(chengjiang, fenglu, admin_user, login) -> None:
    from enrolment.views.records import PAGE_SIZE
    from tests.targets.helpers import record

    for _ in range(PAGE_SIZE + 1):
        record(chengjiang, fenglu)
    content = login(admin_user).get("/records/?insurance=resident_pension").content.decode()
    assert 'href="?insurance=resident_pension&amp;page=2"' in content


def _post_record(client, town, id_number: str):
    return client.post(
        NEW,
        {
            "name": "某某",
            "id_number": id_number,
            "insurance": Insurance.RESIDENT_PENSION,
            "enrolled_on": "2021-06-02",
            "town": town.pk,
        },
    )


def test_another_towns_record_is_not_revealed_by_manual_entry(login, town_user, fenglu, records) -> None:
    """Entering a 龙街 person's ID answers exactly as a new person does, and changes nothing of 龙街's."""
    theirs = records["龙街街道"]
    before = list(EnrolmentRecord.objects.order_by("pk").values())
    client = login(town_user)
    existing = _post_record(client, fenglu, theirs.id_number)
    assert existing.status_code == 302 and existing["Location"] == LIST
    assert "已有" not in client.get(LIST).content.decode()
    assert list(EnrolmentRecord.objects.order_by("pk").values()) == before
    fresh = _post_record(client, fenglu, new_id_number())
    assert (fresh.status_code, fresh["Location"]) == (existing.status_code, existing["Location"])


def test_a_duplicate_of_the_towns_own_record_is_refused_with_the_reason(login, town_user, fenglu, records) -> None:
    mine = records["凤麓街道"]
    response = _post_record(login(town_user), fenglu, mine.id_number)
    assert response.status_code == 200
    assert "已有此险种的参保记录" in response.content.decode()
    assert EnrolmentRecord.objects.filter(id_number=mine.id_number).count() == 1
