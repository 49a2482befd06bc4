"""The Django admin cannot be used to get round the rules: scoped everywhere, privileges guarded, records read-only."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import models

from audit.models import AccessLog
from campaigns.admin_guard import unscoped_registrations
from campaigns.models import Campaign, County, Role, User
from reporting.models import Report, ReportAttachment
from tests.enrolment.factories import BatchFactory, PushEntryFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECOND_COUNTY = str(Path(__file__).resolve().parent.parent / "fixtures" / "tonghai_2022.json")


@pytest.fixture
def tonghai(chengjiang: Campaign) -> County:
    call_command("loaddata", SECOND_COUNTY, verbosity=0)
    return Campaign.objects.get(year=2022).county


@pytest.fixture
def county_admin(chengjiang: Campaign) -> User:
    return UserFactory(username="cj-admin", role=Role.ADMIN, county=chengjiang.county, is_staff=True)


@pytest.fixture
def tonghai_admin(tonghai: County) -> User:
    return UserFactory(username="th-admin", role=Role.ADMIN, county=tonghai, is_staff=True)


def test_every_registered_admin_is_scoped():
    assert unscoped_registrations() == []


def test_an_unscoped_registration_is_refused():
    class Loose(models.Model):
        class Meta:
            app_label = "campaigns"

        def __str__(self) -> str:
            return "loose"

    site = admin.AdminSite(name="probe")
    site.register(Loose)
    assert unscoped_registrations(site) == ["campaigns.Loose (django.contrib.admin.options.ModelAdmin)"]


def test_a_county_admin_sees_and_opens_only_their_countys_users(login, county_admin, tonghai_admin):
    client = login(county_admin)
    listed = {u.username for u in client.get("/admin/campaigns/user/").context["cl"].queryset}
    assert "cj-admin" in listed and "th-admin" not in listed
    other = f"/admin/campaigns/user/{tonghai_admin.pk}/"
    assert client.get(f"{other}change/").status_code == 302  # the admin's answer for a missing object
    assert client.get(f"{other}password/").status_code == 404
    response = client.post(f"{other}password/", {"password1": "Stolen-pass-2021", "password2": "Stolen-pass-2021"})
    assert response.status_code == 404
    tonghai_admin.refresh_from_db()
    assert not tonghai_admin.check_password("Stolen-pass-2021")


def _change_form(user: User, **changes: object) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": "",
        "email": user.email,
        "role": user.role,
        "county": user.county_id or "",
        "town": user.town_id or "",
        "department": user.department_id or "",
        "phone": "",
        "is_active": "on",
    }
    data.update({k: v for k, v in changes.items() if v is not None})
    return data


def test_a_county_admin_cannot_make_itself_superuser_or_move_county(login, county_admin, tonghai):
    client = login(county_admin)
    url = f"/admin/campaigns/user/{county_admin.pk}/change/"
    client.post(url, _change_form(county_admin, is_superuser="on", is_staff="on", county=tonghai.pk, role="office"))
    county_admin.refresh_from_db()
    assert (county_admin.is_superuser, county_admin.county_id, county_admin.role) == (
        False,
        Campaign.objects.get(year=2021).county_id,
        Role.ADMIN,
    )


def test_a_county_admin_cannot_move_a_user_to_another_county(login, county_admin, tonghai, office_user):
    office_user.county = county_admin.county
    office_user.save()
    client = login(county_admin)
    response = client.post(
        f"/admin/campaigns/user/{office_user.pk}/change/", _change_form(office_user, county=tonghai.pk)
    )
    assert response.status_code == 200  # the form refuses the choice
    office_user.refresh_from_db()
    assert office_user.county_id == county_admin.county_id


def test_only_superusers_grant_superuser_or_staff(login, county_admin, office_user):
    office_user.county = county_admin.county
    office_user.save()
    login(county_admin).post(
        f"/admin/campaigns/user/{office_user.pk}/change/", _change_form(office_user, is_superuser="on", is_staff="on")
    )
    office_user.refresh_from_db()
    assert not office_user.is_superuser and not office_user.is_staff
    root = UserFactory(username="root", role=Role.ADMIN, is_superuser=True)
    login(root).post(f"/admin/campaigns/user/{office_user.pk}/change/", _change_form(office_user, is_staff="on"))
    office_user.refresh_from_db()
    assert office_user.is_staff


def test_a_password_an_admin_sets_must_be_changed_by_its_owner(login, county_admin, office_user):
    office_user.county = county_admin.county
    office_user.save()
    login(county_admin).post(
        f"/admin/campaigns/user/{office_user.pk}/password/",
        {"password1": "Admin-chosen-2021", "password2": "Admin-chosen-2021", "usable_password": "true"},
    )
    office_user.refresh_from_db()
    assert office_user.check_password("Admin-chosen-2021") and office_user.password_must_change


@pytest.mark.parametrize("action", ["add/", "1/change/", "1/delete/"])
def test_the_access_log_is_read_only_even_for_superusers(login, action):
    root = UserFactory(username="root", role=Role.ADMIN, is_superuser=True)
    record = AccessLog.objects.create(action="view", what="entry:1", user=root)
    url = f"/admin/audit/accesslog/{action.replace('1', str(record.pk))}"
    response = login(root).post(url, {"post": "yes", "what": "x"})
    assert response.status_code == 403
    assert AccessLog.objects.filter(pk=record.pk, what="entry:1").exists()


def test_a_report_cannot_change_status_or_be_deleted_in_the_admin(login, admin_user, chengjiang, fenglu):
    admin_user.is_staff = True
    admin_user.save()
    now = datetime.datetime(2021, 7, 1, 2, tzinfo=datetime.UTC)
    report = Report.objects.create(
        campaign=chengjiang,
        period=datetime.date(2021, 6, 1),
        town=fenglu,
        status=Report.Status.SUBMITTED,
        first_submitted_at=now,
        submitted_at=now,
    )
    client = login(admin_user)
    client.post(f"/admin/reporting/report/{report.pk}/change/", {"status": "accepted"})
    assert client.post(f"/admin/reporting/report/{report.pk}/delete/", {"post": "yes"}).status_code == 403
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED


def test_attachment_files_go_with_their_rows(chengjiang, fenglu, town_user, django_capture_on_commit_callbacks):
    report = Report.objects.create(campaign=chengjiang, period=datetime.date(2021, 6, 1), town=fenglu)
    attachment = ReportAttachment.objects.create(
        report=report,
        file=ContentFile(b"%PDF-1.4", name="a.pdf"),
        original_name="a.pdf",
        kind="document",
        size=8,
        uploaded_by=town_user,
    )
    stored = Path(attachment.file.path)
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        report.delete()
    assert not stored.exists()


def test_the_admin_search_is_posted_and_never_in_the_url(login, admin_user, chengjiang, fenglu):
    admin_user.is_staff = True
    admin_user.save()
    entry = PushEntryFactory(campaign=chengjiang, town=fenglu, batch=BatchFactory(campaign=chengjiang))
    client = login(admin_user)
    url = "/admin/enrolment/pushentry/"
    typed = client.get(url, {"q": entry.key, "status__exact": "pending"})
    assert typed.status_code == 302 and entry.key not in typed["Location"] and "status__exact" in typed["Location"]
    page = client.get(typed["Location"])
    assert page.context["cl"].result_count == 1
    text = page.content.decode()
    assert 'method="post"' in text and "清除搜索" in text
    # Masked in the list and on the object's page; the full value is one logged action away on the entry page.
    masked = entry.key[:6] + "********" + entry.key[-4:]
    assert masked in text and entry.key not in text.replace(f'value="{entry.key}"', "")
    detail = client.get(f"{url}{entry.pk}/change/").content.decode()
    assert masked in detail and entry.key not in detail and entry.phone not in detail
