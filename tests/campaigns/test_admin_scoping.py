from pathlib import Path

import pytest
from django.core.management import call_command

from campaigns.models import Campaign, Role
from tests.factories import UserFactory

SECOND_COUNTY = str(Path(__file__).resolve().parent.parent / "fixtures" / "tonghai_2022.json")


@pytest.fixture
def tonghai_admin(chengjiang: Campaign):
    call_command("loaddata", SECOND_COUNTY, verbosity=0)
    return UserFactory(role=Role.ADMIN, county=Campaign.objects.get(year=2022).county)


def test_a_county_admin_sees_only_their_county_in_the_admin_site(tonghai_admin, login) -> None:
    client = login(tonghai_admin)
    towns = client.get("/admin/campaigns/town/").context["cl"].queryset
    assert {t.name for t in towns} == {"秀山街道", "河西镇"}
    targets = client.get("/admin/targets/target/").context["cl"].queryset
    assert {t.campaign.county.name for t in targets} == {"通海县"}


def test_an_admin_without_a_county_sees_every_county(admin_user, tonghai_admin, login) -> None:
    towns = login(admin_user).get("/admin/campaigns/town/").context["cl"].queryset
    assert {"河西镇", "龙街街道"} <= {t.name for t in towns}
