"""The town's start page: its targets with the API's figures, its open push-list entries by village and kind
with links into the queue, and the next report due with a countdown in days and hours."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine

from campaigns.models import Village
from enrolment.models import EntryStatus, Insurance, ListKind
from reporting.models import Report
from reporting.schedule import SHANGHAI
from targets.models import Target
from targets.services import progress_refresh
from tests.enrolment.factories import PushEntryFactory
from tests.targets.helpers import records

START = "/start/town/"


def at(*args: int) -> time_machine.travel:
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def fenglu_work(chengjiang, fenglu, longjie) -> Village:
    village = Village.objects.create(town=fenglu, name="广龙社区")
    for status in (EntryStatus.PENDING, EntryStatus.PENDING, EntryStatus.REFUSED, EntryStatus.ENROLLED):
        PushEntryFactory(campaign=chengjiang, town=fenglu, village=village, kind=ListKind.PERSON, status=status)
    PushEntryFactory(campaign=chengjiang, town=fenglu, kind=ListKind.EMPLOYER, status=EntryStatus.UNREACHABLE)
    PushEntryFactory(campaign=chengjiang, town=longjie, kind=ListKind.PERSON)
    progress_refresh(campaign=chengjiang)
    return village


def test_the_targets_show_new_completion_rank_forecast_and_what_is_needed(login, town_user, chengjiang, fenglu):
    Target.objects.filter(indicator__code="resident_pension_insured", town=fenglu).update(baseline=6000)
    records(chengjiang, fenglu, 55, Insurance.RESIDENT_PENSION, datetime.date(2021, 6, 20))
    with at(2021, 6, 30, 10):
        html = login(town_user).get(START).content.decode()
    row = re.search(r'data-indicator="resident_pension_insured">(.*?)</tr>', html, flags=re.S).group(1)
    cells = re.findall(r'<td class="text-end[^"]*">(.*?)</td>', row, flags=re.S)
    # target, baseline, actual, new, completion (55 of 550), rank, forecast, needed per day
    assert cells[0] == "6,550" and cells[1] == "6,000" and cells[2] == "6,055" and cells[3] == "55"
    assert '<span data-testid="completion">10.0%</span>' in cells[4] and "时间进度 36.1%" in cells[4]
    assert cells[5] == "1/1"
    # 55 in the last 11 days of the 28-day window, carried over the 184 days left; (6,550 − 6,055) / 184 a day.
    assert cells[6].startswith(f"{6055 + round(55 / 28 * 184):,}")
    assert cells[7] == "2.7"
    assert "滞后" in row


def test_open_entries_are_listed_by_village_and_kind_with_links_into_the_queue(
    login, town_user, chengjiang, fenglu_work
) -> None:
    html = login(town_user).get(START).content.decode()
    panel = html[html.index('data-testid="town-open-entries"') :]
    panel = panel[: panel.index("</section>")]
    row = re.search(r'data-kind="person" data-village="广龙社区">(.*?)</tr>', panel, flags=re.S).group(1)
    assert f'href="/entries/?status=pending&amp;kind=person&amp;village={fenglu_work.pk}">2</a>' in row
    assert f'href="/entries/?status=refused&amp;kind=person&amp;village={fenglu_work.pk}">1</a>' in row
    employers = re.search(r'<tr data-kind="employer">(.*?)</tr>', panel, flags=re.S).group(1)
    assert 'href="/entries/?status=unreachable&amp;kind=employer">1</a>' in employers
    assert "龙街" not in panel


def test_the_countdown_gives_days_and_hours_to_the_next_report(login, town_user, chengjiang) -> None:
    with at(2021, 6, 30, 10):
        html = login(town_user).get(START).content.decode()
    # June's report is due 2021-07-02 23:59:59: 2 days and 14 hours from 2021-06-30 10:00 …
    assert 'data-testid="countdown-left">还剩 2 天 14 小时' in html
    assert "下一份报告：2021年6月" in html


def test_the_countdown_moves_on_once_the_report_is_in_and_says_when_one_is_missed(
    login, town_user, chengjiang, fenglu
) -> None:
    moment = datetime.datetime(2021, 7, 1, 9, tzinfo=SHANGHAI)
    for month in (4, 5):
        Report.objects.create(
            campaign=chengjiang,
            period=datetime.date(2021, month, 1),
            town=fenglu,
            progress="进展",
            problems="问题",
            measures="措施",
            status=Report.Status.SUBMITTED,
            first_submitted_at=moment,
            submitted_at=moment,
        )
    Report.objects.create(
        campaign=chengjiang,
        period=datetime.date(2021, 6, 1),
        town=fenglu,
        progress="进展",
        problems="问题",
        measures="措施",
        status=Report.Status.SUBMITTED,
        first_submitted_at=moment,
        submitted_at=moment,
    )
    with at(2021, 7, 20, 8):
        html = login(town_user).get(START).content.decode()
    # July's report is due at the end of 2021-08-02: 13 days and 16 hours from 2021-07-20 08:00.
    assert "下一份报告：2021年7月" in html and "还剩 13 天 16 小时" in html
    assert 'data-testid="reports-missed"' not in html
    Report.objects.filter(period=datetime.date(2021, 6, 1)).delete()
    with at(2021, 7, 20, 8):
        html = login(town_user).get(START).content.decode()
    # June's report (due 2021-07-02) missed: said beside the countdown to July's.
    missed = html[html.index('data-testid="reports-missed"') :]
    assert "2021年6月</a>（已逾期 18 天）" in missed[: missed.index("</div>")]
    assert "下一份报告：2021年7月" in html
