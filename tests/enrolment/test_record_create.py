"""record_create checks its own rules, whoever calls it (a form, a command, a script)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns.models import Campaign, Town, User, Village
from enrolment.models import EnrolmentRecord, Insurance
from enrolment.services.records import record_create
from tests.targets.helpers import new_id_number

JUNE = datetime.date(2021, 6, 1)


def _create(campaign: Campaign, user: User, town: Town, **changes: object) -> EnrolmentRecord:
    values = {
        "campaign": campaign,
        "user": user,
        "id_number": new_id_number(),
        "name": "张三",
        "insurance": Insurance.RESIDENT_PENSION,
        "enrolled_on": JUNE,
        "town": town,
        **changes,
    }
    return record_create(**values)


def test_a_town_user_cannot_create_a_record_for_another_town(
    chengjiang: Campaign, town_user: User, longjie: Town
) -> None:
    with pytest.raises(PermissionDenied):
        _create(chengjiang, town_user, longjie, enrolled_on=datetime.date(2999, 1, 1))
    assert not EnrolmentRecord.objects.exists()


def test_department_staff_and_the_office_cannot_create_records(
    chengjiang: Campaign, department_user: User, office_user: User, fenglu: Town
) -> None:
    for user in (department_user, office_user):
        with pytest.raises(PermissionDenied):
            _create(chengjiang, user, fenglu)
    assert not EnrolmentRecord.objects.exists()


def test_a_date_after_today_is_refused_on_its_field(chengjiang: Campaign, town_user: User, fenglu: Town) -> None:
    with pytest.raises(ValidationError) as refused:
        _create(chengjiang, town_user, fenglu, enrolled_on=datetime.date(2999, 1, 1))
    assert refused.value.message_dict == {"enrolled_on": ["参保日期不能晚于今天"]}
    assert not EnrolmentRecord.objects.exists()


def test_every_wrong_field_is_named_at_once(
    chengjiang: Campaign, admin_user: User, fenglu: Town, longjie: Town
) -> None:
    village = Village.objects.create(town=longjie, name="龙街社区")
    with pytest.raises(ValidationError) as refused:
        _create(
            chengjiang,
            admin_user,
            fenglu,
            id_number="530481199001011235",
            village=village,
            is_transfer=True,
            enrolled_on=datetime.date(2999, 1, 1),
        )
    assert set(refused.value.message_dict) == {"id_number", "enrolled_on", "village", "is_transfer"}


def test_a_second_record_of_the_same_person_and_insurance_is_refused(
    chengjiang: Campaign, town_user: User, fenglu: Town
) -> None:
    person = new_id_number()
    _create(chengjiang, town_user, fenglu, id_number=person)
    with pytest.raises(ValidationError, match="已有此险种的参保记录"):
        _create(chengjiang, town_user, fenglu, id_number=person)
    assert EnrolmentRecord.objects.count() == 1


def test_an_admin_enters_a_record_for_any_town_with_the_id_normalised(
    chengjiang: Campaign, admin_user: User, longjie: Town
) -> None:
    person = new_id_number()
    record = _create(chengjiang, admin_user, longjie, id_number=f" {person.lower()} ")
    assert (record.id_number, record.town, record.source) == (person, longjie, EnrolmentRecord.Source.MANUAL)
