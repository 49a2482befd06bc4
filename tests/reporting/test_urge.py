"""The overview's 催报, the previous period beside this one, and a draft shown as 草稿."""

import pytest
from django.core import mail

from campaigns.models import User
from reporting.models import Notice, ReportUrge
from reporting.schedule import Period, period_from_key
from reporting.services import report_save, report_submit
from tests.reporting.conftest import TEXTS


@pytest.fixture
def mailboxes(town_user: User, other_town_user: User, department_user: User) -> None:
    for user in (town_user, other_town_user, department_user):
        user.email = f"{user.username}@example.cn"
        user.save()


def test_urging_reaches_every_unit_that_has_not_submitted_once_a_day(
    june: Period, town_user: User, other_town_user: User, office_user: User, mailboxes, login, travel
) -> None:
    with travel(2021, 7, 1, 8):
        report_submit(period=june, unit=town_user.town, user=town_user, **TEXTS)
    client = login(office_user)
    with travel(2021, 7, 3, 9):
        page = client.get("/reports/overview/2021-06/").content.decode()
        assert "催报（20 个未报单位）" in page
        response = client.post("/reports/overview/2021-06/urge/", follow=True)
        assert "已向 20 个未报单位发出催报通知（邮件 2 封）" in response.content.decode()
    urges = ReportUrge.objects.all()
    assert urges.count() == 20 and not urges.filter(town=town_user.town).exists()
    assert {u.urged_by for u in urges} == {office_user}
    notices = Notice.objects.filter(kind=Notice.Kind.URGE)
    assert notices.count() == 20 and notices.filter(town=other_town_user.town).get().link == "/reports/2021-06/"
    assert sorted(a for m in mail.outbox for a in m.to) == ["longjie1@example.cn", "renshe1@example.cn"]

    with travel(2021, 7, 3, 15):  # again the same day: nobody is urged twice
        page = client.get("/reports/overview/2021-06/").content.decode()
        assert "今日 09:00 已催报" in page and "催报（0 个未报单位）" in page
        response = client.post("/reports/overview/2021-06/urge/", follow=True)
        assert "今天已催报过的单位不再重复催报" in response.content.decode()
    assert ReportUrge.objects.count() == 20 and len(mail.outbox) == 2

    with travel(2021, 7, 4, 9):  # the next day, again
        client.post("/reports/overview/2021-06/urge/")
    assert ReportUrge.objects.count() == 40


def test_town_staff_cannot_urge(june: Period, town_user: User, login, travel) -> None:
    with travel(2021, 7, 3, 9):
        assert login(town_user).post("/reports/overview/2021-06/urge/").status_code == 403
    assert not ReportUrge.objects.exists() and not Notice.objects.exists()


def test_a_draft_is_shown_as_a_draft_and_the_previous_month_beside_this_one(
    june: Period, town_user: User, office_user: User, login, travel
) -> None:
    may = period_from_key(june.campaign, "2021-05")
    with travel(2021, 6, 1, 9):
        report_submit(period=may, unit=town_user.town, user=town_user, **TEXTS)
    with travel(2021, 7, 1, 9):
        report_save(period=june, unit=town_user.town, user=town_user, progress="草稿", problems="", measures="")
    with travel(2021, 7, 5, 9):
        response = login(office_user).get("/reports/overview/2021-06/")
    row = next(line for line in response.context["rows"] if line.current.unit == town_user.town)
    assert row.current.status == "missing" and row.current.shown_label == "草稿"
    assert row.previous.period.key == "2021-05" and row.previous.shown_label == "已报"
    page = response.content.decode()
    assert "上期（2021年5月）" in page
    assert "草稿 1" in page
