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
