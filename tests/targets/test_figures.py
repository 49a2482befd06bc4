"""The progress figures of the 2021 campaign through the engine, every expected figure computed by hand.

Time progress on 2021-06-30 is 104 / 288 = 36.1 %; on 2021-04-30, 43 / 288 = 14.9 %.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from campaigns.models import Campaign, Town
from enrolment.models import Insurance
from targets.models import Target
from targets.selectors import campaign_progress
from targets.services import progress_recompute
from tests.targets.helpers import project, records

JUNE_30 = datetime.date(2021, 6, 30)
EP, UN, RP = Insurance.EMPLOYEE_PENSION, Insurance.UNEMPLOYMENT, Insurance.RESIDENT_PENSION
DAYS_LEFT = (datetime.date(2021, 12, 31) - JUNE_30).days  # 184


def indicator(payload: dict, code: str) -> dict:
    return next(item for item in payload["indicators"] if item["code"] == code)


def town_row(payload: dict, code: str, town: str) -> dict:
    return next(row for row in indicator(payload, code)["towns"] if row["town"] == town)


def overall(payload: dict, town: str) -> dict:
    return next(item for item in payload["towns_overall"] if item["town"] == town)


def set_baseline(campaign: Campaign, code: str, town: Town | None, value: int) -> None:
    updated = Target.objects.filter(campaign=campaign, indicator__code=code, town=town).update(baseline=value)
    assert updated == 1


@pytest.fixture
def town(chengjiang):
    return lambda name: Town.objects.get(county=chengjiang.county, name=name)


def test_42_new_employee_pensions_are_not_69_percent_of_the_task(chengjiang: Campaign, fenglu) -> None:
    records(chengjiang, fenglu, 42, EP)
    city = indicator(campaign_progress(campaign=chengjiang, as_of=JUNE_30), "employee_pension_insured")["city"]
    assert (city["baseline"], city["actual"], city["new"]) == (12375, 12417, 42)
    assert city["completion"] == round(42 / 5525, 3) == 0.008
    assert city["level_completion"] == round(12417 / 17900, 3) == 0.694
    assert (city["status"], city["behind"]) == ("behind", True)
    assert city["needed_per_day"] == round((17900 - 12417) / DAYS_LEFT, 1) == 29.8


def test_without_new_enrolments_unemployment_and_work_injury_fall_behind_at_once(chengjiang: Campaign) -> None:
    start = campaign_progress(campaign=chengjiang, as_of=chengjiang.start)
    april = campaign_progress(campaign=chengjiang, as_of=datetime.date(2021, 4, 30))
    for code in ("unemployment_insured", "work_injury_insured"):
        assert indicator(start, code)["city"]["status"] == "on_track"  # 0 % of the task on day 0 of 288
        city = indicator(april, code)["city"]
        assert (city["completion"], city["status"], city["behind"]) == (0.0, "behind", True)


def test_a_town_ahead_only_on_its_average_does_not_outrank_a_town_on_track_everywhere(
    chengjiang: Campaign, fenglu, longjie
) -> None:
    set_baseline(chengjiang, "resident_pension_insured", fenglu, 5000)  # 1,550 to gain
    set_baseline(chengjiang, "resident_pension_insured", longjie, 35000)  # 1,000 to gain
    # 凤麓: 100 resident enrolments paying 490.50 元, 10 transfers. 龙街: 400 paying 330 元, 100 transfers.
    records(chengjiang, fenglu, 100, RP, contribution=Decimal("490.5"))
    records(chengjiang, fenglu, 10, EP, is_transfer=True)
    records(chengjiang, longjie, 400, RP, contribution=330)
    records(chengjiang, longjie, 100, EP, is_transfer=True)
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)

    fenglu_rp = town_row(payload, "resident_pension_insured", "凤麓街道")
    assert (fenglu_rp["completion"], fenglu_rp["status"]) == (round(100 / 1550, 3), "behind")
    fenglu_transfer = town_row(payload, "resident_to_employee_transfer", "凤麓街道")
    assert (fenglu_transfer["completion"], fenglu_transfer["status"]) == (round(10 / 250, 3), "behind")
    fenglu_average = town_row(payload, "resident_avg_contribution", "凤麓街道")
    # 凤麓's own target is 350 元, from the city's 223: (490.5 − 223) / (350 − 223) = 210.6 %.
    assert (fenglu_average["baseline"], fenglu_average["baseline_inherited"]) == (223.0, True)
    assert (fenglu_average["completion"], fenglu_average["status"]) == (round(267.5 / 127, 3), "met")

    longjie_rp = town_row(payload, "resident_pension_insured", "龙街街道")
    assert (longjie_rp["completion"], longjie_rp["status"]) == (0.4, "on_track")
    assert town_row(payload, "resident_to_employee_transfer", "龙街街道")["status"] == "on_track"
    assert town_row(payload, "resident_avg_contribution", "龙街街道")["completion"] == 1.0

    # Capped at 100 %, 凤麓's average lifts it to (0.0645 + 0.04 + 1) / 3 = 36.8 %, not to 73.7 %.
    fenglu_composite = (100 / 1550 + 10 / 250 + 1) / 3
    assert overall(payload, "凤麓街道")["composite"] == round(fenglu_composite, 3) == 0.368
    assert overall(payload, "龙街街道")["composite"] == round((0.4 + 0.4 + 1) / 3, 3) == 0.6
    assert (100 / 1550 + 10 / 250 + 267.5 / 127) / 3 > 0.6  # what the uncapped mean would have said
    assert [item["town"] for item in payload["towns_overall"][:2]] == ["龙街街道", "凤麓街道"]
    assert (overall(payload, "龙街街道")["rank"], overall(payload, "凤麓街道")["rank"]) == (1, 2)
    # Behind on two of its three targets: flagged, however high its composite might have been.
    assert (overall(payload, "凤麓街道")["behind"], overall(payload, "龙街街道")["behind"]) == (True, False)
    # The town rows carry their town's composite and rank on every indicator.
    assert (fenglu_rp["composite"], fenglu_rp["composite_rank"]) == (0.368, 2)
    # The four other towns: transfers at 0 %, no resident baseline, no contributions: composite 0, rank 3.
    others = [item for item in payload["towns_overall"] if item["town"] not in ("凤麓街道", "龙街街道")]
    assert [(item["composite"], item["rank"], item["behind"]) for item in others] == [(0.0, 3, True)] * 4
    # Ranks per indicator are on the judged completion, over the towns that have one.
    assert [row["rank"] for row in indicator(payload, "resident_avg_contribution")["towns"]] == [1, 2] + [None] * 4

    city_average = indicator(payload, "resident_avg_contribution")["city"]
    assert city_average["actual"] == (100 * 490.5 + 400 * 330) / 500 == 362.1
    assert city_average["completion"] == round((362.1 - 223) / 107, 3) == 1.3
    assert indicator(payload, "resident_to_employee_transfer")["city"]["completion"] == round(110 / 800, 3)


def test_towns_with_equal_completions_share_a_rank(chengjiang: Campaign, fenglu, longjie, town) -> None:
    records(chengjiang, fenglu, 25, EP, is_transfer=True)  # 25 / 250
    records(chengjiang, town("右所镇"), 10, EP, is_transfer=True)  # 10 / 100
    records(chengjiang, longjie, 5, EP, is_transfer=True)  # 5 / 250
    records(chengjiang, town("海口镇"), 60, EP, is_transfer=True)  # 60 / 50: over its target
    transfer = indicator(campaign_progress(campaign=chengjiang, as_of=JUNE_30), "resident_to_employee_transfer")
    got = {row["town"]: (row["completion"], row["rank"], row["status"]) for row in transfer["towns"]}
    assert got == {
        "海口镇": (1.2, 1, "met"),
        "凤麓街道": (0.1, 2, "behind"),
        "右所镇": (0.1, 2, "behind"),
        "龙街街道": (0.02, 4, "behind"),
        "九村镇": (0.0, 5, "behind"),
        "路居镇": (0.0, 5, "behind"),
    }


def test_a_town_over_its_target_counts_one_hundred_percent_in_its_composite(chengjiang: Campaign, town) -> None:
    records(chengjiang, town("海口镇"), 60, EP, is_transfer=True)
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    assert town_row(payload, "resident_to_employee_transfer", "海口镇")["completion"] == 1.2
    assert overall(payload, "海口镇")["composite"] == 1.0


def test_a_rate_is_judged_against_its_threshold_whatever_the_date(chengjiang: Campaign, fenglu) -> None:
    project(fenglu, datetime.date(2021, 4, 1), insured=True, insured_on=datetime.date(2021, 4, 2))
    project(fenglu, datetime.date(2021, 4, 1), insured=False)
    for day in (datetime.date(2021, 4, 30), JUNE_30, datetime.date(2021, 12, 31)):
        city = indicator(campaign_progress(campaign=chengjiang, as_of=day), "construction_injury_rate")["city"]
        assert (city["actual"], city["completion"], city["status"], city["behind"]) == (
            0.5,
            round(0.5 / 0.9, 3),
            "below_target",
            True,
        ), day


def test_an_empty_rate_and_an_average_without_records_have_no_data(chengjiang: Campaign) -> None:
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    for code in ("construction_injury_rate", "pneumoconiosis_injury_rate", "resident_avg_contribution"):
        city = indicator(payload, code)["city"]
        assert (city["status"], city["completion"], city["behind"], city["will_miss"]) == ("no_data", None, None, None)
    assert all(row["rank"] is None for row in indicator(payload, "resident_avg_contribution")["towns"])


def test_a_town_with_an_average_baseline_of_its_own_is_judged_from_it(chengjiang: Campaign, fenglu, longjie) -> None:
    set_baseline(chengjiang, "resident_avg_contribution", fenglu, 300)
    records(chengjiang, fenglu, 4, RP, contribution=325)  # (325 − 300) / (350 − 300) = 50 %
    records(chengjiang, longjie, 4, RP, contribution=300)  # (300 − 223) / (330 − 223) = 72.0 %
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    fenglu_row = town_row(payload, "resident_avg_contribution", "凤麓街道")
    assert (fenglu_row["baseline"], fenglu_row["baseline_inherited"], fenglu_row["completion"]) == (300.0, False, 0.5)
    assert fenglu_row["new"] == 25.0
    longjie_row = town_row(payload, "resident_avg_contribution", "龙街街道")
    assert (longjie_row["baseline"], longjie_row["completion"]) == (223.0, round(77 / 107, 3))
    assert longjie_row["status"] == "below_target"


def test_without_a_baseline_nothing_is_said_about_what_is_still_needed(chengjiang: Campaign, fenglu) -> None:
    records(chengjiang, fenglu, 28, RP, enrolled_on=datetime.date(2021, 6, 20))
    row = town_row(campaign_progress(campaign=chengjiang, as_of=JUNE_30), "resident_pension_insured", "凤麓街道")
    assert (row["needed_per_day"], row["will_miss"], row["new"]) == (None, None, None)
    assert row["actual"] == 28  # the enrolments of the campaign alone
    set_baseline(chengjiang, "resident_pension_insured", fenglu, 6000)
    progress_recompute(campaign=chengjiang, as_of=JUNE_30)
    row = town_row(campaign_progress(campaign=chengjiang, as_of=JUNE_30), "resident_pension_insured", "凤麓街道")
    assert (row["actual"], row["new"], row["completion"]) == (6028, 28, round(28 / 550, 3))
    assert row["needed_per_day"] == round((6550 - 6028) / DAYS_LEFT, 1) == 2.8
    # 28 in the last 10 days of a 28-day window: 1 a day, 184 days left.
    assert (row["forecast"], row["will_miss"]) == (6028 + 184, True)


def test_a_composite_leaves_out_the_targets_that_cannot_be_assessed(chengjiang: Campaign, fenglu) -> None:
    records(chengjiang, fenglu, 50, EP, is_transfer=True)  # 50 / 250 = 20 %; no resident baseline; no averages
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    assert overall(payload, "凤麓街道")["composite"] == 0.2
    assert overall(payload, "凤麓街道")["mean_completion"] == 0.2
