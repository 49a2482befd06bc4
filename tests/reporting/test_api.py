import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import User
from reporting.schedule import Period
from reporting.services import report_return, report_submit
from tests.factories import DepartmentFactory, TownFactory
from tests.reporting.conftest import TEXTS


def units_by_name(response: object) -> dict[str, dict]:
    return {unit["unit"]: unit for unit in response.json()["units"]}


def test_it_reports_on_time_late_and_missing(
    june: Period, town_user: User, other_town_user: User, department_user: User, office_user: User, login, travel
) -> None:
    with travel(2021, 7, 2, 22):
        report_submit(period=june, unit=town_user.town, user=town_user, **TEXTS)
    with travel(2021, 7, 3, 0, 30):
        report_submit(period=june, unit=other_town_user.town, user=other_town_user, **TEXTS)
    with travel(2021, 7, 10, 9):
        response = login(office_user).get("/api/reports/?period=2021-06")
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == "2021-06"
    assert body["due"] == "2021-07-02T23:59:59+08:00"
    units = units_by_name(response)
    assert len(units) == 6 + 15  # every town and every department of 澄江市
    assert units["凤麓街道"] == {
        "unit": "凤麓街道",
        "kind": "town",
        "status": "submitted",
        "submitted_at": "2021-07-02T22:00:00+08:00",
        "late": False,
    }
    assert units["龙街街道"] == {
        "unit": "龙街街道",
        "kind": "town",
        "status": "late",
        "submitted_at": "2021-07-03T00:30:00+08:00",
        "late": True,
    }
    assert units["右所镇"] == {
        "unit": "右所镇",
        "kind": "town",
        "status": "missing",
        "submitted_at": None,
        "late": None,
    }
    assert units["人社"]["kind"] == "department" and units["人社"]["status"] == "missing"


def test_before_the_deadline_units_are_not_started(june: Period, admin_user: User, login, travel) -> None:
    with travel(2021, 7, 1, 9):
        response = login(admin_user).get("/api/reports/?period=2021-06")
    assert {unit["status"] for unit in response.json()["units"]} == {"not_started"}


def test_late_stays_through_a_return(june: Period, town_user: User, office_user: User, login, travel) -> None:
    with travel(2021, 7, 3, 8):
        report = report_submit(period=june, unit=town_user.town, user=town_user, **TEXTS)
        report_return(report=report, user=office_user, comment="补充")
        response = login(town_user).get("/api/reports/?period=2021-06")
    assert response.json()["units"] == [
        {
            "unit": "凤麓街道",
            "kind": "town",
            "status": "returned",
            "submitted_at": "2021-07-03T08:00:00+08:00",
            "late": True,
        }
    ]


def test_unit_staff_see_only_their_own_unit(june: Period, town_user: User, department_user: User, login) -> None:
    assert [u["unit"] for u in login(town_user).get("/api/reports/?period=2021-06").json()["units"]] == ["凤麓街道"]
    assert [u["unit"] for u in login(department_user).get("/api/reports/?period=2021-06").json()["units"]] == ["人社"]


def test_the_summary_has_its_own_period(june: Period, office_user: User, login) -> None:
    body = login(office_user).get("/api/reports/?period=summary").json()
    assert body["period"] == "summary" and body["due"] == "2021-12-05T23:59:59+08:00"


@pytest.mark.parametrize("query", ["", "?period=", "?period=2021-6", "?period=2021-13", "?period=2020-06"])
def test_a_bad_period_is_a_400_in_chinese(june: Period, office_user: User, login, query: str) -> None:
    response = login(office_user).get(f"/api/reports/{query}")
    assert response.status_code == 400
    assert "报告月份" in response.json()["detail"]


def test_it_needs_a_login(june: Period, client) -> None:
    response = client.get("/api/reports/?period=2021-06")
    assert response.status_code == 401
    assert response.json() == {"detail": "未登录或登录已过期"}


def test_it_runs_a_constant_number_of_queries(june: Period, office_user: User, town_user: User, login, travel) -> None:
    client = login(office_user)
    with travel(2021, 7, 1, 9):
        report_submit(period=june, unit=town_user.town, user=town_user, **TEXTS)
    with CaptureQueriesContext(connection) as before:
        client.get("/api/reports/?period=2021-06")
    county = june.campaign.county
    for _ in range(5):
        TownFactory(county=county)
        DepartmentFactory(county=county)
    with CaptureQueriesContext(connection) as after:
        response = client.get("/api/reports/?period=2021-06")
    assert len(response.json()["units"]) == 21 + 10
    assert len(after) == len(before)
