"""The reporting schedule (月调度 and 年交账), read from the campaign's data; no date is written in code.

A monthly period is named by its month and stored as the month's first day: ``2021-06`` (2021-06-01) covers
June and is due on ``report_due_day`` of the next month. The year-end summary (总结) has one period per campaign,
keyed by the first day of the month of ``summary_due`` (2021-12-01 for a summary due 2021-12-05); it cannot
collide with a monthly period because the report kind is part of every key. Every deadline is the end of the
due day (23:59:59) in Asia/Shanghai.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from campaigns.dates import add_months, month_end
from campaigns.models import Campaign

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUMMARY_KEY = "summary"
_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(ValueError):
    pass


def parse_period(value: str | None) -> datetime.date:
    """``"2021-06"`` → 2021-06-01; anything else raises PeriodError with a Chinese message."""
    match = _PERIOD_RE.match(value or "")
    if not match:
        raise PeriodError(_("报告月份格式应为 YYYY-MM，例如 2021-06。"))
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise PeriodError(_("报告月份格式应为 YYYY-MM，例如 2021-06。"))
    return datetime.date(year, month, 1)


def period_key(period: datetime.date) -> str:
    return f"{period.year:04d}-{period.month:02d}"


def end_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=SHANGHAI)


@dataclass(frozen=True)
class Period:
    """One reporting period of a campaign: a month, or the year-end summary."""

    campaign: Campaign
    kind: str  # Report.Kind value
    start: datetime.date  # the stored key: first day of the month

    @property
    def is_summary(self) -> bool:
        return self.kind == "summary"

    @property
    def key(self) -> str:
        """The URL and API name: ``2021-06``, or ``summary``."""
        return SUMMARY_KEY if self.is_summary else period_key(self.start)

    @property
    def label(self) -> str:
        if self.is_summary:
            return str(_("{year}年度工作总结")).format(year=self.campaign.year)
        return str(_("{year}年{month}月")).format(year=self.start.year, month=self.start.month)

    @property
    def due_date(self) -> datetime.date:
        if self.is_summary:
            return self.campaign.summary_due
        return add_months(self.start, 1).replace(day=self.campaign.report_due_day)

    @property
    def due(self) -> datetime.datetime:
        return end_of_day(self.due_date)

    @property
    def closes(self) -> datetime.datetime:
        """The first moment after the due day (midnight, Asia/Shanghai). ``due`` is its last whole second, as
        published; a moment within that second (23:59:59.5) is still the due day."""
        return datetime.datetime.combine(self.due_date + datetime.timedelta(days=1), datetime.time(), tzinfo=SHANGHAI)

    @property
    def due_label(self) -> str:
        day = self.due_date
        return str(_("{y}年{m}月{d}日 23:59")).format(y=day.year, m=day.month, d=day.day)

    @property
    def opens(self) -> datetime.date:
        """The first day a report may be submitted: the month itself has begun; the summary may be written
        from the month before it is due."""
        return add_months(self.start, -1) if self.is_summary else self.start

    @property
    def figures_as_of(self) -> datetime.date:
        """The day a town's figures are taken: the month's last day; for the summary, the last full month
        before it is due (the summary is written in early December about the work to the end of November)."""
        if self.is_summary:
            return self.start - datetime.timedelta(days=1)
        return month_end(self.start)

    def is_late(self, moment: datetime.datetime | None) -> bool | None:
        return None if moment is None else moment >= self.closes


def monthly_periods(campaign: Campaign) -> list[Period]:
    periods, month = [], campaign.report_first_period.replace(day=1)
    while month <= campaign.report_last_period:
        periods.append(Period(campaign, "monthly", month))
        month = add_months(month, 1)
    return periods


def summary_period(campaign: Campaign) -> Period | None:
    if campaign.summary_due is None:
        return None
    return Period(campaign, "summary", campaign.summary_due.replace(day=1))


def all_periods(campaign: Campaign) -> list[Period]:
    summary = summary_period(campaign)
    return [*monthly_periods(campaign), *([summary] if summary else [])]


def period_from_key(campaign: Campaign, key: str | None) -> Period:
    """The campaign's period named ``key`` (``2021-06`` or ``summary``); PeriodError when there is none."""
    if key == SUMMARY_KEY:
        summary = summary_period(campaign)
        if summary is None:
            raise PeriodError(_("本专项行动没有年度总结。"))
        return summary
    start = parse_period(key)
    if not campaign.report_first_period <= start <= campaign.report_last_period:
        raise PeriodError(
            _("{key} 不是本专项行动的报告月份（应在 {first} 至 {last} 之间）。").format(
                key=key, first=period_key(campaign.report_first_period), last=period_key(campaign.report_last_period)
            )
        )
    return Period(campaign, "monthly", start)


def current_period(campaign: Campaign, *, now: datetime.datetime) -> Period | None:
    """The period a unit is working on now: the first whose deadline has not passed, else the last one."""
    periods = all_periods(campaign)
    for period in periods:
        if now < period.closes:
            return period
    return periods[-1] if periods else None
