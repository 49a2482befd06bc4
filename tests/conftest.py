from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from campaigns.models import Campaign, Department, Role, Town, User
from tests.factories import TEST_PASSWORD, UserFactory


@pytest.fixture
def chengjiang(db: None) -> Campaign:
    """The 2021 Chengjiang campaign exactly as the shipped fixture holds it."""
    call_command("loaddata", "chengjiang_2021", verbosity=0)
    return Campaign.objects.get(document_number="澄政办发〔2021〕32号")


@pytest.fixture
def fenglu(chengjiang: Campaign) -> Town:
    return Town.objects.get(county=chengjiang.county, name="凤麓街道")


@pytest.fixture
def longjie(chengjiang: Campaign) -> Town:
    return Town.objects.get(county=chengjiang.county, name="龙街街道")


@pytest.fixture
def admin_user(chengjiang: Campaign) -> User:
    return UserFactory(username="admin1", role=Role.ADMIN)


@pytest.fixture
def office_user(chengjiang: Campaign) -> User:
    return UserFactory(username="office1", role=Role.OFFICE)


@pytest.fixture
def town_user(fenglu: Town) -> User:
    return UserFactory(username="fenglu1", role=Role.TOWN, town=fenglu)


@pytest.fixture
def other_town_user(longjie: Town) -> User:
    return UserFactory(username="longjie1", role=Role.TOWN, town=longjie)


@pytest.fixture
def department_user(chengjiang: Campaign) -> User:
    return UserFactory(
        username="renshe1",
        role=Role.DEPARTMENT,
        department=Department.objects.get(county=chengjiang.county, name="人社"),
    )


@pytest.fixture
def users(admin_user: User, office_user: User, town_user: User, department_user: User) -> dict[str, User]:
    """One user of each role, keyed by role code."""
    return {Role.ADMIN: admin_user, Role.OFFICE: office_user, Role.TOWN: town_user, Role.DEPARTMENT: department_user}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def login() -> object:
    """``login(user)`` → a test client logged in as that user."""
    return client_for


__all__ = ["TEST_PASSWORD"]
