from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Campaign, Role
from enrolment.models import EnrolmentRecord, Insurance
from targets.models import ProgressSnapshot
from targets.services import progress_recompute
from tests.factories import CampaignFactory
from tests.targets.helpers import new_id_number, record

API = "/api/progress/"
PAGE = "/progress/"


def test_anonymous_users_get_401_from_the_api_and_the_login_page_from_the_page(client, chengjiang) -> None:
    response = client.get(API)
    assert response.status_code == 401
    assert response.json() == {"detail": "未登录或登录已过期"}
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", list(Role.values))
def test_every_role_reads_the_whole_county_progress(login, users, chengjiang: Campaign, role: str) -> None:
    response = login(users[role]).get(API, {"as_of": "2021-06-30"})
    assert response.status_code == 200
    payload = response.json()
    assert payload["campaign"] == chengjiang.name
    assert payload["as_of"] == "2021-06-30"
    assert payload["time_progress"] == 0.361
    resident = next(item for item in payload["indicators"] if item["code"] == "resident_pension_insured")
    assert set(resident) >= {"code", "name", "unit", "kind", "city", "towns"}
    assert resident["name"] == "城乡居民基本养老保险参保人数"
    assert (resident["unit"], resident["kind"]) == ("人", "count")
    assert set(resident["city"]) >= {
        "target",
        "baseline",
        "actual",
        "completion",
        "behind",
        "forecast",
        "needed_per_day",
    }
    assert resident["city"]["target"] == 106800
    assert len(resident["towns"]) == 6
    assert set(resident["towns"][0]) >= {"town", "target", "actual", "completion", "rank", "behind"}
    assert isinstance(resident["city"]["target"], int)
    # No baseline for the city's resident pension in the plan: not assessed, never read as 0.
    assert resident["city"]["completion"] is None
    assert resident["city"]["status"] == "no_baseline"
    employee = next(item for item in payload["indicators"] if item["code"] == "employee_pension_insured")
    assert isinstance(employee["city"]["completion"], float)

    page = login(users[role]).get(PAGE, {"as_of": "2021-06-30"})
    assert page.status_code == 200
    assert "<svg" in page.content.decode()


def test_a_town_user_sees_every_town_but_nothing_personal(login, town_user, chengjiang, longjie) -> None:
    person = EnrolmentRecord.objects.create(
        campaign=chengjiang,
        id_number=new_id_number(),
        name="龙街的人",
        insurance=Insurance.RESIDENT_PENSION,
        enrolled_on=datetime.date(2021, 6, 1),
        town=longjie,
        source=EnrolmentRecord.Source.MANUAL,
    )
    response = login(town_user).get(API, {"as_of": "2021-06-30"})
    body = response.content.decode()
    assert "龙街街道" in body
    assert person.id_number not in body and person.name not in body
    resident = next(item for item in response.json()["indicators"] if item["code"] == "resident_pension_insured")
    assert next(row for row in resident["towns"] if row["town"] == "龙街街道")["actual"] == 1


@pytest.mark.parametrize("value", ["2021-13-01", "yesterday", "2021/06/30"])
def test_a_bad_date_is_a_400_with_a_chinese_message(login, office_user, chengjiang, value: str) -> None:
    response = login(office_user).get(API, {"as_of": value})
    assert response.status_code == 400
    assert "日期" in response.json()["detail"]
    assert login(office_user).get(PAGE, {"as_of": value}).status_code == 400


def test_another_county_campaign_is_404(login, office_user, town_user, chengjiang) -> None:
    other = CampaignFactory()
    # A town user belongs to the town's county; an office account without a county sees every county.
    assert login(town_user).get(API, {"campaign": other.pk}).status_code == 404
    assert login(town_user).get(PAGE, {"campaign": other.pk}).status_code == 404
    assert login(office_user).get(API, {"campaign": "x"}).status_code == 400
    assert login(office_user).get(API, {"campaign": chengjiang.pk, "as_of": "2021-06-30"}).status_code == 200


def test_the_default_date_is_today(login, office_user, chengjiang, time_machine) -> None:
    time_machine.move_to(datetime.datetime(2021, 6, 30, 10, 0, tzinfo=datetime.UTC))
    payload = login(office_user).get(API).json()
    assert payload["as_of"] == "2021-06-30"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime.datetime(2026, 6, 1, 10, tzinfo=datetime.UTC), "2021-12-31"),
        (datetime.datetime(2022, 1, 1, 10, tzinfo=datetime.UTC), "2021-12-31"),
        (datetime.datetime(2021, 1, 10, 10, tzinfo=datetime.UTC), "2021-03-18"),
    ],
)
def test_the_default_date_stays_within_the_campaign(login, office_user, chengjiang, time_machine, now, expected):
    time_machine.move_to(now)
    payload = login(office_user).get(API).json()
    assert payload["as_of"] == expected
    assert payload["time_progress"] == (1.0 if expected.endswith("12-31") else 0.0)
    page = login(office_user).get(PAGE).content.decode()
    assert f'value="{expected}"' in page


def test_the_recompute_command_without_a_date_stops_at_the_campaign_end(chengjiang, time_machine) -> None:
    time_machine.move_to(datetime.datetime(2026, 6, 1, 10, tzinfo=datetime.UTC))
    call_command("recompute_progress", verbosity=0)
    assert set(ProgressSnapshot.objects.values_list("as_of", flat=True)) == {datetime.date(2021, 12, 31)}


def test_the_town_start_page_shows_the_final_figures_after_the_campaign(
    login, town_user, chengjiang, fenglu, time_machine
) -> None:
    record(chengjiang, fenglu, Insurance.RESIDENT_PENSION, datetime.date(2021, 11, 1))
    time_machine.move_to(datetime.datetime(2026, 6, 1, 10, tzinfo=datetime.UTC))
    login(town_user).get("/start/town/")
    assert set(ProgressSnapshot.objects.values_list("as_of", flat=True)) == {datetime.date(2021, 12, 31)}


def test_the_api_answers_from_snapshots_in_a_constant_number_of_queries(login, office_user, chengjiang, fenglu) -> None:
    for day in range(30):
        record(chengjiang, fenglu, Insurance.EMPLOYEE_PENSION, datetime.date(2021, 5, 1) + datetime.timedelta(day))
    progress_recompute(campaign=chengjiang, as_of=datetime.date(2021, 6, 30))
    client = login(office_user)
    client.get(API, {"as_of": "2021-06-30"})  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(API, {"as_of": "2021-06-30"})
    assert response.status_code == 200
    # session + user + campaign + snapshots
    assert len(queries) <= 5
    assert ProgressSnapshot.objects.filter(as_of=datetime.date(2021, 6, 30)).count() == 56


def test_the_town_start_page_shows_its_quota_actual_and_rank(login, town_user, chengjiang, fenglu) -> None:
    record(chengjiang, fenglu, Insurance.RESIDENT_PENSION, datetime.date(2021, 6, 1))
    body = login(town_user).get("/start/town/").content.decode()
    assert 'data-testid="town-progress-panel"' in body
    assert "6,550" in body


def _cells(html: str, section: str) -> dict[str, str]:
    """{unit: completion text} of one indicator's table on the page."""
    import re

    start = html.index(f'data-testid="indicator-{section}"')
    end = html.find("</section>", start)
    part = html[start:end]
    found = {}
    for unit, row in re.findall(r'<tr[^>]*data-unit="([^"]+)"[^>]*>(.*?)</tr>', part, flags=re.S):
        match = re.search(r'data-testid="completion">\s*(.*?)\s*</td>', row, flags=re.S)
        if match:
            found[unit] = match.group(1)
    return found


def test_the_page_and_the_town_start_page_show_the_apis_completions(
    login, office_user, town_user, chengjiang, fenglu, longjie
) -> None:
    from targets.templatetags.measures import completion

    for day in range(20):
        record(chengjiang, fenglu, Insurance.RESIDENT_PENSION, datetime.date(2021, 5, 1) + datetime.timedelta(day), 400)
    record(chengjiang, longjie, Insurance.EMPLOYEE_PENSION, datetime.date(2021, 6, 1), is_transfer=True)
    from targets.models import Target

    Target.objects.filter(indicator__code="resident_pension_insured", town=fenglu).update(baseline=6000)
    payload = login(office_user).get(API, {"as_of": "2021-06-30"}).json()
    page = login(office_user).get(PAGE, {"as_of": "2021-06-30"}).content.decode()
    for item in payload["indicators"]:
        cells = _cells(page, item["code"])
        expected = {"全市": item["city"]} | {row["town"]: row for row in item["towns"]}
        for unit, figures in expected.items():
            if figures["target"] is not None:
                assert cells[unit] == completion(figures), (item["code"], unit)
    resident = next(item for item in payload["indicators"] if item["code"] == "resident_pension_insured")
    fenglu_row = next(row for row in resident["towns"] if row["town"] == "凤麓街道")
    assert completion(fenglu_row) == "3.6%"  # 20 of 550

    with time_machine.travel(datetime.datetime(2021, 6, 30, 10, tzinfo=datetime.UTC), tick=False):
        start = login(town_user).get("/start/town/").content.decode()
    assert '<td class="tone-bad" data-testid="completion">3.6%</td>' in start
