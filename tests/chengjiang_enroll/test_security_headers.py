"""Headers every answer carries: the Content-Security-Policy, Permissions-Policy, and no-store for signed-in users."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


def test_the_policy_allows_no_outside_origin_and_no_inline_script(login, town_user):
    directives = _directives(login(town_user).get("/entries/"))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    for sources in directives.values():
        assert all(source.startswith("'") or source == "data:" for source in sources), sources


def test_permissions_policy_switches_off_unused_features(db):
    policy = Client().get("/accounts/login/")["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


@pytest.mark.parametrize("path", ["/entries/", "/records/", "/start/town/", "/api/entries/", "/entries/export.xlsx"])
def test_nothing_a_signed_in_user_receives_is_stored(login, town_user, path):
    response = login(town_user).get(path)
    assert response.status_code == 200, path
    assert "no-store" in response["Cache-Control"], path


def test_static_files_keep_their_cache(db):
    response = Client().get("/static/css/app.css")
    assert "no-store" not in response.get("Cache-Control", "")
