"""Nothing is Chengjiang-specific in the code: a second county's campaign is just another fixture."""

from pathlib import Path

import pytest
from django.core.management import call_command

from campaigns.models import Campaign, Role, Town
from campaigns.places import town_lookup
from targets.models import Target
from tests.factories import UserFactory

SECOND_COUNTY = str(Path(__file__).resolve().parent.parent / "fixtures" / "tonghai_2022.json")


@pytest.fixture
def tonghai(chengjiang: Campaign) -> Campaign:
    call_command("loaddata", SECOND_COUNTY, verbosity=0)
    return Campaign.objects.get(year=2022)


def test_two_counties_run_their_campaigns_side_by_side(chengjiang: Campaign, tonghai: Campaign) -> None:
    assert tonghai.county.name == "通海县"
    assert Target.objects.for_campaign(tonghai).count() == 3
    assert Target.objects.for_campaign(chengjiang).count() == 26
    assert tonghai.report_due_day == 5


def test_a_town_of_the_second_county_is_found_by_its_short_name(tonghai: Campaign) -> None:
    assert town_lookup(name="河西", county_id=tonghai.county_id).name == "河西镇"


def test_an_office_user_of_one_county_sees_only_its_own_towns(chengjiang: Campaign, tonghai: Campaign) -> None:
    office = UserFactory(role=Role.OFFICE, county=tonghai.county)
    assert set(Town.objects.for_user(office).values_list("name", flat=True)) == {"秀山街道", "河西镇"}
    assert list(Campaign.objects.for_user(office)) == [tonghai]


def test_a_town_user_of_one_county_sees_only_its_own_campaign(chengjiang: Campaign, tonghai: Campaign) -> None:
    user = UserFactory(role=Role.TOWN, town=Town.objects.get(name="河西镇"))
    assert Campaign.objects.for_user(user).current() == tonghai
