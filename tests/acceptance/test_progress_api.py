"""Acceptance of ``/api/progress/`` through HTTP, with every expected figure computed here by hand.

Counts are judged on the increment over their baseline, rates and the average against their target
(the figures issue replaced the earlier completion = actual / target).

The data go in the way the county puts them in: an enrolment export imported with ``import_enrolments``,
then ``recompute_progress --as-of``; projects and rosters are stored directly (their import has its own tests).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from campaigns.models import Campaign, Role, Town
from enrolment.models import EnrolmentRecord
from targets.models import ProgressSnapshot
from tests.targets.helpers import INSURANCE_NAMES, new_id_number, project, roster, write_records_csv

pytestmark = pytest.mark.django_db

SECOND_COUNTY = str(Path(__file__).resolve().parent.parent / "fixtures" / "tonghai_2022.json")
CODES = [
    "employee_pension_insured",
    "unemployment_insured",
    "work_injury_insured",
    "construction_injury_rate",
    "pneumoconiosis_injury_rate",
    "resident_pension_insured",
    "resident_avg_contribution",
    "resident_to_employee_transfer",
]
TOWNS = ["凤麓街道", "龙街街道", "右所镇", "海口镇", "九村镇", "路居镇"]
CITY_KEYS = {
    "target",
    "baseline",
    "actual",
    "completion",
    "behind",
    "forecast",
    "needed_per_day",
    "new",
    "level_completion",
    "status",
}
TOWN_KEYS = {
    "town",
    "target",
    "actual",
    "completion",
    "rank",
    "behind",
    "new",
    "level_completion",
    "status",
    "composite",
    "composite_rank",
}
STATUSES = {"met", "on_track", "behind", "below_target", "no_baseline", "no_data"}

START = datetime.date(2021, 3, 18)
END = datetime.date(2021, 12, 31)
AS_OF = datetime.date(2021, 6, 30)


def expected_time_progress(as_of: datetime.date) -> float:
    """Elapsed days since the start over the campaign's days, both counted the same way, clamped."""
    return min(1.0, max(0.0, (as_of - START).days / (END - START).days))


def _row(name: str, insurance: str, day: str, town: str, contribution: object = "", transfer: str = "") -> list:
    return [name, new_id_number(), INSURANCE_NAMES[insurance], day, town, "", contribution, transfer]


@pytest.fixture
def achieved(chengjiang: Campaign, fenglu: Town, longjie: Town, tmp_path: Path) -> Path:
    rows = [
        # 凤麓: three resident-pension enrolments in the campaign, one in the year before the campaign started
        # (not counted, but its contribution is of the campaign year), one after as_of (not yet).
        _row("甲", "resident_pension", "2021-04-01", "凤麓", 300),
        _row("乙", "resident_pension", "2021-04-01", "凤麓街道", 400),
        _row("丙", "resident_pension", "2021-06-10", "凤麓", 500),
        _row("丁", "resident_pension", "2021-03-01", "凤麓", 200),
        _row("戊", "resident_pension", "2021-07-01", "凤麓", 900),
        # 凤麓: two employee-pension enrolments, one a transfer from the resident pension.
        _row("己", "employee_pension", "2021-05-01", "凤麓", "", "是"),
        _row("庚", "employee_pension", "2021-05-02", "凤麓", "", "否"),
        # 龙街: as_of itself is included.
        _row("辛", "resident_pension", "2021-06-30", "龙街", 330),
        _row("壬", "employee_pension", "2021-06-30", "龙街街道", "", "是"),
        _row("癸", "unemployment", "2021-06-20", "龙街", ""),
        _row("子", "work_injury", "2021-03-18", "龙街", ""),
    ]
    path = write_records_csv(tmp_path / "参保明细.csv", rows)
    call_command("import_enrolments", str(path), verbosity=0)
    assert EnrolmentRecord.objects.count() == len(rows)
    # Construction projects of 2021: 凤麓 one insured by as_of, one not; 龙街 insured only after as_of.
    project(fenglu, datetime.date(2021, 5, 1), True, datetime.date(2021, 6, 1))
    project(fenglu, datetime.date(2021, 5, 2), False)
    project(longjie, datetime.date(2021, 6, 15), True, datetime.date(2021, 7, 5))
    # Pneumoconiosis rosters: the latest row up to as_of counts.
    roster(fenglu, "91530481MA6K000001", datetime.date(2021, 4, 30), 10, 5)
    roster(fenglu, "91530481MA6K000001", datetime.date(2021, 6, 1), 10, 9)
    roster(fenglu, "91530481MA6K000001", datetime.date(2021, 7, 1), 10, 10)
    roster(longjie, "91530481MA6K000002", datetime.date(2021, 5, 1), 20, 20)
    call_command("recompute_progress", "--as-of", AS_OF.isoformat(), verbosity=0)
    return path


def _payload(client, as_of: datetime.date = AS_OF, **params: object) -> dict:
    response = client.get("/api/progress/", {"as_of": as_of.isoformat(), **params})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def _indicator(payload: dict, code: str) -> dict:
    return next(item for item in payload["indicators"] if item["code"] == code)


def _town(indicator: dict, name: str) -> dict:
    return next(row for row in indicator["towns"] if row["town"] == name)


def _is_number(value: object) -> bool:
    return type(value) in (int, float)


# --- shape --------------------------------------------------------------------------------------------


def test_the_payload_has_the_public_shape_with_numbers_as_json_numbers(login, office_user, achieved):
    payload = _payload(login(office_user))
    assert {"campaign", "as_of", "time_progress", "indicators"} <= set(payload)
    assert payload["campaign"] == Campaign.objects.get().name
    assert payload["as_of"] == "2021-06-30"
    assert _is_number(payload["time_progress"])
    assert [item["code"] for item in payload["indicators"]] == CODES
    for item in payload["indicators"]:
        assert {"code", "name", "unit", "kind", "city", "towns"} <= set(item)
        assert item["kind"] in {"count", "average", "rate"}
        assert isinstance(item["name"], str) and isinstance(item["unit"], str)
        city = item["city"]
        assert set(city) >= CITY_KEYS, item["code"]
        for key in ("target", "actual", "forecast"):
            assert _is_number(city[key]), (item["code"], key, city[key])
        for key in ("baseline", "completion", "new", "level_completion"):
            assert city[key] is None or _is_number(city[key]), (item["code"], key, city[key])
        assert city["status"] in STATUSES
        # behind: true exactly when behind or below target; null where the target cannot be assessed.
        if city["status"] in {"no_baseline", "no_data"}:
            assert city["behind"] is None and city["completion"] is None
        else:
            assert city["behind"] is (city["status"] in {"behind", "below_target"})
        assert city["needed_per_day"] is None or _is_number(city["needed_per_day"])
        assert [row["town"] for row in item["towns"]] != []
        assert sorted(row["town"] for row in item["towns"]) == sorted(TOWNS)
        for row in item["towns"]:
            assert set(row) >= TOWN_KEYS
            assert _is_number(row["actual"])
            for key in ("target", "completion", "rank", "composite", "composite_rank", "new", "level_completion"):
                assert row[key] is None or _is_number(row[key])
            assert row["behind"] is None or type(row["behind"]) is bool
            assert row["status"] is None if row["target"] is None else row["status"] in STATUSES
        if item["kind"] == "count":
            assert type(city["actual"]) is int and type(city["target"]) is int


def test_the_indicators_names_units_and_kinds(login, office_user, achieved):
    payload = _payload(login(office_user))
    got = {item["code"]: (item["name"], item["kind"]) for item in payload["indicators"]}
    assert got == {
        "employee_pension_insured": ("企业职工基本养老保险参保人数", "count"),
        "unemployment_insured": ("失业保险参保人数", "count"),
        "work_injury_insured": ("工伤保险参保人数", "count"),
        "construction_injury_rate": ("新开工工程建设项目工伤保险参保率", "rate"),
        "pneumoconiosis_injury_rate": ("尘肺病重点行业劳动者工伤保险覆盖率", "rate"),
        "resident_pension_insured": ("城乡居民基本养老保险参保人数", "count"),
        "resident_avg_contribution": ("城乡居民基本养老保险人均个人年缴费", "average"),
        "resident_to_employee_transfer": ("城乡居民转企业职工养老保险人数", "count"),
    }
    assert _indicator(payload, "resident_pension_insured")["unit"] == "人"
    assert _indicator(payload, "resident_avg_contribution")["unit"] == "元"


def test_all_eight_indicators_are_listed_with_actual_zero_without_any_data(login, office_user, chengjiang):
    payload = _payload(login(office_user))
    assert [item["code"] for item in payload["indicators"]] == CODES
    for item in payload["indicators"]:
        # Nothing achieved: a count stands at its baseline (the new enrolments alone, 0, where none is set);
        # a mean or rate is 0 and not assessed (no data).
        expected = (item["city"]["baseline"] or 0) if item["kind"] == "count" else 0
        assert item["city"]["actual"] == expected, item["code"]
        assert all(row["actual"] == 0 for row in item["towns"]), item["code"]
        if item["kind"] != "count":
            assert item["city"]["status"] == "no_data" and item["city"]["completion"] is None
    resident = _indicator(payload, "resident_pension_insured")
    assert resident["city"]["actual"] == 0 and resident["city"]["baseline"] is None
    assert resident["city"]["status"] == "no_baseline"
    assert all(row["actual"] == 0 for row in resident["towns"])
    assert _indicator(payload, "construction_injury_rate")["city"]["actual"] == 0


# --- time progress ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2021-06-30", 0.361),
        ("2021-03-18", 0.0),
        ("2021-01-01", 0.0),
        ("2021-12-31", 1.0),
        ("2022-02-01", 1.0),
        ("2021-09-30", round(196 / 288, 3)),
    ],
)
def test_time_progress_is_elapsed_days_over_campaign_days_clamped(login, office_user, chengjiang, as_of, expected):
    day = datetime.date.fromisoformat(as_of)
    assert round(expected_time_progress(day), 3) == expected
    assert _payload(login(office_user), day)["time_progress"] == expected


def test_as_of_defaults_to_today_in_shanghai(login, office_user, chengjiang):
    # 2021-06-30 20:00 UTC is already 2021-07-01 in Shanghai.
    with time_machine.travel(datetime.datetime(2021, 6, 30, 20, tzinfo=datetime.UTC), tick=False):
        response = login(office_user).get("/api/progress/")
    assert response.json()["as_of"] == "2021-07-01"


@pytest.mark.parametrize("value", ["2021-13-01", "30/06/2021", "yesterday"])
def test_a_malformed_as_of_is_a_400_with_a_message(login, office_user, chengjiang, value):
    response = login(office_user).get("/api/progress/", {"as_of": value})
    assert response.status_code == 400
    assert response.json()


# --- the figures, computed by hand --------------------------------------------------------------------


def test_count_indicators_are_baseline_plus_enrolments_from_start_to_as_of(login, office_user, achieved):
    payload = _payload(login(office_user))
    employee = _indicator(payload, "employee_pension_insured")["city"]
    assert employee["baseline"] == 12375 and employee["target"] == 17900
    assert employee["actual"] == 12375 + 3
    # Judged on the increment: 3 of the 5,525 asked for, far behind the time progress (36.1 %).
    assert employee["new"] == 3
    assert employee["completion"] == round(3 / 5525, 3)
    assert employee["level_completion"] == round(12378 / 17900, 3)
    assert (employee["status"], employee["behind"]) == ("behind", True)
    assert employee["needed_per_day"] == round((17900 - 12378) / (END - AS_OF).days, 1)
    assert _indicator(payload, "unemployment_insured")["city"]["actual"] == 10801 + 1
    assert _indicator(payload, "work_injury_insured")["city"]["actual"] == 23404 + 1

    resident = _indicator(payload, "resident_pension_insured")
    assert resident["city"]["actual"] == 4  # the 2021-03-01 and 2021-07-01 enrolments are outside
    assert resident["city"]["target"] == 106800
    # No baseline for the city nor any town: nothing is judged, ranked or flagged.
    assert (resident["city"]["status"], resident["city"]["completion"], resident["city"]["behind"]) == (
        "no_baseline",
        None,
        None,
    )
    # The pace of the last 28 days (2021-06-10 and 2021-06-30: two enrolments) carried to 2021-12-31.
    assert resident["city"]["forecast"] == round(4 + 2 / 28 * (END - AS_OF).days)
    fenglu, longjie = _town(resident, "凤麓街道"), _town(resident, "龙街街道")
    assert (fenglu["actual"], fenglu["target"]) == (3, 6550)
    assert (longjie["actual"], longjie["target"]) == (1, 36000)
    assert fenglu["level_completion"] == round(3 / 6550, 3)
    for row in resident["towns"]:
        assert (row["completion"], row["rank"], row["behind"], row["status"]) == (None, None, None, "no_baseline")


def test_transfers_and_mean_contributions_per_town_and_for_the_city(login, office_user, achieved):
    payload = _payload(login(office_user))
    transfer = _indicator(payload, "resident_to_employee_transfer")
    assert transfer["city"]["actual"] == 2 and transfer["city"]["target"] == 800
    assert _town(transfer, "凤麓街道")["actual"] == 1
    assert _town(transfer, "龙街街道")["actual"] == 1
    assert _town(transfer, "凤麓街道")["completion"] == round(1 / 250, 3)

    average = _indicator(payload, "resident_avg_contribution")
    # Every resident-pension record of the campaign year up to as_of, the one before the start included.
    # Towns without a baseline of their own start from the city's 223 元.
    assert _town(average, "凤麓街道")["actual"] == 350.0
    assert _town(average, "凤麓街道")["baseline"] == 223.0
    assert _town(average, "凤麓街道")["completion"] == round((350 - 223) / (350 - 223), 3)
    assert _town(average, "凤麓街道")["status"] == "met"
    assert _town(average, "龙街街道")["actual"] == 330.0
    assert _town(average, "龙街街道")["completion"] == round((330 - 223) / (330 - 223), 3)
    assert average["city"]["actual"] == float(round(Decimal(300 + 400 + 500 + 200 + 330) / 5, 2))
    assert average["city"]["completion"] == round((346 - 223) / (330 - 223), 3)
    assert average["city"]["new"] == 346 - 223
    assert _town(average, "右所镇")["actual"] == 0
    assert (_town(average, "右所镇")["status"], _town(average, "右所镇")["completion"]) == ("no_data", None)


def test_rates_are_fractions(login, office_user, achieved):
    payload = _payload(login(office_user))
    construction = _indicator(payload, "construction_injury_rate")
    assert construction["city"]["target"] == 0.9
    assert construction["city"]["actual"] == round(1 / 3, 4)
    assert construction["city"]["completion"] == round((1 / 3) / 0.9, 3)
    # A threshold to hold: below it is below target whatever the date.
    assert (construction["city"]["status"], construction["city"]["behind"]) == ("below_target", True)
    assert _town(construction, "凤麓街道")["actual"] == 0.5
    assert _town(construction, "龙街街道")["actual"] == 0.0
    pneumoconiosis = _indicator(payload, "pneumoconiosis_injury_rate")
    assert pneumoconiosis["city"]["actual"] == round(29 / 30, 4)
    assert pneumoconiosis["city"]["completion"] == round((29 / 30) / 0.9, 3)
    assert (pneumoconiosis["city"]["status"], pneumoconiosis["city"]["behind"]) == ("met", False)
    assert _town(pneumoconiosis, "凤麓街道")["actual"] == 0.9


def test_importing_the_same_export_again_changes_nothing(login, office_user, achieved):
    before = _payload(login(office_user))
    call_command("import_enrolments", str(achieved), verbosity=0)
    call_command("recompute_progress", "--as-of", AS_OF.isoformat(), verbosity=0)
    after = _payload(login(office_user))
    before.pop("computed_at", None)
    after.pop("computed_at", None)
    assert after == before


def test_the_api_answers_from_snapshots_and_computes_a_missing_date_first(login, office_user, achieved):
    assert not ProgressSnapshot.objects.filter(as_of=datetime.date(2021, 5, 31)).exists()
    payload = _payload(login(office_user), datetime.date(2021, 5, 31))
    assert _indicator(payload, "employee_pension_insured")["city"]["actual"] == 12375 + 2
    assert ProgressSnapshot.objects.filter(as_of=datetime.date(2021, 5, 31)).exists()


# --- who sees it --------------------------------------------------------------------------------------


def test_a_town_user_gets_the_city_and_every_town_but_nothing_personal(login, office_user, town_user, achieved):
    town = _payload(login(town_user))
    office = _payload(login(office_user))
    town.pop("computed_at", None)
    office.pop("computed_at", None)
    assert town == office
    text = login(town_user).get("/api/progress/", {"as_of": "2021-06-30"}).content.decode()
    for record in EnrolmentRecord.objects.all():
        assert record.id_number not in text and record.name not in text


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.ADMIN])
def test_department_staff_and_admins_read_the_published_progress(login, users, achieved, role):
    assert _payload(login(users[role]))["indicators"]


def test_login_is_required(client, achieved):
    response = client.get("/api/progress/", {"as_of": "2021-06-30"})
    assert response.status_code == 401 or (response.status_code == 302 and response.url.startswith("/accounts/login/"))


# --- another campaign ---------------------------------------------------------------------------------


@pytest.fixture
def tonghai(chengjiang: Campaign) -> Campaign:
    call_command("loaddata", SECOND_COUNTY, verbosity=0)
    return Campaign.objects.get(year=2022)


def test_another_campaign_by_its_id(login, admin_user, tonghai):
    payload = _payload(login(admin_user), datetime.date(2022, 6, 30), campaign=tonghai.pk)
    assert payload["campaign"] == tonghai.name
    expected = min(
        1.0, max(0.0, (datetime.date(2022, 6, 30) - tonghai.start).days / (tonghai.target_date - tonghai.start).days)
    )
    assert payload["time_progress"] == round(expected, 3)
    towns = {row["town"] for item in payload["indicators"] for row in item["towns"]}
    assert towns == {"秀山街道", "河西镇"}


def test_a_campaign_of_another_county_is_not_found_for_a_town_user(login, town_user, tonghai):
    response = login(town_user).get("/api/progress/", {"campaign": tonghai.pk, "as_of": "2022-06-30"})
    assert response.status_code == 404
    assert tonghai.name not in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "99999"])
def test_an_unknown_campaign_is_an_error_not_a_crash(login, office_user, chengjiang, value):
    assert login(office_user).get("/api/progress/", {"campaign": value}).status_code in {400, 404}
