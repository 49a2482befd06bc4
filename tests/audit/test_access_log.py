"""The access log: what is recorded, that nobody changes it, who reads it, and how long it is kept."""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AccessLog
from audit.services import audit_prune
from campaigns.models import Role, User
from campaigns.roles import group_for
from tests.campaigns.test_xlsx import formula_cells
from tests.factories import TEST_PASSWORD, CountyFactory, TownFactory, UserFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0) 测试浏览器"


def _login(client: Client, username: str, password: str, ip: str = "10.1.2.3"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, HTTP_USER_AGENT=BROWSER
    )


def test_a_login_is_recorded_with_address_and_browser(town_user):
    _login(Client(), town_user.username, TEST_PASSWORD)
    record = AccessLog.objects.get(action=AccessLog.Action.LOGIN)
    assert (record.user, record.ip, record.user_agent, record.result) == (town_user, "10.1.2.3", BROWSER, "success")
    assert record.county_id == town_user.town.county_id


def test_failed_logins_stay_on_record_after_a_later_success(town_user):
    client = Client()
    for _ in range(3):
        _login(client, town_user.username, "wrong-password-1")
    _login(Client(), "nobody-here", "wrong-password-1", ip="10.9.9.9")
    assert _login(client, town_user.username, TEST_PASSWORD).status_code == 302
    failures = AccessLog.objects.filter(action=AccessLog.Action.LOGIN_FAILED)
    assert failures.filter(user=town_user, result="failure").count() == 3
    unknown = failures.get(username="nobody-here")
    assert (unknown.user, unknown.ip) == (None, "10.9.9.9")
    # Never the password typed.
    assert not AccessLog.objects.filter(detail__contains="wrong-password").exists()
    assert not AccessLog.objects.filter(what__contains="wrong-password").exists()


def test_a_lockout_is_recorded(town_user):
    client = Client()
    for _ in range(5):
        _login(client, town_user.username, "wrong-password-1")
    lockout = AccessLog.objects.get(action=AccessLog.Action.LOCKOUT)
    assert (lockout.user, lockout.result, lockout.ip) == (town_user, "refused", "10.1.2.3")


def test_a_logout_is_recorded(login, town_user):
    login(town_user).post("/accounts/logout/")
    assert AccessLog.objects.filter(action=AccessLog.Action.LOGOUT, user=town_user).exists()


def test_nobody_changes_or_deletes_a_record(town_user):
    record = AccessLog.objects.create(action=AccessLog.Action.VIEW, what="entry:1", user=town_user)
    record.what = "entry:2"
    with pytest.raises(PermissionDenied):
        record.save()
    with pytest.raises(PermissionDenied):
        record.delete()
    with pytest.raises(PermissionDenied):
        AccessLog.objects.filter(pk=record.pk).update(what="x")
    with pytest.raises(PermissionDenied):
        AccessLog.objects.filter(pk=record.pk).delete()
    assert AccessLog.objects.get(pk=record.pk).what == "entry:1"


def test_the_admin_offers_no_add_change_or_delete_even_to_a_superuser():
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = admin.site._registry[AccessLog]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_pruning_removes_only_what_is_older_than_the_retention_period(town_user, settings):
    settings.AUDIT_RETENTION_DAYS = 200
    now = timezone.now()
    old = AccessLog.objects.create(action="view", user=town_user, at=now - datetime.timedelta(days=201))
    kept = AccessLog.objects.create(action="view", user=town_user, at=now - datetime.timedelta(days=199))
    assert audit_prune(now=now) >= 1
    assert not AccessLog.objects.filter(pk=old.pk).exists()
    assert AccessLog.objects.filter(pk=kept.pk).exists()


@pytest.mark.parametrize(("days", "starts"), [("179", False), ("180", True), ("365", True)])
def test_a_retention_below_180_days_stops_the_app(days, starts):
    env = {**os.environ, "AUDIT_RETENTION_DAYS": days, "DJANGO_SETTINGS_MODULE": "chengjiang_enroll.settings"}
    env.setdefault("SECRET_KEY", "x" * 50)
    code = "import django; django.setup(); from django.conf import settings; print(settings.AUDIT_RETENTION_DAYS)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    if starts:
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == days
    else:
        assert done.returncode != 0
        assert "AUDIT_RETENTION_DAYS must be at least 180" in done.stderr


def test_privilege_changes_are_recorded(login, admin_user, town_user):
    town_user.role = Role.OFFICE
    town_user.town = None
    town_user.save()
    town_user.groups.add(group_for(Role.OFFICE))
    change = AccessLog.objects.filter(action=AccessLog.Action.PERMISSION_CHANGE, what=f"user:{town_user.pk}")
    details = " ".join(change.values_list("detail", flat=True))
    assert "role: town→office" in details
    assert "授予：领导小组办公室" in details


def test_a_password_change_is_recorded(town_user):
    town_user.set_password("Another-password-2021")
    town_user.save()
    assert AccessLog.objects.filter(action=AccessLog.Action.PASSWORD_CHANGE, what=f"user:{town_user.pk}").exists()


# --- /audit/ ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OFFICE, Role.TOWN, Role.DEPARTMENT])
def test_only_admins_read_the_log(users, login, role):
    assert login(users[role]).get("/audit/").status_code == 403
    assert login(users[role]).get("/audit/export.xlsx").status_code == 403


def test_anonymous_visitors_are_sent_to_login(db):
    assert Client().get("/audit/").url.startswith("/accounts/login/")


def test_admins_filter_by_user_action_date_and_object(login, admin_user, town_user):
    AccessLog.objects.create(action="reveal", what="entry:41", user=town_user, username=town_user.username)
    AccessLog.objects.create(
        action="reveal",
        what="entry:42",
        user=town_user,
        username=town_user.username,
        at=timezone.now() - datetime.timedelta(days=40),
    )
    AccessLog.objects.create(action="export", what="推送清单核查表：全部", user=admin_user, username="admin1")
    client = login(admin_user)
    today = timezone.localdate()
    page = client.get(
        "/audit/", {"user": town_user.username, "action": "reveal", "start": f"{today:%Y-%m-%d}", "what": "entry:4"}
    )
    assert page.status_code == 200
    assert page["Cache-Control"].count("no-store")
    text = page.content.decode()
    assert "entry:41" in text and "entry:42" not in text and "推送清单核查表" not in text


def test_a_malformed_date_answers_400_in_chinese(login, admin_user):
    response = login(admin_user).get("/audit/", {"start": "2021-13-40"})
    assert response.status_code == 400
    assert "有效的日期" in response.content.decode()


def test_the_export_is_a_workbook_without_formulas_and_is_itself_recorded(login, admin_user, town_user):
    AccessLog.objects.create(action="view", what='=HYPERLINK("x")', user=town_user, username="=1+1")
    response = login(admin_user).get("/audit/export.xlsx", {"action": "view"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert formula_cells(content) == []
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("时间", "用户名", "IP 地址", "浏览器", "操作")
    assert any(row[1] == "=1+1" for row in rows[1:])
    export = AccessLog.objects.get(action="export", user=admin_user)
    assert export.what.startswith("audit:") and export.rows == len(rows) - 1


def test_a_county_admin_reads_only_their_countys_records(login, chengjiang, admin_user, town_user):
    other_county = CountyFactory()
    stranger = UserFactory(username="stranger", role=Role.TOWN, town=TownFactory(county=other_county))
    AccessLog.objects.create(action="reveal", what="entry:777", user=stranger, county=other_county, username="stranger")
    AccessLog.objects.create(
        action="reveal", what="entry:778", user=town_user, county=chengjiang.county, username=town_user.username
    )
    county_admin = UserFactory(username="county-admin", role=Role.ADMIN, county=chengjiang.county)
    text = login(county_admin).get("/audit/", {"action": "reveal"}).content.decode()
    assert "entry:778" in text and "entry:777" not in text


def test_report_transitions_are_recorded(login, town_user, office_user, chengjiang):
    import time_machine

    from reporting.schedule import period_from_key
    from reporting.services import report_accept, report_submit

    with time_machine.travel(datetime.datetime(2021, 7, 1, 10, tzinfo=datetime.UTC)):
        period = period_from_key(chengjiang, "2021-06")
        report = report_submit(
            period=period, unit=town_user.town, user=town_user, progress="进展", problems="问题", measures="措施"
        )
        report_accept(report=report, user=office_user)
    transitions = AccessLog.objects.filter(action=AccessLog.Action.REPORT, what=f"report:{report.pk}").order_by("id")
    assert [(r.user, r.detail) for r in transitions] == [
        (town_user, "草稿→已报送"),
        (office_user, "已报送→已审核"),
    ]


def test_users_without_a_county_record_none(db):
    user = UserFactory(username="provincial", role=Role.ADMIN)
    assert isinstance(user, User)
    record = AccessLog.objects.filter(what=f"user:{user.pk}").first()
    assert record is not None and record.county_id is None
