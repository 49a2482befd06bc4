from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext


def test_the_interface_speaks_simplified_chinese(client) -> None:
    page = client.get("/accounts/login/")
    assert page.headers["Content-Language"] == "zh-hans"
    assert "用户名" in page.content.decode() and "密码" in page.content.decode()
    with translation.override("zh-hans"):
        assert gettext("Password") == "密码"  # Django's own strings come translated too


def test_the_zh_hans_catalogue_ships_compiled() -> None:
    catalogue = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
    assert (catalogue / "django.po").exists()
    assert "推送清单核查".encode() in (catalogue / "django.mo").read_bytes()


def test_the_login_lockout_admin_is_in_chinese_too() -> None:
    from axes.models import AccessAttempt

    with translation.override("zh-hans"):
        assert str(AccessAttempt._meta.verbose_name_plural) == "登录尝试"


def test_the_admin_leaves_no_english_on_its_index_and_add_user_pages(login, admin_user) -> None:
    admin_user.is_superuser = True  # the lockout tables are the superuser's
    admin_user.save()
    client = login(admin_user)
    index = client.get("/admin/").content.decode()
    assert "登录安全" in index and ">Axes<" not in index
    add_user = client.get("/admin/campaigns/user/add/")
    assert add_user.status_code == 200
    page = add_user.content.decode()
    assert "After you" not in page and "创建用户后，即可编辑更多用户选项。" in page


def test_the_admin_shows_target_values_as_the_pages_do(login, admin_user) -> None:
    from targets.models import Target

    admin_user.is_superuser = True
    admin_user.save()
    page = login(admin_user).get("/admin/targets/target/", {"all": ""}).content.decode()
    assert Target.objects.exists()
    assert ".0000" not in page
    assert " 元" in page or "元" not in {t.indicator.unit for t in Target.objects.select_related("indicator")}
