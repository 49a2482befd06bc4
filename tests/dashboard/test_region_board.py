"""The dashboard of a prefecture's office: its counties × indicators, ranked with the county board's colours and
rules, each county linking down to its own board, read-only; nothing of another prefecture."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from audit.models import AccessLog
from campaigns.models import Campaign, County, Region, Role, User
from dashboard.selectors import county_campaigns
from enrolment.models import Insurance
from targets.assessment import Standing, measure_for
from targets.models import CountyTarget, Indicator, Target
from targets.selectors import counties_progress
from targets.services import progress_recompute
from targets.services.region_plans import region_plan_load
from tests.factories import CampaignFactory, CountyFactory, TownFactory, UserFactory
from tests.targets.helpers import records

ROOT = Path(__file__).resolve().parent.parent.parent
AS_OF = "2021-06-30"
PENSION = "employee_pension_insured"


def _county_campaign(name: str, code: str, new: int) -> Campaign:
    """A county whose campaign has one city target, 1,000 → 1,100 insured, and ``new`` enrolments so far."""
    county = CountyFactory(name=name, division_code=code)
    campaign = CampaignFactory(county=county, name=f"2021年{name}参保扩面专项行动")
    Target.objects.create(
        campaign=campaign, indicator=Indicator.objects.get(code=PENSION), target_value=1100, baseline=1000
    )
    if new:
        town = TownFactory(county=county)
        records(campaign, town, new, Insurance.EMPLOYEE_PENSION, datetime.date(2021, 5, 10))
    return campaign


@pytest.fixture
def yuxi(chengjiang: Campaign) -> Region:
    _county_campaign("江川区", "530403", 90)
    _county_campaign("华宁县", "530424", 0)
    call_command("load_regions", str(ROOT / "fixtures" / "regions" / "yuxi.csv"), verbosity=0)
    call_command("load_regions", str(ROOT / "tests" / "fixtures" / "regions" / "qujing.csv"), verbosity=0)
    return Region.objects.get(code="530400")


@pytest.fixture
def prefecture_office(yuxi: Region) -> User:
    return UserFactory(username="yuxi-office", role=Role.OFFICE, region=yuxi)


def _rows(html: str) -> list[tuple[str, dict[str, tuple[str, str]], str]]:
    """(county, {indicator: (completion text, tone class)}, link) for each row of the matrix, in order."""
    table = html[html.index('data-testid="matrix"') :]
    table = table[: table.index("</table>")]
    rows = []
    for county, row in re.findall(r'<tr[^>]*data-town="([^"]+)"[^>]*>(.*?)</tr>', table, flags=re.S):
        cells = {}
        for tone, code, cell in re.findall(r'<td class="([^"]*)" data-indicator="([^"]+)"[^>]*>(.*?)</td>', row, re.S):
            match = re.search(r'data-testid="completion">(.*?)</span>', cell)
            cells[code] = (match.group(1) if match else "—", tone)
        link = re.search(r'<a href="([^"]+)"', row)
        rows.append((county, cells, link.group(1).replace("&amp;", "&") if link else ""))
    return rows


def test_the_prefecture_office_sees_its_counties_ranked_in_the_county_boards_colours(login, prefecture_office):
    response = login(prefecture_office).get("/dashboard/", {"as_of": AS_OF})
    assert response.status_code == 200
    html = response.content.decode()
    assert "玉溪市 · 各县(市、区)工作看板" in html
    rows = _rows(html)
    assert [county for county, _cells, _link in rows] == ["玉溪市合计", "江川区", "华宁县", "澄江市"]
    _total, jiangchuan, huaning, chengjiang = (cells for _county, cells, _link in rows)
    assert jiangchuan[PENSION] == ("90.0%", "tone-good")  # 90 of the 100 new, ahead of the time progress
    assert huaning[PENSION][1] == "tone-bad"  # nothing yet, far behind
    assert chengjiang[PENSION][1] == "tone-bad"
    assert "第 1 名" in html


def test_a_click_goes_down_to_the_countys_own_board_read_only(login, prefecture_office, chengjiang, fenglu):
    client = login(prefecture_office)
    rows = _rows(client.get("/dashboard/", {"as_of": AS_OF}).content.decode())
    link = next(link for county, _cells, link in rows if county == "澄江市")
    assert link == f"/dashboard/?campaign={chengjiang.pk}&as_of={AS_OF}"
    board = client.get(link)
    assert board.status_code == 200
    html = board.content.decode()
    assert chengjiang.name in html
    assert "去设置" not in html  # baselines are the county's to set
    town_link = f"/dashboard/towns/{fenglu.pk}/?as_of={AS_OF}&amp;campaign={chengjiang.pk}"
    assert town_link in html
    assert client.get(town_link.replace("&amp;", "&")).status_code == 200
    assert client.get("/targets/baselines/upload/").status_code in {403, 405}
    assert not prefecture_office.has_perm("targets.set_baseline")


def test_another_prefectures_office_sees_none_of_these_counties(login, yuxi, chengjiang):
    other = UserFactory(role=Role.OFFICE, region=Region.objects.get(code="530300"))
    client = login(other)
    response = client.get("/dashboard/", {"as_of": AS_OF})
    assert response.status_code == 200
    html = response.content.decode()
    assert "曲靖市" in html and 'data-testid="no-counties"' in html
    for name in ("澄江市", "江川区", "华宁县"):
        assert name not in html
    assert client.get("/dashboard/", {"campaign": chengjiang.pk}).status_code == 404
    assert client.get("/dashboard/xlsx", {"campaign": chengjiang.pk}).status_code == 404


def test_a_county_office_still_gets_its_own_board(login, yuxi, chengjiang):
    office = UserFactory(role=Role.OFFICE, county=County.objects.get(division_code="530481"))
    html = login(office).get("/dashboard/", {"as_of": AS_OF}).content.decode()
    assert "领导小组工作看板" in html and "各县(市、区)工作看板" not in html


def test_the_board_reads_in_as_many_queries_for_more_counties(login, prefecture_office):
    client = login(prefecture_office)
    client.get("/dashboard/", {"as_of": AS_OF})  # the figures of the date are stored by the first reader
    with CaptureQueriesContext(connection) as few:
        client.get("/dashboard/", {"as_of": AS_OF})
    _county_campaign("易门县", "530425", 10)
    _county_campaign("峨山彝族自治县", "530426", 20)
    call_command("load_regions", str(ROOT / "fixtures" / "regions" / "yuxi.csv"), verbosity=0)
    client.get("/dashboard/", {"as_of": AS_OF})
    with CaptureQueriesContext(connection) as more:
        response = client.get("/dashboard/", {"as_of": AS_OF})
    assert len(_rows(response.content.decode())) == 1 + 5  # the prefecture's total line, then its counties
    assert len(more) == len(few)


# --- against the prefecture's plan ---------------------------------------------------------------------

PLAN_FILE = ROOT / "tests" / "fixtures" / "plans" / "yuxi_2021_test.csv"


@pytest.fixture
def plan(yuxi: Region):
    return region_plan_load(
        region=yuxi,
        path=PLAN_FILE,
        name="2021年玉溪市社会保险全民参保扩面专项行动实施方案",
        year=2021,
        document_number="玉人社发〔2021〕24号",
        start=datetime.date(2021, 3, 18),
        target_date=datetime.date(2021, 12, 31),
    ).plan


def test_counties_are_ranked_against_the_plans_targets_by_the_towns_measure(yuxi, plan):

    office = UserFactory(role=Role.OFFICE, region=yuxi)
    campaigns = county_campaigns(user=office, on=datetime.date(2021, 6, 30))
    progress = counties_progress(campaigns=campaigns, as_of=datetime.date(2021, 6, 30), region=yuxi)
    assert progress["plan"]["document_number"] == "玉人社发〔2021〕24号"
    assert progress["plan"]["time_progress"] == 0.361  # 104 of the plan's 288 days
    pension = next(item for item in progress["indicators"] if item["code"] == PENSION)
    by_county = {row["county"]: row for row in pension["counties"]}
    # 江川区: 90 new of the plan's 1,000 → 1,200 (its own campaign asks 1,000 → 1,100: not what it is judged by).
    expected = measure_for("count").assess(
        Standing(actual=1090, target=1200, baseline=1000, has_data=True, time_progress=104 / 288)
    )
    assert by_county["江川区"]["target"] == 1200 and by_county["江川区"]["actual"] == 1090
    assert by_county["江川区"]["completion"] == round(expected.completion, 3) == 0.45
    assert by_county["江川区"]["status"] == expected.status == "on_track"
    assert (by_county["江川区"]["rank"], by_county["华宁县"]["rank"]) == (1, 2)
    assert by_county["华宁县"]["status"] == "behind"
    # 澄江市 has no target in the plan on this indicator: shown as a town without a target is.
    assert by_county["澄江市"]["target"] is None and by_county["澄江市"]["status"] is None
    assert by_county["澄江市"]["rank"] is None and by_county["澄江市"]["tone"] is None
    # The prefecture's line: 4,000 at the start plus every county's new enrolments, against its 5,000.
    assert pension["total"]["target"] == 5000 and pension["total"]["actual"] == 4090
    assert pension["total"]["completion"] == 0.09 and pension["total"]["status"] == "behind"
    overall = {item["county"]: item for item in progress["counties_overall"]}
    assert overall["江川区"]["rank"] == 1 and overall["澄江市"]["rank"] is None


def test_the_board_shows_the_plan_the_total_line_and_a_county_without_a_target(login, prefecture_office, plan):
    response = login(prefecture_office).get("/dashboard/", {"as_of": AS_OF})
    html = response.content.decode()
    assert "目标任务依据：2021年玉溪市社会保险全民参保扩面专项行动实施方案（玉人社发〔2021〕24号）" in html
    rows = _rows(html)
    assert [county for county, _cells, _link in rows] == ["玉溪市合计", "江川区", "华宁县", "澄江市"]
    total, jiangchuan, _huaning, chengjiang = (cells for _county, cells, _link in rows)
    assert total[PENSION] == ("9.0%", "tone-bad")
    assert jiangchuan[PENSION] == ("45.0%", "tone-good")
    assert chengjiang[PENSION] == ("—", "")  # no target of the plan: no completion, no colour
    assert "无此项目标" in html


def test_the_prefecture_downloads_its_board_as_a_workbook_with_the_total(login, prefecture_office, plan):
    response = login(prefecture_office).get("/dashboard/xlsx", {"as_of": AS_OF})
    assert response.status_code == 200
    assert "玉溪市" in response["Content-Disposition"] or "%E7%8E%89" in response["Content-Disposition"]
    workbook = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    assert workbook.sheetnames == ["主要指标", "各县完成情况"]
    headline = [[cell.value for cell in row] for row in workbook["主要指标"].iter_rows()]
    assert headline[0][0] == "玉溪市合计主要指标完成情况"
    assert "玉人社发〔2021〕24号" in headline[1][0]
    pension = next(row for row in headline if row[0] == "企业职工基本养老保险参保人数")
    assert pension[2:5] == [5000, 4000, 4090]
    ranking = [[cell.value for cell in row] for row in workbook["各县完成情况"].iter_rows()]
    assert ranking[2][1] == "县(市、区)"
    assert [row[1] for row in ranking[4:]] == ["江川区", "华宁县", "澄江市"]
    assert AccessLog.objects.filter(what__startswith="dashboard:region:").exists()


def test_another_prefectures_workbook_holds_none_of_these_counties(login, yuxi, plan):
    other = UserFactory(role=Role.OFFICE, region=Region.objects.get(code="530300"))
    response = login(other).get("/dashboard/xlsx", {"as_of": AS_OF})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        text = "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    for name in ("澄江市", "江川区", "华宁县", "玉人社发"):
        assert name not in text


# --- cached under the counties' figures and the plans ----------------------------------------------------


def test_a_countys_recompute_shows_on_the_prefectures_board_at_once(login, prefecture_office):
    client = login(prefecture_office)
    client.get("/dashboard/", {"as_of": AS_OF})  # the figures of the date are stored by the first reader
    before = dict(
        (county, cells) for county, cells, _link in _rows(client.get("/dashboard/", {"as_of": AS_OF}).content.decode())
    )
    assert before["华宁县"][PENSION][0] == "0.0%"
    huaning = Campaign.objects.get(county__name="华宁县")
    records(huaning, TownFactory(county=huaning.county), 50, Insurance.EMPLOYEE_PENSION, datetime.date(2021, 5, 10))
    progress_recompute(campaign=huaning, as_of=datetime.date(2021, 6, 30))
    after = dict(
        (county, cells) for county, cells, _link in _rows(client.get("/dashboard/", {"as_of": AS_OF}).content.decode())
    )
    assert after["华宁县"][PENSION][0] == "50.0%"  # 50 of the 100 new its campaign asks for
    assert after["江川区"] == before["江川区"]


def test_an_edit_of_the_plans_targets_shows_on_the_board_without_a_recompute(login, prefecture_office, plan):
    client = login(prefecture_office)
    client.get("/dashboard/", {"as_of": AS_OF})  # the figures of the date are stored by the first reader
    jiangchuan = next(
        cells
        for county, cells, _link in _rows(client.get("/dashboard/", {"as_of": AS_OF}).content.decode())
        if county == "江川区"
    )
    assert jiangchuan[PENSION][0] == "45.0%"
    CountyTarget.objects.filter(plan=plan, county__name="江川区", indicator__code=PENSION).update(target_value=1100)
    jiangchuan = next(
        cells
        for county, cells, _link in _rows(client.get("/dashboard/", {"as_of": AS_OF}).content.decode())
        if county == "江川区"
    )
    assert jiangchuan[PENSION][0] == "90.0%"  # 90 new of the 100 the plan now asks for


def test_the_board_is_read_from_the_cache_while_nothing_changes(login, prefecture_office):
    client = login(prefecture_office)
    client.get("/dashboard/", {"as_of": AS_OF})
    cache.clear()
    with CaptureQueriesContext(connection) as made:
        first = client.get("/dashboard/", {"as_of": AS_OF}).content.decode()
    with CaptureQueriesContext(connection) as cached:
        second = client.get("/dashboard/", {"as_of": AS_OF}).content.decode()
    assert not any("targets_progresssnapshot" in query["sql"] for query in cached.captured_queries)
    assert len(cached) < len(made)
    assert _rows(first) == _rows(second)
