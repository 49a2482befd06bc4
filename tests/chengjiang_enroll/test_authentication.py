"""等保 2.0 身份鉴别: lockouts, password rules, the forced change at first login, session timeouts."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from audit.models import AccessLog
from campaigns.models import Role, User
from campaigns.services import user_create
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2021, 7, 1, 9, 0, tzinfo=datetime.UTC)


def _login(client: Client, username: str, password: str, ip: str):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_lock_the_account_from_any_address_for_30_minutes(town_user):
    with time_machine.travel(START, tick=False) as clock:
        for n in range(5):
            _login(Client(), town_user.username, "Wrong-password-1", ip=f"10.0.0.{n + 1}")
        refused = _login(Client(), town_user.username, TEST_PASSWORD, ip="10.9.9.9")
        assert refused.status_code == 429
        assert "锁定" in refused.content.decode()
        clock.shift(datetime.timedelta(minutes=29))
        assert _login(Client(), town_user.username, TEST_PASSWORD, ip="10.9.9.8").status_code == 429
        clock.shift(datetime.timedelta(minutes=2))
        assert _login(Client(), town_user.username, TEST_PASSWORD, ip="10.9.9.7").status_code == 302


def test_a_password_spray_from_one_address_is_locked_per_address(chengjiang):
    victims = [UserFactory(username=f"sprayed{n}", role=Role.OFFICE) for n in range(6)]
    with time_machine.travel(START, tick=False):
        for user in victims[:5]:
            _login(Client(), user.username, "Guess-password-1", ip="10.6.6.6")
        assert _login(Client(), victims[5].username, TEST_PASSWORD, ip="10.6.6.6").status_code == 429
        assert _login(Client(), victims[5].username, TEST_PASSWORD, ip="10.7.7.7").status_code == 302


def test_a_success_does_not_wipe_the_failures(town_user):
    with time_machine.travel(START, tick=False):
        client = Client()
        for _ in range(4):
            _login(client, town_user.username, "Wrong-password-1", ip="10.0.0.2")
        assert _login(Client(), town_user.username, TEST_PASSWORD, ip="10.0.0.2").status_code == 302
        assert AccessLog.objects.filter(action="login_failed", user=town_user).count() == 4
        _login(Client(), town_user.username, "Wrong-password-1", ip="10.0.0.2")
        assert _login(Client(), town_user.username, TEST_PASSWORD, ip="10.0.0.3").status_code == 429


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Ab12", "10"),
        ("abcdefghijkl", "字母和数字"),
        ("123456789012", "字母和数字"),
        ("zhangsan2021", "用户名"),
        ("password123", "常见"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, reason):
    user = User(username="zhangsan2021")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert reason in " ".join(refused.value.messages)


def test_a_strong_password_passes():
    validate_password("Chengjiang-2021x", User(username="fenglu1"))


def _created(username: str = "newtown") -> User:
    from campaigns.models import Town

    return user_create(username=username, password="Initial-pass-2021", role=Role.TOWN, town=Town.objects.first())


def test_an_account_with_an_administrator_set_password_must_change_it_first(chengjiang):
    user = _created()
    client = Client()
    landed = client.post("/accounts/login/", {"username": user.username, "password": "Initial-pass-2021"}, follow=True)
    # The login lands on the start page, which holds nothing but the password form until it is changed.
    assert landed.redirect_chain[-1][0] == "/start/town/"
    assert 'data-testid="password-change-due"' in landed.content.decode()
    assert "推送清单" not in landed.content.decode().split("<main")[1]
    page = client.get("/entries/")
    assert page.status_code == 302 and page["Location"] == "/accounts/password/"
    api = client.get("/api/entries/")
    assert api.status_code == 403 and "修改初始密码" in api.json()["detail"]
    changed = client.post(
        "/accounts/password/",
        {"old_password": "Initial-pass-2021", "new_password1": "Own-choice-2021a", "new_password2": "Own-choice-2021a"},
    )
    assert changed.status_code == 302
    assert client.get("/entries/").status_code == 200
    user.refresh_from_db()
    assert not user.password_must_change and user.password_changed_at is not None


def test_a_password_older_than_the_expiry_must_be_changed(town_user, settings):
    settings.PASSWORD_EXPIRY_DAYS = 90
    town_user.password_changed_at = timezone.now() - datetime.timedelta(days=91)
    town_user.save()
    client = Client()
    _login(client, town_user.username, TEST_PASSWORD, ip="10.0.0.6")
    assert client.get("/entries/")["Location"] == "/accounts/password/"
    settings.PASSWORD_EXPIRY_DAYS = 0
    assert client.get("/entries/").status_code == 200


def test_the_first_admin_gets_a_generated_password_that_passes_the_rules(db, capsys):
    from django.core.management import call_command

    call_command("create_first_admin")
    admin = User.objects.get(username="admin")
    assert admin.password_must_change


def test_an_idle_session_ends_after_30_minutes_and_is_on_record(town_user):
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        _login(client, town_user.username, TEST_PASSWORD, ip="10.0.0.7")
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get("/entries/").status_code == 200
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get("/entries/").status_code == 200  # active: each request restarts the idle clock
        clock.shift(datetime.timedelta(minutes=32))
        expired = client.get("/entries/")
        assert expired.status_code == 302 and expired["Location"].startswith("/accounts/login/")
        assert client.get("/api/entries/").status_code == 401
    record = AccessLog.objects.get(action=AccessLog.Action.SESSION_EXPIRED)
    assert record.user == town_user and "未操作" in record.detail


def test_a_session_ends_12_hours_after_login_however_busy(town_user):
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        _login(client, town_user.username, TEST_PASSWORD, ip="10.0.0.8")
        for _ in range(23):
            clock.shift(datetime.timedelta(minutes=30))
            assert client.get("/entries/").status_code == 200
        clock.shift(datetime.timedelta(minutes=31))
        assert client.get("/entries/")["Location"].startswith("/accounts/login/")
    assert "12 小时" in AccessLog.objects.get(action=AccessLog.Action.SESSION_EXPIRED).detail


def test_a_password_change_signs_out_every_other_session(town_user):
    here, elsewhere = Client(), Client()
    _login(here, town_user.username, TEST_PASSWORD, ip="10.0.0.9")
    _login(elsewhere, town_user.username, TEST_PASSWORD, ip="10.0.0.10")
    here.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "Brand-new-2021z", "new_password2": "Brand-new-2021z"},
    )
    assert here.get("/entries/").status_code == 200
    assert elsewhere.get("/entries/")["Location"].startswith("/accounts/login/")
