import datetime

import pytest

from campaigns.models import Campaign
from reporting.schedule import PeriodError, all_periods, parse_period, period_from_key
from tests.reporting.conftest import at


def test_periods_come_from_the_campaign_data(chengjiang: Campaign) -> None:
    keys = [period.key for period in all_periods(chengjiang)]
    assert keys == [f"2021-{m:02d}" for m in range(4, 12)] + ["summary"]


def test_a_month_is_due_at_the_end_of_the_due_day_in_shanghai(chengjiang: Campaign) -> None:
    period = period_from_key(chengjiang, "2021-06")
    assert period.due.isoformat() == "2021-07-02T23:59:59+08:00"
    assert period.figures_as_of == datetime.date(2021, 6, 30)
    assert period.is_late(at(2021, 7, 2, 22)) is False
    assert period.is_late(at(2021, 7, 3, 0, 30)) is True
    assert period.is_late(None) is None


def test_the_due_day_lasts_to_midnight_not_to_its_last_whole_second(chengjiang: Campaign) -> None:
    period = period_from_key(chengjiang, "2021-06")
    assert period.is_late(at(2021, 7, 2, 23, 59, 59, 999_999)) is False
    assert period.is_late(at(2021, 7, 3, 0, 0, 0)) is True
    assert period.closes.isoformat() == "2021-07-03T00:00:00+08:00"


def test_the_due_day_is_read_from_the_campaign(chengjiang: Campaign) -> None:
    chengjiang.report_due_day = 5
    assert period_from_key(chengjiang, "2021-11").due.isoformat() == "2021-12-05T23:59:59+08:00"


def test_the_summary_is_due_on_summary_due(chengjiang: Campaign) -> None:
    summary = period_from_key(chengjiang, "summary")
    assert summary.due.isoformat() == "2021-12-05T23:59:59+08:00"
    assert summary.start == datetime.date(2021, 12, 1)
    assert summary.figures_as_of == datetime.date(2021, 11, 30)


@pytest.mark.parametrize("key", ["", None, "2021-6", "2021-13", "june", "2021-03", "2021-12", "2022-01"])
def test_it_rejects_a_period_outside_the_schedule_with_a_chinese_message(chengjiang: Campaign, key: str) -> None:
    with pytest.raises(PeriodError) as error:
        period_from_key(chengjiang, key)
    assert "报告月份" in str(error.value)


def test_parse_period_reads_year_and_month() -> None:
    assert parse_period("2021-06") == datetime.date(2021, 6, 1)
