"""Refused requests: our own Chinese 403 page with a way back, the admin site behind it, and a one-line log."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils.log import configure_logging

from campaigns.models import Role, User


def back_link(page: str) -> str:
    tag = re.search(r'<a [^>]*data-testid="back-link"[^>]*>', page).group(0)
    return re.search(r'href="([^"]*)"', tag).group(1)


@pytest.mark.parametrize("role", [Role.OFFICE, Role.TOWN, Role.DEPARTMENT])
@pytest.mark.parametrize("path", ["/admin/", "/admin/campaigns/town/", "/admin/login/", "/admin/reporting/report/"])
def test_non_admins_opening_the_admin_get_our_chinese_403_page(users: dict, login, role: str, path: str) -> None:
    response = login(users[role]).get(path, headers={"referer": "http://testserver/progress/"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "您没有权限访问此页面" in page and 'lang="zh-CN"' in page
    assert back_link(page) == "http://testserver/progress/"
    assert "Django" not in page and 'name="password"' not in page


def test_the_back_link_never_leaves_the_site(town_user: User, login) -> None:
    page = login(town_user).get("/admin/", headers={"referer": "https://evil.example/phish"}).content.decode()
    assert "evil.example" not in page
    assert back_link(page) == "/"


def test_visitors_who_are_not_signed_in_go_to_the_one_login_page(db: None) -> None:
    response = Client().get("/admin/campaigns/town/")
    assert response.status_code == 302
    login_page = Client().get(response.url, follow=True)
    assert login_page.redirect_chain[-1][0].startswith("/accounts/login/?next=")
    assert "/admin/campaigns/town/" in login_page.redirect_chain[-1][0]


def test_admins_still_use_the_admin_site(admin_user: User, login) -> None:
    client = login(admin_user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/")["Location"] == "/admin/"


@pytest.fixture
def console(settings: object) -> Iterator[io.StringIO]:
    """Logging configured as on a developer's machine (DEBUG on); every stream handler a request's log line can
    reach writes into one buffer instead of the terminal."""
    settings.DEBUG = True
    configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)
    buffer = io.StringIO()
    logger: logging.Logger | None = logging.getLogger("django.request")
    while logger is not None:
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:
                handler.setStream(buffer)
        logger = logger.parent if logger.propagate else None
    yield buffer
    configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)


def test_a_refused_request_is_logged_as_one_line(town_user: User, login, console) -> None:
    response = login(town_user).get("/reports/overview/")
    assert response.status_code == 403
    lines = console.getvalue().strip().splitlines()
    assert len(lines) == 1, lines
    assert "Forbidden (Permission denied): /reports/overview/" in lines[0]
    assert f"[403 GET user={town_user.pk}]" in lines[0]


def test_a_server_error_keeps_its_traceback(town_user: User, login, console, monkeypatch) -> None:
    from reporting import views

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "unit_periods", broken)
    client = login(town_user)
    client.raise_request_exception = False
    assert client.get("/reports/").status_code == 500
    err = console.getvalue()
    assert "Traceback" in err and "RuntimeError: boom" in err


def test_opening_a_submit_only_address_shows_a_page_that_says_so(town_user: User, login) -> None:
    response = login(town_user).get("/entries/bulk-status/", headers={"referer": "http://testserver/entries/"})
    page = response.content.decode()
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "此地址只接受表单提交" in page and 'lang="zh-CN"' in page
    assert back_link(page) == "http://testserver/entries/"


def test_a_json_caller_keeps_the_bare_method_not_allowed(town_user: User, login) -> None:
    response = login(town_user).get("/entries/bulk-status/", headers={"accept": "application/json"})
    assert response.status_code == 405 and response.content == b""
