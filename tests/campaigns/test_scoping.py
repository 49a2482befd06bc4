import pytest
from django.contrib.auth.models import AnonymousUser

from campaigns.models import Campaign, Role, Town, User, Village
from tests.factories import UserFactory, VillageFactory


@pytest.fixture
def villages(fenglu: Town, longjie: Town) -> tuple[Village, Village]:
    return VillageFactory(town=fenglu, name="凤麓村"), VillageFactory(town=longjie, name="龙街村")


def test_town_staff_see_only_their_own_towns_rows(villages: tuple, town_user: User) -> None:
    assert [v.name for v in Village.objects.for_user(town_user)] == ["凤麓村"]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OFFICE])
def test_the_office_and_admins_see_every_town(villages: tuple, role: str) -> None:
    user = UserFactory(role=role)
    assert {v.name for v in Village.objects.for_user(user)} == {"凤麓村", "龙街村"}


def test_department_staff_see_no_town_owned_rows(villages: tuple, department_user: User) -> None:
    assert not Village.objects.for_user(department_user).exists()


def test_anonymous_and_inactive_users_see_nothing(villages: tuple, town_user: User) -> None:
    assert not Village.objects.for_user(AnonymousUser()).exists()
    town_user.is_active = False
    assert not Village.objects.for_user(town_user).exists()


def test_a_town_user_without_a_town_sees_nothing(villages: tuple, chengjiang: Campaign) -> None:
    orphan = UserFactory(role=Role.OFFICE)
    orphan.role = Role.TOWN
    assert not Village.objects.for_user(orphan).exists()


def test_every_role_finds_the_current_campaign(users: dict[str, User], chengjiang: Campaign) -> None:
    for user in users.values():
        assert Campaign.objects.for_user(user).current() == chengjiang
