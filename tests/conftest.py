from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import Client

from campaigns.models import Campaign, Department, Role, Town, User
from tests.factories import TEST_PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache: its database is rolled back, so what an earlier test cached under
    the same keys (the same fixture rows) would not be its data."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def chengjiang(db: None) -> Campaign:
    """The 2021 Chengjiang campaign exactly as the shipped fixture holds it."""
    call_command("loaddata", "chengjiang_2021", verbosity=0)
    return Campaign.objects.get(document_number="澄政办发〔2021〕32号")


@pytest.fixture
def fenglu(chengjiang: Campaign) -> Town:
    return Town.objects.get(county=chengjiang.county, name="凤麓街道")


@pytest.fixture
def longjie(chengjiang: Campaign) -> Town:
    return Town.objects.get(county=chengjiang.county, name="龙街街道")


@pytest.fixture
def admin_user(chengjiang: Campaign) -> User:
    return UserFactory(username="admin1", role=Role.ADMIN)


@pytest.fixture
def office_user(chengjiang: Campaign) -> User:
    return UserFactory(username="office1", role=Role.OFFICE)


@pytest.fixture
def town_user(fenglu: Town) -> User:
    return UserFactory(username="fenglu1", role=Role.TOWN, town=fenglu)


@pytest.fixture
def other_town_user(longjie: Town) -> User:
    return UserFactory(username="longjie1", role=Role.TOWN, town=longjie)


@pytest.fixture
def department_user(chengjiang: Campaign) -> User:
    return UserFactory(
        username="renshe1",
        role=Role.DEPARTMENT,
        department=Department.objects.get(county=chengjiang.county, name="人社"),
    )


@pytest.fixture
def users(admin_user: User, office_user: User, town_user: User, department_user: User) -> dict[str, User]:
    """One user of each role, keyed by role code."""
    return {Role.ADMIN: admin_user, Role.OFFICE: office_user, Role.TOWN: town_user, Role.DEPARTMENT: department_user}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def login() -> object:
    """``login(user)`` → a test client logged in as that user."""
    return client_for


__all__ = ["TEST_PASSWORD"]


def unavailable(reason: str) -> None:
    """Skip a test whose service or browser is missing, except in CI, where everything must be there."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser_page(live_server: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A Playwright page in Debian's headless chromium, pointed at the live test server.

    ``browser_page.login(user)`` signs in through the real login form.
    """
    if not os.path.exists(CHROMIUM):
        unavailable("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements.txt
        unavailable("playwright is not installed")
    # Playwright's sync API runs an event loop; Django must allow ORM calls from the test thread anyway.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        # The Content-Security-Policy allows no inline script or style: any page breaking it fails its test.
        violations: list[str] = []
        page.on(
            "console",
            lambda message: (
                violations.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
            ),
        )

        def login(user: User, password: str = TEST_PASSWORD) -> None:
            page.goto("/accounts/login/")
            page.fill("#id_username", user.username)
            page.fill("#id_password", password)
            page.click("button[type=submit]")
            page.wait_for_load_state()

        page.login = login
        page.csp_violations = violations
        yield page
        context.close()
        browser.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def celery_worker_on_broker(transactional_db: None) -> Iterator[object]:
    """A real Celery worker (in a thread) consuming from the configured broker, not eager mode.

    Tests using it must use the ``transactional_db`` (the worker thread has its own connection).
    """
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings

    from chengjiang_enroll.celery import app

    if not settings.CELERY_BROKER_URL:
        unavailable("CELERY_BROKER_URL is not set: no broker for a real worker")
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: object) -> Iterator[None]:
    """The test database, dropped cleanly at the end even if a live-server request thread left an idle
    connection behind (PostgreSQL refuses to drop a database that has sessions)."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
