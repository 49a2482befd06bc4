from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Campaign, Town
from enrolment.identifiers import make_uscc
from enrolment.models import Insurance
from targets.models import ProgressSnapshot, Target
from targets.selectors import campaign_progress
from targets.services import progress_compute, progress_recompute, progress_refresh, time_progress
from tests.factories import CampaignFactory, IndicatorFactory, TargetFactory, TownFactory
from tests.targets.helpers import project, record, roster

JUNE_30 = datetime.date(2021, 6, 30)
EP, UN, WI, RP = (
    Insurance.EMPLOYEE_PENSION,
    Insurance.UNEMPLOYMENT,
    Insurance.WORK_INJURY,
    Insurance.RESIDENT_PENSION,
)


def indicator(payload: dict, code: str) -> dict:
    return next(item for item in payload["indicators"] if item["code"] == code)


def town_row(payload: dict, code: str, town: str) -> dict:
    return next(row for row in indicator(payload, code)["towns"] if row["town"] == town)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2021, 3, 1), 0.0),
        (datetime.date(2021, 3, 18), 0.0),
        (JUNE_30, 104 / 288),
        (datetime.date(2021, 12, 31), 1.0),
        (datetime.date(2022, 2, 1), 1.0),
    ],
)
def test_time_progress_runs_from_start_to_target_date_clamped(chengjiang: Campaign, day, expected) -> None:
    assert time_progress(chengjiang, day) == pytest.approx(expected)


def test_counts_add_the_baseline_and_the_records_from_the_campaign_start(chengjiang: Campaign, fenglu, longjie) -> None:
    record(chengjiang, fenglu, EP, datetime.date(2021, 4, 1))
    record(chengjiang, longjie, EP, datetime.date(2021, 6, 30))
    record(chengjiang, longjie, EP, datetime.date(2021, 7, 1))  # after as_of
    record(chengjiang, longjie, EP, datetime.date(2021, 3, 17))  # before the campaign start
    record(chengjiang, fenglu, UN, datetime.date(2021, 5, 1))
    record(chengjiang, fenglu, WI, datetime.date(2021, 5, 1))
    record(chengjiang, fenglu, RP, datetime.date(2021, 5, 1), contribution=300)
    record(chengjiang, longjie, RP, datetime.date(2021, 5, 1), contribution=500)
    record(chengjiang, longjie, RP, datetime.date(2021, 5, 2), contribution=None)
    record(chengjiang, longjie, EP, datetime.date(2021, 5, 2), is_transfer=True)

    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)

    assert indicator(payload, "employee_pension_insured")["city"]["actual"] == 12375 + 3
    assert indicator(payload, "employee_pension_insured")["city"]["new"] == 3
    assert town_row(payload, "employee_pension_insured", "龙街街道")["actual"] == 2
    assert indicator(payload, "unemployment_insured")["city"]["actual"] == 10801 + 1
    assert indicator(payload, "work_injury_insured")["city"]["actual"] == 23404 + 1
    assert indicator(payload, "resident_pension_insured")["city"]["actual"] == 3
    assert town_row(payload, "resident_pension_insured", "龙街街道")["actual"] == 2
    assert town_row(payload, "resident_pension_insured", "右所镇")["actual"] == 0
    assert indicator(payload, "resident_to_employee_transfer")["city"]["actual"] == 1
    assert town_row(payload, "resident_to_employee_transfer", "龙街街道")["actual"] == 1
    # The mean is over the records that have a contribution.
    assert indicator(payload, "resident_avg_contribution")["city"]["actual"] == 400.0
    assert town_row(payload, "resident_avg_contribution", "凤麓街道")["actual"] == 300.0
    assert town_row(payload, "resident_avg_contribution", "右所镇")["actual"] == 0


def test_a_town_count_is_judged_on_its_increment_once_its_baseline_is_set(chengjiang: Campaign, fenglu) -> None:
    for _ in range(3):
        record(chengjiang, fenglu, RP, datetime.date(2021, 6, 1))
    Target.objects.filter(campaign=chengjiang, indicator__code="resident_pension_insured", town=fenglu).update(
        baseline=5000
    )
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    row = town_row(payload, "resident_pension_insured", "凤麓街道")
    assert (row["target"], row["baseline"], row["actual"], row["new"]) == (6550, 5000, 5003, 3)
    # 3 of the 1,550 asked for: 0.2 %, far behind the time progress of 36.1 %; 5003 / 6550 = 76.4 % is the level.
    assert row["completion"] == round(3 / 1550, 3) == 0.002
    assert row["level_completion"] == round(5003 / 6550, 3) == 0.764
    assert (row["status"], row["behind"], row["rank"]) == ("behind", True, 1)
    # Towns without a baseline: not judged, not flagged, not ranked.
    longjie = town_row(payload, "resident_pension_insured", "龙街街道")
    assert (longjie["completion"], longjie["status"], longjie["behind"], longjie["rank"]) == (
        None,
        "no_baseline",
        None,
        None,
    )
    assert longjie["actual"] == 0 and longjie["baseline"] is None and longjie["new"] is None
    city = indicator(payload, "resident_pension_insured")["city"]
    assert (city["baseline"], city["new"], city["completion"], city["status"]) == (None, None, None, "no_baseline")
    assert payload["time_progress"] == 0.361


def test_towns_are_ranked_per_indicator_and_overall(chengjiang: Campaign, fenglu, longjie) -> None:
    youso = Town.objects.get(name="右所镇")
    for _ in range(10):
        record(chengjiang, longjie, RP, datetime.date(2021, 6, 1))
    for _ in range(10):
        record(chengjiang, fenglu, RP, datetime.date(2021, 6, 1))
    record(chengjiang, youso, EP, datetime.date(2021, 6, 1), is_transfer=True)
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    # No town has a resident-pension baseline: no ranks on that indicator.
    assert [row["rank"] for row in indicator(payload, "resident_pension_insured")["towns"]] == [None] * 6
    transfer = indicator(payload, "resident_to_employee_transfer")["towns"]
    # 1 of 100 for 右所; the five others share rank 2 with nothing.
    assert [(row["town"], row["rank"]) for row in transfer][:1] == [("右所镇", 1)]
    assert [row["rank"] for row in transfer[1:]] == [2] * 5
    overall = payload["towns_overall"]
    # The averages have no contributions yet (no data): the composite is the transfers' completion alone.
    assert [(item["town"], item["composite"], item["rank"]) for item in overall][:2] == [
        ("右所镇", 0.01, 1),
        ("凤麓街道", 0.0, 2),
    ]
    assert all(item["behind"] is True for item in overall)


def test_forecast_extrapolates_the_pace_of_the_last_28_days(chengjiang: Campaign, fenglu) -> None:
    # 28 records in the 28 days up to June 30 (one a day), 5 long before.
    for day in range(28):
        record(chengjiang, fenglu, EP, JUNE_30 - datetime.timedelta(days=day))
    for _ in range(5):
        record(chengjiang, fenglu, EP, datetime.date(2021, 4, 1))
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    city = indicator(payload, "employee_pension_insured")["city"]
    days_left = (datetime.date(2021, 12, 31) - JUNE_30).days
    assert city["actual"] == 12375 + 33
    assert city["forecast"] == 12375 + 33 + days_left
    assert city["needed_per_day"] == round((17900 - 12408) / days_left, 1)
    assert city["will_miss"] is True


def test_construction_rate_counts_insured_projects_of_the_campaign_year(chengjiang: Campaign, fenglu) -> None:
    project(fenglu, datetime.date(2021, 4, 1), insured=True, insured_on=datetime.date(2021, 4, 2))
    project(fenglu, datetime.date(2021, 5, 1), insured=True, insured_on=datetime.date(2021, 7, 15))  # later
    project(fenglu, datetime.date(2021, 5, 1), insured=False)
    project(fenglu, datetime.date(2021, 6, 1), insured=True)  # no date: insured since its permit
    project(fenglu, datetime.date(2020, 12, 1), insured=False)  # another year
    project(fenglu, datetime.date(2021, 7, 1), insured=False)  # after as_of
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    city = indicator(payload, "construction_injury_rate")["city"]
    assert city["actual"] == 0.5
    assert city["target"] == 0.9
    assert city["completion"] == round(0.5 / 0.9, 3)


def test_pneumoconiosis_rate_uses_each_enterprises_latest_roster(chengjiang: Campaign, fenglu, longjie) -> None:
    first, second = make_uscc(1), make_uscc(2)
    roster(fenglu, first, datetime.date(2021, 4, 30), workers=100, covered=50)
    roster(fenglu, first, datetime.date(2021, 5, 31), workers=100, covered=90)
    roster(fenglu, first, datetime.date(2021, 7, 31), workers=100, covered=100)  # after as_of
    roster(longjie, second, datetime.date(2021, 5, 31), workers=50, covered=30)
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    assert indicator(payload, "pneumoconiosis_injury_rate")["city"]["actual"] == round(120 / 150, 4)
    assert town_row(payload, "pneumoconiosis_injury_rate", "凤麓街道")["actual"] == 0.9


def _rate_figures(campaign: Campaign, code: str, dates: list[datetime.date]) -> dict:
    """(numerator, denominator) by (date, town name or 全市) of one rate, as one recompute of ``dates`` makes them."""
    snapshots = progress_compute(campaign=campaign, dates=dates)
    names = dict(Town.objects.filter(county=campaign.county).values_list("pk", "name"))
    return {
        (s.as_of, names.get(s.town_id, "全市")): (s.numerator, s.denominator)
        for s in snapshots
        if s.indicator.code == code
    }


def test_a_project_counts_as_insured_from_the_later_of_its_permit_and_its_insurance(
    chengjiang: Campaign, fenglu: Town, longjie: Town
) -> None:
    project(fenglu, datetime.date(2021, 5, 1), insured=True, insured_on=datetime.date(2021, 4, 20))  # before permit
    project(longjie, datetime.date(2021, 5, 1), insured=True, insured_on=datetime.date(2021, 6, 15))
    april, may, june = datetime.date(2021, 4, 30), datetime.date(2021, 5, 31), JUNE_30
    figures = _rate_figures(chengjiang, "construction_injury_rate", [april, may, june])
    assert figures[(april, "凤麓街道")] == (0, 0)
    assert figures[(may, "凤麓街道")] == (1, 1)
    assert figures[(may, "龙街街道")] == (0, 1)
    assert figures[(june, "龙街街道")] == (1, 1)
    assert figures[(may, "全市")] == (1, 2)
    assert figures[(june, "全市")] == (2, 2)


def test_an_enterprise_reported_by_another_town_counts_only_there_from_that_roster(
    chengjiang: Campaign, fenglu: Town, longjie: Town
) -> None:
    moved, stayed = make_uscc(1), make_uscc(2)
    roster(fenglu, moved, datetime.date(2021, 4, 30), workers=100, covered=50)
    roster(longjie, moved, datetime.date(2021, 5, 31), workers=80, covered=60)
    roster(fenglu, stayed, datetime.date(2021, 4, 30), workers=10, covered=10)
    may, june = datetime.date(2021, 5, 15), JUNE_30
    figures = _rate_figures(chengjiang, "pneumoconiosis_injury_rate", [may, june])
    assert figures[(may, "凤麓街道")] == (60, 110)
    assert figures[(may, "龙街街道")] == (0, 0)
    assert figures[(june, "凤麓街道")] == (10, 10)
    assert figures[(june, "龙街街道")] == (60, 80)
    assert figures[(june, "全市")] == (70, 90)


def test_the_figures_of_several_dates_computed_at_once_are_those_of_each_date_alone(
    chengjiang: Campaign, fenglu: Town, longjie: Town
) -> None:
    dates = [datetime.date(2021, 3, 20), datetime.date(2021, 5, 31), datetime.date(2021, 6, 3), JUNE_30]
    # Records on and around every date and the last day before each pace window, some before the campaign start.
    days = {
        cut + datetime.timedelta(days=shift)
        for day in dates
        for cut in (day, day - datetime.timedelta(days=28))
        for shift in (-1, 0, 1)
    } | {datetime.date(2021, 3, 17), datetime.date(2021, 3, 18)}
    for n, day in enumerate(sorted(days)):
        town = (fenglu, longjie)[n % 2]
        record(
            chengjiang,
            town,
            (EP, RP, UN)[n % 3],
            day,
            contribution=100 + n if n % 3 == 1 else None,
            is_transfer=n % 3 == 0 and n % 2 == 0,
        )
    project(fenglu, datetime.date(2021, 5, 31), insured=True, insured_on=datetime.date(2021, 6, 3))
    project(longjie, datetime.date(2021, 3, 20), insured=True)
    roster(fenglu, make_uscc(1), datetime.date(2021, 5, 31), workers=10, covered=4)
    roster(longjie, make_uscc(1), datetime.date(2021, 6, 3), workers=12, covered=9)

    def figures(snapshots: list[ProgressSnapshot]) -> dict:
        return {
            (s.as_of, s.indicator_id, s.town_id): (s.actual, s.numerator, s.denominator, s.forecast, s.rank)
            for s in snapshots
        }

    together = figures(progress_compute(campaign=chengjiang, dates=dates))
    alone = {
        key: value
        for day in dates
        for key, value in figures(progress_compute(campaign=chengjiang, dates=[day])).items()
    }
    assert together == alone
    assert len({value[0] for value in together.values()}) > 10  # the dates' figures differ


def test_an_indicator_without_data_is_listed_with_actual_zero(chengjiang: Campaign) -> None:
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    assert [item["code"] for item in payload["indicators"]] == [
        "employee_pension_insured",
        "unemployment_insured",
        "work_injury_insured",
        "construction_injury_rate",
        "pneumoconiosis_injury_rate",
        "resident_pension_insured",
        "resident_avg_contribution",
        "resident_to_employee_transfer",
    ]
    assert indicator(payload, "construction_injury_rate")["city"]["actual"] == 0
    assert indicator(payload, "resident_avg_contribution")["city"]["actual"] == 0
    assert len(indicator(payload, "resident_pension_insured")["towns"]) == 6


def _compute_queries(campaign: Campaign) -> int:
    with CaptureQueriesContext(connection) as queries:
        progress_recompute(campaign=campaign, as_of=[JUNE_30, datetime.date(2021, 5, 31)])
    return len(queries)


def test_the_number_of_queries_does_not_depend_on_towns_or_records(db) -> None:
    small = CampaignFactory()
    town = TownFactory(county=small.county)
    TargetFactory(campaign=small, indicator=IndicatorFactory(code="resident_pension_insured"), town=town)
    record(small, town, RP, datetime.date(2021, 6, 1), contribution=100)
    few = _compute_queries(small)

    big = CampaignFactory()
    towns = [TownFactory(county=big.county) for _ in range(12)]
    for index, town in enumerate(towns):
        TargetFactory(campaign=big, indicator=IndicatorFactory(code="resident_pension_insured"), town=town)
        for insurance in Insurance.values:
            for day in range(index + 3):
                record(big, town, insurance, datetime.date(2021, 4, 1) + datetime.timedelta(days=day), 100)
        project(town, datetime.date(2021, 4, 1), insured=True)
        roster(town, make_uscc(100 + index), datetime.date(2021, 4, 1), 10, 5)
    many = _compute_queries(big)
    assert many == few
    assert many <= 20


def test_a_failed_write_leaves_the_previous_snapshots(chengjiang: Campaign, fenglu) -> None:
    record(chengjiang, fenglu, RP, datetime.date(2021, 6, 1))
    progress_recompute(campaign=chengjiang, as_of=JUNE_30)
    before = list(ProgressSnapshot.objects.order_by("pk").values_list("pk", "actual"))
    record(chengjiang, fenglu, RP, datetime.date(2021, 6, 2))
    with (
        mock.patch("targets.services.progress._snapshots_insert", side_effect=RuntimeError("worker killed")),
        pytest.raises(RuntimeError),
    ):
        progress_recompute(campaign=chengjiang, as_of=JUNE_30)
    assert list(ProgressSnapshot.objects.order_by("pk").values_list("pk", "actual")) == before


def test_recompute_replaces_the_snapshots_of_the_date(chengjiang: Campaign, fenglu) -> None:
    progress_recompute(campaign=chengjiang, as_of=JUNE_30)
    record(chengjiang, fenglu, RP, datetime.date(2021, 6, 1))
    progress_recompute(campaign=chengjiang, as_of=JUNE_30)
    rows = ProgressSnapshot.objects.filter(as_of=JUNE_30, indicator__code="resident_pension_insured", town=None)
    assert [row.actual for row in rows] == [Decimal(1)]
    assert ProgressSnapshot.objects.filter(as_of=JUNE_30).count() == 8 * 7


def test_refresh_keeps_month_ends_and_recent_days_and_prunes_the_rest(chengjiang: Campaign, time_machine) -> None:
    time_machine.move_to(datetime.datetime(2021, 7, 20, 12, 0))
    for day in (datetime.date(2021, 5, 31), datetime.date(2021, 6, 15), datetime.date(2021, 7, 18)):
        progress_recompute(campaign=chengjiang, as_of=day)
    progress_refresh(campaign=chengjiang)
    kept = set(ProgressSnapshot.objects.values_list("as_of", flat=True))
    assert kept == {datetime.date(2021, 5, 31), datetime.date(2021, 7, 18), datetime.date(2021, 7, 20)}


def test_compute_handles_a_second_county_without_mixing_data(chengjiang: Campaign, fenglu) -> None:
    record(chengjiang, fenglu, EP, datetime.date(2021, 6, 1))
    other = CampaignFactory()
    TargetFactory(campaign=other, indicator=IndicatorFactory(code="employee_pension_insured"), target_value=10)
    snapshots = progress_compute(campaign=other, dates=[JUNE_30])
    city = next(s for s in snapshots if s.town is None and s.indicator.code == "employee_pension_insured")
    assert city.actual == 0
