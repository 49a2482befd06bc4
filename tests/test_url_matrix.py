"""Every parameterless page, opened by every role and by nobody: no error page, and no anonymous access.

The per-feature tests check what each role may do on each page; this sweep catches a page that a new
feature added without a login requirement or that crashes for a role nobody thought of.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from campaigns.models import Role, User
from tests.acceptance.test_scoping_everywhere import world  # noqa: F401 - the objects the URLs are filled with

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


# --- every URL pattern, every role: the answer each gets, decided here -----------------------------------------
# Each route is opened with 凤麓's objects (tests/acceptance/test_scoping_everywhere.py builds them and fills the
# URLs in) by admin, office, town, department staff and an anonymous visitor, by GET and by POST of an empty form.
# The answers are the permission decision of each view: a new view fails here until its row says who may do what.
# (Scoping between towns, and what each answer holds, is swept by test_scoping_everywhere.)

ROLES = [Role.ADMIN, Role.OFFICE, Role.TOWN, Role.DEPARTMENT, None]
#           admin, office, town, department, anonymous
GET: dict[str, tuple[int, int, int, int, int]] = {
    "": (302, 302, 302, 302, 302),
    "accounts/login/": (302, 302, 302, 302, 200),
    "accounts/logout/": (405, 405, 405, 405, 405),
    "accounts/password/": (200, 200, 200, 200, 302),
    "api/entries/": (200, 200, 200, 403, 401),
    "api/entries/<int:pk>/": (200, 200, 200, 403, 401),
    "api/progress/": (200, 200, 200, 200, 401),
    "api/reports/": (400, 400, 400, 400, 401),
    "audit/": (200, 403, 403, 403, 302),
    "audit/export.xlsx": (200, 403, 403, 403, 302),
    "batches/": (200, 200, 403, 403, 302),
    "batches/template/<str:kind>.xlsx": (200, 403, 403, 403, 302),
    "dashboard/": (200, 200, 403, 403, 302),
    "dashboard/towns/<int:pk>/": (200, 200, 403, 403, 302),
    "dashboard/xlsx": (200, 200, 403, 403, 302),
    "bulletins/": (200, 200, 200, 200, 302),
    "bulletins/leads/": (403, 200, 403, 403, 302),
    "bulletins/leads/<int:pk>/xlsx": (403, 200, 403, 403, 302),
    "bulletins/<month:month>/": (404, 200, 404, 404, 302),
    "bulletins/<month:month>/print/": (404, 200, 404, 404, 302),
    "bulletins/<month:month>/xlsx": (404, 200, 404, 404, 302),
    "bulletins/<month:month>/docx": (404, 200, 404, 404, 302),
    "batches/<int:pk>/": (200, 200, 403, 403, 302),
    "batches/<int:pk>/progress.json": (200, 200, 403, 403, 401),
    "batches/<int:pk>/rejected.xlsx": (404, 404, 403, 403, 302),
    "batches/upload/": (200, 403, 403, 403, 302),
    # A region's uploads: only accounts above a county (tests/acceptance/test_scoping_prefectures.py).
    "batches/regions/": (403, 403, 403, 403, 302),
    "batches/regions/upload/": (403, 403, 403, 403, 302),
    "batches/regions/template/<str:kind>.xlsx": (403, 403, 403, 403, 302),
    "batches/regions/<int:pk>/": (403, 403, 403, 403, 302),
    "batches/regions/<int:pk>/progress.json": (403, 403, 403, 403, 401),
    "batches/regions/<int:pk>/rejected.xlsx": (403, 403, 403, 403, 302),
    "entries/": (200, 200, 200, 403, 302),
    "entries/<int:pk>/": (200, 200, 200, 403, 302),
    "entries/<int:pk>/reveal/": (405, 405, 405, 405, 302),
    "entries/bulk-status/": (405, 403, 405, 403, 302),
    "entries/export.xlsx": (200, 200, 200, 403, 302),
    "entries/import/": (200, 403, 200, 403, 302),
    "entries/import/<uuid:token>/": (404, 403, 200, 403, 302),
    "healthz": (200, 200, 200, 200, 200),
    "imports/": (200, 200, 403, 403, 302),
    "imports/<int:pk>/": (200, 200, 403, 403, 302),
    "imports/<int:pk>/progress.json": (200, 200, 403, 403, 401),
    "imports/<int:pk>/rejected.xlsx": (404, 404, 403, 403, 302),
    "imports/upload/": (200, 403, 403, 403, 302),
    "imports/template/<str:source>.xlsx": (200, 403, 403, 403, 302),
    "progress/": (200, 200, 200, 200, 302),
    "progress/export.xlsx": (200, 200, 200, 200, 302),
    "records/": (200, 200, 200, 403, 302),
    "records/export.xlsx": (200, 200, 200, 403, 302),
    "records/new/": (200, 403, 200, 403, 302),
    "references/": (200, 403, 403, 200, 302),
    "references/<int:pk>/": (200, 403, 403, 404, 302),
    "references/<int:pk>/progress.json": (200, 403, 403, 404, 401),
    "references/<int:pk>/file": (200, 403, 403, 404, 302),
    "references/<int:pk>/rejected.xlsx": (404, 403, 403, 404, 302),
    "references/templates/<str:kind>.xlsx": (200, 403, 403, 200, 302),
    "suggestions/<int:pk>/<slug:kind>/accept/": (405, 405, 405, 405, 302),
    "suggestions/<int:pk>/<slug:kind>/dismiss/": (405, 405, 405, 405, 302),
    "entries/suggestions/accept/": (405, 405, 405, 405, 302),
    "reports/": (302, 302, 200, 200, 302),
    "reports/<period:period>/": (302, 302, 200, 200, 302),
    "reports/attachments/<int:pk>/": (200, 200, 200, 404, 302),
    "reports/attachments/<int:pk>/delete/": (405, 405, 405, 405, 302),
    "reports/notices/<int:pk>/dismiss/": (405, 405, 405, 405, 302),
    "reports/overview/": (200, 200, 403, 403, 302),
    "reports/overview/<anyperiod:period>/": (200, 200, 403, 403, 302),
    "reports/overview/<anyperiod:period>/export.xlsx": (200, 200, 403, 403, 302),
    "reports/overview/<anyperiod:period>/urge/": (405, 405, 405, 405, 302),
    "reports/summary/": (302, 302, 200, 200, 302),
    "reports/supervision/": (200, 200, 200, 200, 302),
    "reports/supervision/<int:pk>/": (200, 200, 403, 403, 302),
    "reports/supervision/new/": (200, 200, 403, 403, 302),
    "reports/view/<int:pk>/": (200, 200, 200, 404, 302),
    "reports/view/<int:pk>/accept/": (405, 405, 405, 405, 302),
    "reports/view/<int:pk>/return/": (405, 405, 405, 405, 302),
    "start/admin/": (200, 403, 403, 403, 302),
    "start/department/": (403, 403, 403, 200, 302),
    "start/office/": (403, 200, 403, 403, 302),
    "start/town/": (403, 403, 200, 403, 302),
    "targets/baselines/": (200, 200, 403, 403, 302),
    "targets/baselines/upload/": (302, 302, 403, 403, 302),
    "targets/baselines/template.xlsx": (200, 200, 403, 403, 302),
    # A prefecture's plan: only accounts above a county (tests/acceptance/test_scoping_prefectures.py).
    "targets/plans/": (403, 403, 403, 403, 302),
    "targets/plans/upload/": (403, 403, 403, 403, 302),
    "targets/plans/template.xlsx": (403, 403, 403, 403, 302),
}
POST: dict[str, tuple[int, int, int, int, int]] = {
    "": (302, 302, 302, 302, 302),
    "accounts/login/": (302, 302, 302, 302, 200),
    "accounts/logout/": (302, 302, 302, 302, 302),
    "accounts/password/": (200, 200, 200, 200, 302),
    "api/entries/": (200, 200, 200, 403, 401),
    "api/entries/<int:pk>/": (405, 405, 405, 405, 405),
    "api/progress/": (405, 405, 405, 405, 405),
    "api/reports/": (405, 405, 405, 405, 405),
    "audit/": (405, 403, 403, 403, 302),
    "audit/export.xlsx": (405, 403, 403, 403, 302),
    "batches/": (405, 405, 405, 405, 302),
    "batches/template/<str:kind>.xlsx": (405, 405, 405, 405, 302),
    "dashboard/": (405, 405, 405, 405, 302),
    "dashboard/towns/<int:pk>/": (405, 405, 405, 405, 302),
    "dashboard/xlsx": (405, 405, 405, 405, 302),
    "bulletins/": (403, 400, 403, 403, 302),
    "bulletins/leads/": (403, 400, 403, 403, 302),
    "bulletins/leads/<int:pk>/xlsx": (405, 405, 405, 405, 302),
    "bulletins/<month:month>/": (403, 302, 403, 403, 302),
    "bulletins/<month:month>/print/": (405, 405, 405, 405, 302),
    "bulletins/<month:month>/xlsx": (405, 405, 405, 405, 302),
    "bulletins/<month:month>/docx": (405, 405, 405, 405, 302),
    "batches/<int:pk>/": (405, 405, 405, 405, 302),
    "batches/<int:pk>/progress.json": (405, 405, 405, 405, 405),
    "batches/<int:pk>/rejected.xlsx": (405, 405, 405, 405, 302),
    "batches/upload/": (200, 403, 403, 403, 302),
    "batches/regions/": (405, 405, 405, 405, 302),
    "batches/regions/upload/": (403, 403, 403, 403, 302),
    "batches/regions/template/<str:kind>.xlsx": (405, 405, 405, 405, 302),
    "batches/regions/<int:pk>/": (405, 405, 405, 405, 302),
    "batches/regions/<int:pk>/progress.json": (405, 405, 405, 405, 405),
    "batches/regions/<int:pk>/rejected.xlsx": (405, 405, 405, 405, 302),
    "entries/": (302, 302, 302, 403, 302),
    "entries/<int:pk>/": (400, 403, 400, 403, 302),
    "entries/<int:pk>/reveal/": (200, 403, 200, 403, 302),
    "entries/bulk-status/": (302, 403, 302, 403, 302),
    "entries/export.xlsx": (405, 405, 405, 403, 302),
    "entries/import/": (200, 403, 200, 403, 302),
    "entries/import/<uuid:token>/": (405, 403, 405, 403, 302),
    "healthz": (405, 405, 405, 405, 405),
    "imports/": (405, 405, 405, 405, 302),
    "imports/<int:pk>/": (405, 405, 405, 405, 302),
    "imports/<int:pk>/progress.json": (405, 405, 405, 405, 405),
    "imports/<int:pk>/rejected.xlsx": (405, 405, 405, 405, 302),
    "imports/upload/": (200, 403, 403, 403, 302),
    "imports/template/<str:source>.xlsx": (405, 405, 405, 405, 302),
    "progress/": (405, 405, 405, 405, 302),
    "progress/export.xlsx": (405, 405, 405, 405, 302),
    "records/": (302, 302, 302, 403, 302),
    "records/export.xlsx": (405, 405, 405, 403, 302),
    "records/new/": (200, 403, 200, 403, 302),
    "references/": (200, 403, 403, 403, 302),
    "references/<int:pk>/": (405, 405, 405, 405, 302),
    "references/<int:pk>/progress.json": (405, 405, 405, 405, 405),
    "references/<int:pk>/file": (405, 405, 405, 405, 302),
    "references/<int:pk>/rejected.xlsx": (405, 405, 405, 405, 302),
    "references/templates/<str:kind>.xlsx": (405, 405, 405, 405, 302),
    "suggestions/<int:pk>/<slug:kind>/accept/": (302, 403, 302, 403, 302),
    "suggestions/<int:pk>/<slug:kind>/dismiss/": (302, 403, 302, 403, 302),
    "entries/suggestions/accept/": (302, 403, 302, 403, 302),
    "reports/": (405, 405, 405, 405, 302),
    "reports/<period:period>/": (302, 302, 409, 302, 302),
    "reports/attachments/<int:pk>/": (405, 405, 405, 405, 302),
    "reports/attachments/<int:pk>/delete/": (403, 403, 302, 404, 302),
    "reports/notices/<int:pk>/dismiss/": (404, 404, 302, 404, 302),
    "reports/overview/": (405, 405, 405, 405, 302),
    "reports/overview/<anyperiod:period>/": (405, 405, 405, 405, 302),
    "reports/overview/<anyperiod:period>/export.xlsx": (405, 405, 405, 405, 302),
    "reports/overview/<anyperiod:period>/urge/": (302, 302, 403, 403, 302),
    "reports/summary/": (302, 302, 302, 302, 302),
    "reports/supervision/": (405, 405, 405, 405, 302),
    "reports/supervision/<int:pk>/": (200, 200, 403, 403, 302),
    "reports/supervision/new/": (200, 200, 403, 403, 302),
    "reports/view/<int:pk>/": (405, 405, 405, 405, 302),
    "reports/view/<int:pk>/accept/": (302, 302, 403, 403, 302),
    "reports/view/<int:pk>/return/": (302, 302, 403, 403, 302),
    "start/admin/": (200, 403, 403, 403, 302),
    "start/department/": (403, 403, 403, 200, 302),
    "start/office/": (403, 200, 403, 403, 302),
    "start/town/": (403, 403, 200, 403, 302),
    "targets/baselines/": (200, 200, 403, 403, 302),
    "targets/baselines/upload/": (400, 400, 403, 403, 302),
    "targets/baselines/template.xlsx": (405, 405, 405, 405, 302),
    "targets/plans/": (405, 405, 405, 405, 302),
    "targets/plans/upload/": (403, 403, 403, 403, 302),
    "targets/plans/template.xlsx": (405, 405, 405, 405, 302),
}


def test_every_url_pattern_has_its_answers_for_every_role() -> None:
    from tests.acceptance.test_scoping_everywhere import ROUTES

    assert sorted(GET) == sorted(ROUTES), "give every URL pattern its row in GET (and POST)"
    assert sorted(POST) == sorted(ROUTES)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route", sorted(GET))
def test_each_role_gets_the_answer_decided_for_it(login, world, route: str, method: str) -> None:  # noqa: F811
    import time_machine

    from tests.acceptance.test_scoping_everywhere import NOW, _url

    expected = (GET if method == "get" else POST)[route]
    answers = []
    with time_machine.travel(NOW, tick=False):
        for role in ROLES:
            client = Client() if role is None else login(world.users[role])
            url = _url(world, route, world.fenglu)
            answers.append((client.get(url) if method == "get" else client.post(url, {})).status_code)
    assert tuple(answers) == expected, (method, route)
