"""Acceptance of the foundation (issue 2) beyond tests/campaigns/test_fixture.py: indicator names and units,
loading the fixture twice, the admin in Chinese, ``add_user`` end to end, and ``check --deploy`` on the
embedded SQLite default."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.test import Client

from campaigns.models import Campaign, Department, Phase, Role, Town, User
from targets.models import Indicator, Target

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Fenglu-Staff-2021!"
INDICATORS = {
    "employee_pension_insured": ("企业职工基本养老保险参保人数", "count", "人"),
    "unemployment_insured": ("失业保险参保人数", "count", "人"),
    "work_injury_insured": ("工伤保险参保人数", "count", "人"),
    "construction_injury_rate": ("新开工工程建设项目工伤保险参保率", "rate", "%"),
    "pneumoconiosis_injury_rate": ("尘肺病重点行业劳动者工伤保险覆盖率", "rate", "%"),
    "resident_pension_insured": ("城乡居民基本养老保险参保人数", "count", "人"),
    "resident_avg_contribution": ("城乡居民基本养老保险人均个人年缴费", "average", "元"),
    "resident_to_employee_transfer": ("城乡居民转企业职工养老保险人数", "count", "人"),
}


def test_the_eight_indicators_have_their_public_codes_names_kinds_and_units(chengjiang: Campaign) -> None:
    assert {i.code: (i.name, i.kind, i.unit) for i in Indicator.objects.all()} == INDICATORS


def test_the_campaign_holds_26_targets_and_the_resident_pension_baselines_are_empty(chengjiang: Campaign) -> None:
    targets = Target.objects.filter(campaign=chengjiang)
    assert targets.filter(town=None).count() == 8
    assert targets.exclude(town=None).count() == 18
    resident = targets.filter(indicator__code="resident_pension_insured")
    assert set(resident.values_list("baseline", flat=True)) == {None}
    assert chengjiang.name and chengjiang.year == 2021
    assert chengjiang.document_number == "澄政办发〔2021〕32号"


def test_loading_the_fixture_again_changes_nothing(chengjiang: Campaign) -> None:
    def counts() -> list[int]:
        return [m.objects.count() for m in (Campaign, Phase, Town, Department, Indicator, Target)]

    before = counts()
    call_command("loaddata", "chengjiang_2021", verbosity=0)
    assert counts() == before == [1, 4, 6, 15, 8, 26]
    city = Target.objects.get(campaign=chengjiang, indicator__code="employee_pension_insured", town=None)
    assert (city.target_value, city.baseline) == (Decimal("17900"), Decimal("12375"))


def test_the_admin_lists_targets_and_towns_in_chinese(login, admin_user) -> None:
    client = login(admin_user)
    page = client.get("/admin/targets/target/").content.decode()
    assert "城乡居民基本养老保险参保人数" in page and "凤麓街道" in page
    assert "龙街街道" in client.get("/admin/campaigns/town/").content.decode()
    for model in admin.site._registry:
        if model._meta.app_label in {"campaigns", "targets", "enrolment", "reporting"}:
            name = str(model._meta.verbose_name_plural)
            assert any("\u4e00" <= char <= "\u9fff" for char in name), (model, name)


@pytest.fixture
def new_user_password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("NEW_USER_PASSWORD", PASSWORD)
    return PASSWORD


@pytest.mark.parametrize(
    ("args", "role", "start"),
    [
        (["--role", "town", "--town", "凤麓"], Role.TOWN, "/start/town/"),
        (["--role", "town", "--town", "凤麓街道"], Role.TOWN, "/start/town/"),
        (["--role", "department", "--department", "人社"], Role.DEPARTMENT, "/start/department/"),
        (["--role", "office"], Role.OFFICE, "/start/office/"),
        (["--role", "admin"], Role.ADMIN, "/start/admin/"),
    ],
)
def test_a_user_made_by_add_user_logs_in_and_lands_on_the_start_page_of_the_role(
    chengjiang: Campaign, new_user_password: str, args: list[str], role: str, start: str
) -> None:
    call_command("add_user", "newcomer", *args, verbosity=0)
    user = User.objects.get(username="newcomer")
    assert user.role == role
    client = Client()
    response = client.post("/accounts/login/", {"username": "newcomer", "password": new_user_password}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == start
    if role == Role.TOWN:
        assert user.town.name == "凤麓街道"


@pytest.mark.parametrize(
    "args",
    [
        ["--role", "town", "--town", "澄江"],
        ["--role", "town", "--town", "龙街镇"],
        ["--role", "town"],
        ["--role", "superuser"],
        ["--role", "department", "--department", "不存在的局"],
    ],
)
def test_add_user_refuses_bad_input_and_creates_nothing(
    chengjiang: Campaign, new_user_password: str, args: list[str]
) -> None:
    with pytest.raises(CommandError):
        call_command("add_user", "nobody", *args, verbosity=0)
    assert not User.objects.filter(username="nobody").exists()


def test_check_deploy_has_no_warnings_on_the_sqlite_default() -> None:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "chengjiang_enroll.settings",
            "DEBUG": "0",
            "SECRET_KEY": "Zq8!vR2#mK5$tW9^pL3&xN7*bH4(cJ6)dF1-gS0+yU5=eA8_iO2",
            "ALLOWED_HOSTS": "kuomian.example.gov.cn,127.0.0.1",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
