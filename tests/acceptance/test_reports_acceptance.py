"""Acceptance of monthly reports (issue 5) through HTTP: filing, deadlines, lateness, review, scope, figures."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.management import call_command

from campaigns.models import Department, Town
from reporting.models import Report
from reporting.schedule import SHANGHAI
from tests.targets.helpers import record

pytestmark = pytest.mark.django_db

TEXTS = {"progress": "入户核查 1200 户。", "problems": "外出务工人员难联系。", "measures": "村组微信群逐一联系。"}
UNIT_KEYS = {"unit", "kind", "status", "submitted_at", "late"}


def at(*args: int) -> time_machine.travel:
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=False)


def submit(client, period: str = "2021-06", action: str = "submit", **texts: str):
    return client.post(f"/reports/{period}/", {**TEXTS, **texts, "action": action})


def api(client, period: str = "2021-06") -> dict:
    response = client.get("/api/reports/", {"period": period})
    assert response.status_code == 200, response.content
    return response.json()


def unit_row(body: dict, name: str) -> dict:
    return next(row for row in body["units"] if row["unit"] == name)


def test_the_office_gets_every_unit_in_the_public_shape(login, office_user, chengjiang):
    with at(2021, 7, 1, 9):
        body = api(login(office_user))
    assert set(body) == {"period", "due", "units"}
    assert body["period"] == "2021-06"
    assert body["due"] == "2021-07-02T23:59:59+08:00"
    towns = list(Town.objects.filter(county=chengjiang.county).values_list("name", flat=True))
    departments = list(Department.objects.filter(county=chengjiang.county).values_list("name", flat=True))
    assert [row["unit"] for row in body["units"]] == towns + departments
    assert len(body["units"]) == 6 + 15
    for row in body["units"]:
        assert set(row) == UNIT_KEYS
        assert row["kind"] == ("town" if row["unit"] in towns else "department")
        assert row == {**row, "status": "not_started", "submitted_at": None, "late": None}


@pytest.mark.parametrize(
    ("period", "due"),
    [("2021-04", "2021-05-02T23:59:59+08:00"), ("2021-11", "2021-12-02T23:59:59+08:00")],
)
def test_the_first_and_last_periods_and_their_deadlines(login, office_user, chengjiang, period, due):
    assert api(login(office_user), period)["due"] == due


@pytest.mark.parametrize("period", ["2021-03", "2021-12", "2021-6", "june", ""])
def test_a_period_outside_the_schedule_is_a_400(login, office_user, chengjiang, period):
    assert login(office_user).get("/api/reports/", {"period": period}).status_code == 400


def test_on_time_at_22_00_on_the_due_day(login, office_user, town_user, chengjiang):
    with at(2021, 7, 2, 22):
        response = submit(login(town_user))
        assert response.status_code == 302
    with at(2021, 7, 5):
        mine = api(login(town_user))
        office = api(login(office_user))
    assert mine["units"] == [
        {
            "unit": "凤麓街道",
            "kind": "town",
            "status": "submitted",
            "submitted_at": "2021-07-02T22:00:00+08:00",
            "late": False,
        }
    ]
    assert unit_row(office, "凤麓街道") == mine["units"][0]
    report = Report.objects.get()
    assert (report.progress, report.problems, report.measures) == tuple(TEXTS.values())


def test_late_at_00_30_the_day_after(login, town_user, chengjiang):
    with at(2021, 7, 3, 0, 30):
        assert submit(login(town_user)).status_code == 302
        body = api(login(town_user))
    assert body["units"][0]["status"] == "late"
    assert body["units"][0]["late"] is True
    assert body["units"][0]["submitted_at"] == "2021-07-03T00:30:00+08:00"


def test_the_last_second_of_the_due_day_is_on_time(login, town_user, chengjiang):
    with at(2021, 7, 2, 23, 59, 59):
        submit(login(town_user))
        assert api(login(town_user))["units"][0]["late"] is False


def test_not_started_then_draft_before_the_deadline_then_missing(login, town_user, office_user, chengjiang):
    client = login(town_user)
    with at(2021, 6, 20):
        assert api(client)["units"][0]["status"] == "not_started"
        assert submit(client, action="save", problems="").status_code == 302
        row = api(client)["units"][0]
        assert (row["status"], row["submitted_at"], row["late"]) == ("draft", None, None)
    with at(2021, 7, 3, 0, 0, 1):
        assert api(client)["units"][0]["status"] == "missing"
        office = api(login(office_user))
    assert unit_row(office, "凤麓街道")["status"] == "missing"
    assert unit_row(office, "龙街街道")["status"] == "missing"
    assert {row["status"] for row in office["units"]} == {"missing"}
    assert all(row["late"] is None and row["submitted_at"] is None for row in office["units"])


def test_a_missing_report_submitted_later_is_late(login, town_user, chengjiang):
    with at(2021, 7, 10, 9):
        assert api(login(town_user))["units"][0]["status"] == "missing"
        submit(login(town_user))
        assert api(login(town_user))["units"][0]["status"] == "late"


def test_submission_needs_all_three_texts(login, town_user, chengjiang):
    with at(2021, 7, 1, 9):
        for field in TEXTS:
            response = submit(login(town_user), **{field: "  "})
            assert response.status_code == 200  # the form again, with the error
            assert not Report.objects.filter(status=Report.Status.SUBMITTED).exists()


@pytest.mark.parametrize("late_submission", [False, True])
def test_returned_and_accepted_keep_late_and_the_first_submission_time(
    login, town_user, office_user, chengjiang, late_submission
):
    first = (2021, 7, 3, 8) if late_submission else (2021, 7, 2, 8)
    first_iso = "2021-07-03T08:00:00+08:00" if late_submission else "2021-07-02T08:00:00+08:00"
    with at(*first):
        submit(login(town_user))
    report = Report.objects.get()
    office = login(office_user)
    with at(2021, 7, 4, 10):
        assert office.post(f"/reports/view/{report.pk}/return/", {"comment": "请补充数据"}).status_code == 302
        row = api(login(town_user))["units"][0]
        assert row == {**row, "status": "returned", "late": late_submission, "submitted_at": first_iso}
        # The unit edits and resubmits; the first submission still decides.
        assert submit(login(town_user), progress="补充后的进展").status_code == 302
        row = api(login(town_user))["units"][0]
        assert row["status"] == ("late" if late_submission else "submitted")
        assert (row["late"], row["submitted_at"]) == (late_submission, first_iso)
        assert office.post(f"/reports/view/{report.pk}/accept/", {"comment": ""}).status_code == 302
        row = api(login(office_user))["units"][0]
    assert row == {
        "unit": "凤麓街道",
        "kind": "town",
        "status": "accepted",
        "submitted_at": first_iso,
        "late": late_submission,
    }
    assert Report.objects.get().progress == "补充后的进展"


def test_a_submitted_report_cannot_be_changed_by_its_unit_until_returned(login, town_user, office_user, chengjiang):
    client = login(town_user)
    with at(2021, 7, 1, 9):
        submit(client)
        for action in ("save", "submit"):
            refused = client.post("/reports/2021-06/", {**TEXTS, "progress": "改过的", "action": action})
            # Refused as such (not a redirect that looks like success), with the reason and the saved texts.
            assert refused.status_code == 409
            page = refused.content.decode()
            assert "不能修改" in page and TEXTS["progress"] in page and "改过的" not in page
        report = Report.objects.get()
        assert report.progress == TEXTS["progress"]
        assert report.submitted_at == datetime.datetime(2021, 7, 1, 9, tzinfo=SHANGHAI)
        login(office_user).post(f"/reports/view/{report.pk}/return/", {"comment": "退回"})
        client.post("/reports/2021-06/", {**TEXTS, "progress": "改过的", "action": "save"})
        assert Report.objects.get().progress == "改过的"
        login(office_user).post(f"/reports/view/{report.pk}/accept/")
    # Returned then saved as a draft again is still "returned" until resubmitted: accept is refused.
    assert Report.objects.get().status == Report.Status.RETURNED


def test_an_accepted_report_is_final_for_its_unit(login, town_user, office_user, chengjiang):
    with at(2021, 7, 1, 9):
        submit(login(town_user))
        report = Report.objects.get()
        login(office_user).post(f"/reports/view/{report.pk}/accept/")
        submit(login(town_user), progress="改过的")
    report.refresh_from_db()
    assert (report.status, report.progress) == (Report.Status.ACCEPTED, TEXTS["progress"])


def test_unit_staff_cannot_return_or_accept(login, town_user, chengjiang):
    with at(2021, 7, 1, 9):
        submit(login(town_user))
    report = Report.objects.get()
    client = login(town_user)
    assert client.post(f"/reports/view/{report.pk}/return/", {"comment": "x"}).status_code in {403, 404}
    assert client.post(f"/reports/view/{report.pk}/accept/").status_code in {403, 404}
    assert Report.objects.get().status == Report.Status.SUBMITTED


# --- scope --------------------------------------------------------------------------------------------


def test_a_town_user_sees_only_its_own_unit_in_the_api(login, town_user, other_town_user, department_user, chengjiang):
    with at(2021, 7, 1, 9):
        submit(login(other_town_user))
        assert [row["unit"] for row in api(login(town_user))["units"]] == ["凤麓街道"]
        assert api(login(town_user))["units"][0]["status"] == "not_started"
        assert [row["unit"] for row in api(login(department_user))["units"]] == ["人社"]


def test_a_town_user_cannot_read_or_file_another_units_report_by_any_url(
    login, town_user, other_town_user, office_user, chengjiang
):
    with at(2021, 7, 1, 9):
        submit(login(other_town_user))
        other = Report.objects.get(town__name="龙街街道")
        client = login(town_user)
        for url in (f"/reports/view/{other.pk}/",):
            response = client.get(url)
            assert response.status_code == 404
            assert TEXTS["progress"] not in response.content.decode()
        assert client.post(f"/reports/view/{other.pk}/return/", {"comment": "x"}).status_code in {403, 404}
        assert client.post(f"/reports/view/{other.pk}/accept/").status_code in {403, 404}
        # Whatever unit the form names, a unit files only its own report.
        longjie = Town.objects.get(name="龙街街道")
        client.post(
            "/reports/2021-06/",
            {**TEXTS, "progress": "冒名", "town": longjie.pk, "unit": longjie.pk, "action": "submit"},
        )
        other.refresh_from_db()
        assert other.progress == TEXTS["progress"]
        own = Report.objects.get(town__name="凤麓街道")
        assert own.progress == "冒名"
        # The other unit's report page on its own period URL shows only the user's own report.
        page = client.get("/reports/2021-06/").content.decode()
        assert "冒名" in page and TEXTS["progress"] not in page


def test_the_office_reads_a_report_anonymous_users_are_sent_to_login(client, login, office_user, town_user, chengjiang):
    with at(2021, 7, 1, 9):
        submit(login(town_user))
    report = Report.objects.get()
    assert login(office_user).get(f"/reports/view/{report.pk}/").status_code == 200
    for url in (f"/reports/view/{report.pk}/", "/reports/2021-06/", "/reports/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert client.get("/api/reports/", {"period": "2021-06"}).status_code == 401


# --- frozen figures -------------------------------------------------------------------------------------


def test_the_frozen_figures_equal_the_progress_api_at_the_months_last_day(
    login, town_user, office_user, chengjiang, fenglu, longjie
):
    for day in (datetime.date(2021, 4, 1), datetime.date(2021, 6, 30), datetime.date(2021, 7, 1)):
        record(chengjiang, fenglu, enrolled_on=day, contribution=300)
    record(chengjiang, longjie, enrolled_on=datetime.date(2021, 6, 2), contribution=400)
    call_command("recompute_progress", "--as-of", "2021-06-30", verbosity=0)
    with at(2021, 7, 2, 10):
        submit(login(town_user))
    progress = login(office_user).get("/api/progress/", {"as_of": "2021-06-30"}).json()
    frozen = Report.objects.get().figures
    assert frozen is not None
    expected = {
        item["code"]: next(row for row in item["towns"] if row["town"] == "凤麓街道") for item in progress["indicators"]
    }
    got = {item["code"]: item["figures"] for item in frozen["indicators"]}
    assert got == expected
    assert got["resident_pension_insured"]["actual"] == 2
    assert frozen["as_of"] == "2021-06-30"
    assert frozen["time_progress"] == progress["time_progress"]


def test_the_frozen_figures_do_not_move_when_the_data_change_later(login, town_user, chengjiang, fenglu):
    record(chengjiang, fenglu, enrolled_on=datetime.date(2021, 6, 1))
    with at(2021, 7, 2, 10):
        submit(login(town_user))
    record(chengjiang, fenglu, enrolled_on=datetime.date(2021, 6, 15))
    call_command("recompute_progress", "--as-of", "2021-06-30", verbosity=0)
    frozen = Report.objects.get().figures
    resident = next(item for item in frozen["indicators"] if item["code"] == "resident_pension_insured")
    assert resident["figures"]["actual"] == 1


def test_the_whole_last_second_of_the_due_day_is_on_time(login, town_user, other_town_user, chengjiang):
    """23:59:59 is the published deadline's last second; half a second into it is still the due day."""
    moment = datetime.datetime(2021, 7, 2, 23, 59, 59, 900_000, tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        assert api(login(other_town_user))["units"][0]["status"] == "not_started"
        submit(login(town_user))
        row = api(login(town_user))["units"][0]
    assert (row["status"], row["late"]) == ("submitted", False)
    with at(2021, 7, 3, 0, 0, 0):
        assert api(login(other_town_user))["units"][0]["status"] == "missing"
