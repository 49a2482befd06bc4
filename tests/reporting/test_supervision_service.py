"""supervision_visit_save checks its own rules: the form only parses."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns.models import Campaign, Town, User
from reporting.models import SupervisionVisit
from reporting.services import supervision_visit_save
from tests.factories import CountyFactory, UserFactory

AUGUST_10 = datetime.date(2021, 8, 10)


def _save(campaign: Campaign, user: User, unit: Town, **changes: object) -> SupervisionVisit:
    fields = {
        "quarter": 3,
        "visited_on": AUGUST_10,
        "findings": "台账不全",
        "corrections": "补齐台账",
        "correct_by": datetime.date(2021, 8, 31),
        "corrected": False,
        "corrected_on": None,
        **changes,
    }
    return supervision_visit_save(visit=None, campaign=campaign, user=user, unit=unit, **fields)


def test_corrected_needs_its_date_and_a_deadline_cannot_precede_the_visit(
    chengjiang: Campaign, office_user: User, fenglu: Town
) -> None:
    with pytest.raises(ValidationError) as refused:
        _save(chengjiang, office_user, fenglu, corrected=True, correct_by=datetime.date(2021, 8, 1))
    assert set(refused.value.message_dict) == {"corrected_on", "correct_by"}
    assert not SupervisionVisit.objects.exists()


def test_one_visit_per_unit_and_quarter(chengjiang: Campaign, office_user: User, fenglu: Town) -> None:
    _save(chengjiang, office_user, fenglu)
    with pytest.raises(ValidationError) as refused:
        _save(chengjiang, office_user, fenglu)
    assert "已有督导记录" in refused.value.message_dict["unit"][0]


def test_the_office_of_another_county_cannot_record_a_visit_here(chengjiang: Campaign, fenglu: Town) -> None:
    stranger = UserFactory(role="office", county=CountyFactory())
    with pytest.raises(PermissionDenied):
        _save(chengjiang, stranger, fenglu)
    assert not SupervisionVisit.objects.exists()


def test_town_staff_cannot_record_visits(chengjiang: Campaign, town_user: User, fenglu: Town) -> None:
    with pytest.raises(PermissionDenied):
        _save(chengjiang, town_user, fenglu)
