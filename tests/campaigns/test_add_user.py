import pytest
from django.core.management import CommandError, call_command

from campaigns.models import Campaign, Role, User

PASSWORD = "Chengjiang-2021-strong"


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEW_USER_PASSWORD", PASSWORD)


@pytest.mark.parametrize("town", ["龙街街道", "龙街"])
def test_it_creates_a_town_user_by_full_or_short_town_name(chengjiang: Campaign, town: str) -> None:
    call_command("add_user", "lj01", "--role", "town", "--town", town)
    user = User.objects.get(username="lj01")
    assert (user.role, user.town.name) == (Role.TOWN, "龙街街道")
    assert user.groups.get().name == "镇(街道)经办人"
    assert user.check_password(PASSWORD)


def test_it_creates_a_department_user(chengjiang: Campaign) -> None:
    call_command("add_user", "ws01", "--role", "department", "--department", "卫生健康")
    assert User.objects.get(username="ws01").department.name == "卫生健康"


def test_an_admin_can_use_the_admin_site(chengjiang: Campaign) -> None:
    call_command("add_user", "boss", "--role", "admin")
    user = User.objects.get(username="boss")
    assert user.is_staff
    assert user.has_perm("enrolment.view_unmasked_personal_data")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "town", "--town", "昆明"], "找不到镇（街道）“昆明”"),
        (["--role", "mayor"], "未知角色：mayor"),
        (["--role", "town"], "必须指定所属镇(街道)"),
        (["--role", "office", "--town", "龙街"], "只有镇(街道)经办人可以指定镇(街道)"),
        (["--role", "department", "--department", "外交部"], "找不到部门：外交部"),
    ],
)
def test_it_refuses_bad_input_and_creates_nothing(chengjiang: Campaign, args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("add_user", "someone", *args)
    assert message in str(raised.value)
    assert not User.objects.filter(username="someone").exists()


def test_it_refuses_a_weak_password(chengjiang: Campaign, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEW_USER_PASSWORD", "12345678")
    with pytest.raises(CommandError):
        call_command("add_user", "weak", "--role", "office")
    assert not User.objects.filter(username="weak").exists()


def test_it_refuses_a_username_that_exists(chengjiang: Campaign) -> None:
    call_command("add_user", "dup", "--role", "office")
    with pytest.raises(CommandError, match="用户名已存在"):
        call_command("add_user", "dup", "--role", "office")


def test_the_first_admin_gets_a_generated_password_printed_once(chengjiang: Campaign, capsys) -> None:
    call_command("create_first_admin")
    first = capsys.readouterr().out
    lines = first.splitlines()
    assert lines[1] == lines[-1] == "=" * 60  # boxed, not lost in the set-up's output
    password = next(line for line in lines if line.startswith("  密码：")).removeprefix("  密码：")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    call_command("create_first_admin")
    assert capsys.readouterr().out == ""


def test_an_office_user_can_be_limited_to_one_county(chengjiang: Campaign) -> None:
    call_command("add_user", "yx01", "--role", "office", "--county", "530481")
    assert User.objects.get(username="yx01").county == chengjiang.county


def test_a_town_user_takes_the_county_of_their_town_not_a_flag(chengjiang: Campaign) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("add_user", "t9", "--role", "town", "--town", "龙街", "--county", "澄江市")
    assert "只有管理员和办公室用户可以指定县" in str(raised.value)


def test_without_a_password_or_a_terminal_it_says_how_to_give_one(
    chengjiang: Campaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEW_USER_PASSWORD")

    def no_terminal(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("getpass.getpass", no_terminal)
    with pytest.raises(CommandError) as raised:
        call_command("add_user", "nobody", "--role", "office")
    assert "NEW_USER_PASSWORD" in str(raised.value)
    assert not User.objects.filter(username="nobody").exists()
