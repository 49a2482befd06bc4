import pytest
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign, Role, User

START = {
    Role.ADMIN: "start-admin",
    Role.OFFICE: "start-office",
    Role.TOWN: "start-town",
    Role.DEPARTMENT: "start-department",
}


@pytest.mark.parametrize("role", Role.values)
def test_home_sends_each_role_to_its_own_start_page(users: dict[str, User], login, role: str) -> None:
    response = login(users[role]).get("/")
    assert response.status_code == 302
    assert response.url == reverse(START[role])


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("page_role", Role.values)
def test_a_start_page_opens_only_for_its_role(users: dict[str, User], login, role: str, page_role: str) -> None:
    response = login(users[role]).get(reverse(START[page_role]))
    assert response.status_code == (200 if role == page_role else 403)


@pytest.mark.parametrize("url", ["/", "/start/town/", "/start/office/", "/start/admin/", "/start/department/"])
def test_pages_require_login(chengjiang: Campaign, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_login_page_speaks_chinese(db: None) -> None:
    content = Client().get("/accounts/login/").content.decode()
    assert "用户登录" in content
    assert 'lang="zh-CN"' in content


def test_the_town_start_page_names_the_campaign_and_phases(town_user: User, login) -> None:
    content = login(town_user).get("/start/town/").content.decode()
    assert "2021年澄江市社会保险全民参保扩面专项行动" in content
    assert "参保缴费" in content


def test_five_failed_logins_lock_the_account(town_user: User) -> None:
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": town_user.username, "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(
        "/accounts/login/", {"username": town_user.username, "password": "Test-password-2021"}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()


def test_a_correct_login_after_four_failures_succeeds(town_user: User) -> None:
    client = Client()
    for _ in range(4):
        client.post("/accounts/login/", {"username": town_user.username, "password": "wrong"}, REMOTE_ADDR="10.0.0.8")
    response = client.post(
        "/accounts/login/", {"username": town_user.username, "password": "Test-password-2021"}, REMOTE_ADDR="10.0.0.8"
    )
    assert response.status_code == 302


def test_healthz_reports_the_database(db: None) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_healthz_fails_when_the_broker_is_unreachable(db: None, settings) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")


def test_changing_a_user_keeps_field_history_with_who(admin_user: User, town_user: User, login) -> None:
    town_user.first_name = "张三"
    town_user._history_user = admin_user
    town_user.save()
    latest = town_user.history.first()
    assert latest.history_user == admin_user
    assert latest.diff_against(latest.prev_record).changed_fields == ["first_name"]


def test_a_user_changes_their_password(town_user: User, login) -> None:
    client = login(town_user)
    assert "修改密码" in client.get("/accounts/password/").content.decode()
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "Test-password-2021",
            "new_password1": "Fenglu-new-2021!",
            "new_password2": "Fenglu-new-2021!",
        },
    )
    assert response.status_code == 302
    town_user.refresh_from_db()
    assert town_user.check_password("Fenglu-new-2021!")
