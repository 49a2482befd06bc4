"""Every parameterless page, opened by every role and by nobody: no error page, and no anonymous access.

The per-feature tests check what each role may do on each page; this sweep catches a page that a new
feature added without a login requirement or that crashes for a role nobody thought of.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from campaigns.models import Role, User

PUBLIC = {"/accounts/login/", "/healthz"}


def _paths(patterns: list, prefix: str = "") -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue  # Django's admin has its own tests; admin access is checked below.
            found += _paths(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern) and "<" not in route and "(?P" not in route:
            found.append("/" + prefix + route.lstrip("^").rstrip("$"))
    return sorted(set(found))


PATHS = _paths(get_resolver().url_patterns)


@pytest.mark.parametrize("path", PATHS)
def test_no_page_is_open_to_an_anonymous_visitor(db: None, path: str) -> None:
    response = Client().get(path)
    if path in PUBLIC:
        assert response.status_code == 200
    else:
        assert response.status_code in {302, 401, 403, 405}, path
        if response.status_code == 302:
            assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("role", Role.values)
def test_no_page_fails_for_any_role(users: dict[str, User], login, role: str, path: str) -> None:
    response = login(users[role]).get(path)
    assert response.status_code in {200, 302, 400, 403, 404, 405}, (role, path, response.status_code)


@pytest.mark.parametrize("role", [Role.OFFICE, Role.TOWN, Role.DEPARTMENT])
def test_only_admins_reach_the_admin_site(users: dict[str, User], login, role: str) -> None:
    response = login(users[role]).get("/admin/")
    assert response.status_code == 403
    assert "您没有权限访问此页面" in response.content.decode()
    assert login(users[Role.ADMIN]).get("/admin/").status_code == 200
