import pytest
from django.core import mail

from campaigns.models import Role, User
from reporting.models import Notice, ReminderLog
from reporting.schedule import Period
from reporting.services import report_submit
from reporting.tasks import reminders_send_task
from tests.factories import UserFactory
from tests.reporting.conftest import TEXTS


@pytest.fixture
def mailboxes(town_user: User, other_town_user: User, department_user: User, office_user: User) -> None:
    for user in (town_user, other_town_user, department_user, office_user):
        user.email = f"{user.username}@example.cn"
        user.save()
    UserFactory(username="office-other-county", role=Role.OFFICE, email="x@example.cn", county=None)


def test_on_the_first_units_that_have_not_submitted_get_a_reminder(
    june: Period, town_user: User, other_town_user: User, mailboxes: None, travel
) -> None:
    with travel(2021, 7, 1, 8):
        report_submit(period=june, unit=town_user.town, user=town_user, **TEXTS)
    with travel(2021, 7, 1, 9):
        result = reminders_send_task.delay().get()
    assert result["due"] == 21 - 1  # every unit but 凤麓街道
    notices = Notice.objects.filter(kind=Notice.Kind.REMINDER)
    assert notices.count() == 20
    assert not notices.filter(town=town_user.town).exists()
    title = notices.filter(town=other_town_user.town).get().title
    assert title.startswith("请于 2021年7月2日 23:59 前报送2021年6月报告")
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["longjie1@example.cn", "renshe1@example.cn"]


def test_each_reminder_goes_once_even_when_beat_fires_twice(june: Period, mailboxes: None, travel) -> None:
    with travel(2021, 7, 1, 9):
        first = reminders_send_task()
        second = reminders_send_task()
    with travel(2021, 7, 2, 9):
        third = reminders_send_task()
    assert first["due"] == 21 and second["due"] == 0 and third["due"] == 0
    assert Notice.objects.filter(kind=Notice.Kind.REMINDER).count() == 21
    assert len(mail.outbox) == 3  # 凤麓, 龙街 and 人社 have users with addresses
    assert ReminderLog.objects.filter(kind=ReminderLog.Kind.DUE, status=ReminderLog.Status.SENT).count() == 21


def test_on_the_third_missing_units_and_the_office_are_told(
    june: Period, town_user: User, other_town_user: User, mailboxes: None, travel
) -> None:
    with travel(2021, 7, 3, 0, 30):
        report_submit(period=june, unit=other_town_user.town, user=other_town_user, **TEXTS)
    with travel(2021, 7, 3, 9):
        result = reminders_send_task()
        again = reminders_send_task()
    assert result == {"due": 0, "overdue": 20, "office_list": 1}
    assert again == {"due": 0, "overdue": 0, "office_list": 0}
    overdue = Notice.objects.filter(kind=Notice.Kind.OVERDUE)
    assert overdue.count() == 20 and not overdue.filter(town=other_town_user.town).exists()
    office_notice = Notice.objects.get(kind=Notice.Kind.OVERDUE_LIST)
    assert office_notice.town is None and office_notice.department is None
    assert "凤麓街道" in office_notice.body and "龙街街道" not in office_notice.body and "人社" in office_notice.body
    office_mail = [m for m in mail.outbox if "office1@example.cn" in m.to]
    assert len(office_mail) == 1 and "x@example.cn" in office_mail[0].to
    assert sorted(a for m in mail.outbox if m is not office_mail[0] for a in m.to) == [
        "fenglu1@example.cn",
        "renshe1@example.cn",
    ]


def test_nothing_goes_on_other_days(june: Period, mailboxes: None, travel) -> None:
    with travel(2021, 7, 15, 9):
        assert reminders_send_task() == {"due": 0, "overdue": 0, "office_list": 0}
    assert not Notice.objects.exists() and not mail.outbox


def test_the_summary_reminder_goes_the_day_before_summary_due(chengjiang: object, travel) -> None:
    with travel(2021, 12, 4, 9):
        result = reminders_send_task()
    assert result["due"] == 21
    assert ReminderLog.objects.filter(report_kind="summary").count() == 21


def test_a_notice_shows_on_the_units_start_page_until_dismissed(june: Period, town_user: User, login, travel) -> None:
    with travel(2021, 7, 1, 9):
        reminders_send_task()
        client = login(town_user)
        page = client.get("/start/town/").content.decode()
        assert "请于 2021年7月2日 23:59 前报送2021年6月报告" in page
        notice = Notice.objects.get(town=town_user.town)
        client.post(f"/reports/notices/{notice.pk}/dismiss/")
        assert "请于 2021年7月2日" not in client.get("/start/town/").content.decode()


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_each_reminder_once_when_beat_fires_twice(
    celery_worker_on_broker: object, chengjiang: object, travel
) -> None:
    with travel(2021, 7, 1, 9):
        first = reminders_send_task.delay()
        second = reminders_send_task.delay()
        results = [first.get(timeout=30), second.get(timeout=30)]
    assert sorted(r["due"] for r in results) == [0, 21]
    assert Notice.objects.filter(kind=Notice.Kind.REMINDER).count() == 21
