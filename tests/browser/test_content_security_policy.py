"""The Content-Security-Policy holds in a real browser: nothing inline runs, our own pages and the admin break none."""

from __future__ import annotations

import pytest

from campaigns.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inline_script_is_refused_and_reported(browser_page: object, town_user: User) -> None:
    page = browser_page
    page.login(town_user)
    page.goto("/entries/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ranInline = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.ranInline") is None
    assert any("Content Security Policy" in text for text in page.csp_violations)
    page.csp_violations.clear()  # seen: this test is about them


def test_the_admin_pages_break_no_rule(browser_page: object, admin_user: User) -> None:
    admin_user.is_staff = True
    admin_user.save()
    page = browser_page
    page.login(admin_user)
    for path in ("/admin/", "/admin/campaigns/town/", "/admin/campaigns/town/add/", "/admin/enrolment/pushentry/"):
        response = page.goto(path)
        assert response.status < 400, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
