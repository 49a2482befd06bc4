import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.models import Campaign, Town, User
from enrolment.models import EnrolmentRecord, Insurance
from reporting.models import Notice, Report, ReportEvent
from reporting.schedule import Period, period_from_key
from reporting.selectors import period_statuses
from reporting.services import report_accept, report_return, report_save, report_submit
from targets.selectors import campaign_progress
from tests.reporting.conftest import TEXTS, at


def submit(period: Period, user: User, **texts: str) -> Report:
    return report_submit(period=period, unit=user.unit, user=user, **{**TEXTS, **texts})


def status_of(period: Period, unit: object, now: datetime.datetime) -> str:
    return next(s.status for s in period_statuses(period=period, now=now) if s.unit == unit)


def test_a_report_submitted_before_the_deadline_is_on_time(june: Period, town_user: User, travel: object) -> None:
    with travel(2021, 7, 2, 22):
        report = submit(june, town_user)
    assert report.first_submitted_at == at(2021, 7, 2, 22)
    assert report.late is False
    assert status_of(june, town_user.town, at(2021, 7, 10)) == "submitted"


def test_a_report_submitted_after_the_deadline_is_late(june: Period, town_user: User, travel: object) -> None:
    with travel(2021, 7, 3, 0, 30):
        report = submit(june, town_user)
    assert report.late is True
    assert status_of(june, town_user.town, at(2021, 7, 10)) == "late"


def test_a_unit_that_never_submits_is_missing_after_the_deadline(june: Period, fenglu: Town) -> None:
    assert status_of(june, fenglu, at(2021, 7, 2, 23, 59, 59)) == "not_started"
    assert status_of(june, fenglu, at(2021, 7, 3, 0, 0, 0)) == "missing"


def test_a_draft_is_draft_until_the_deadline_then_missing(june: Period, town_user: User, travel: object) -> None:
    with travel(2021, 7, 1, 10):
        report_save(period=june, unit=town_user.town, user=town_user, progress="草稿", problems="", measures="")
    assert status_of(june, town_user.town, at(2021, 7, 1, 11)) == "draft"
    assert status_of(june, town_user.town, at(2021, 7, 3, 9)) == "missing"


def test_submitting_needs_all_three_texts(june: Period, town_user: User, travel: object) -> None:
    with travel(2021, 7, 1, 10), pytest.raises(ValidationError) as error:
        submit(june, town_user, problems="  ", measures="")
    assert set(error.value.message_dict) == {"problems", "measures"}
    assert "存在问题" in error.value.message_dict["problems"][0]
    assert not Report.objects.exists()


def test_a_month_cannot_be_submitted_before_it_begins(chengjiang: Campaign, town_user: User, travel: object) -> None:
    with travel(2021, 7, 1, 10), pytest.raises(ValidationError, match="起才能报送"):
        submit(period_from_key(chengjiang, "2021-08"), town_user)


def test_a_submitted_report_cannot_be_changed_by_its_unit(june: Period, town_user: User, travel: object) -> None:
    with travel(2021, 7, 1, 10):
        submit(june, town_user)
    with travel(2021, 7, 1, 11):
        with pytest.raises(ValidationError, match="不能修改"):
            report_save(period=june, unit=town_user.town, user=town_user, progress="改", problems="改", measures="改")
        with pytest.raises(ValidationError, match="不能修改"):
            submit(june, town_user, progress="改")
    assert Report.objects.get().progress == TEXTS["progress"]


def test_a_user_cannot_file_for_another_unit(june: Period, town_user: User, longjie: Town, travel: object) -> None:
    with travel(2021, 7, 1, 10), pytest.raises(PermissionDenied):
        report_submit(period=june, unit=longjie, user=town_user, **TEXTS)


def test_return_and_resubmit_keeps_the_first_submission_time_for_lateness(
    june: Period, town_user: User, office_user: User, travel: object
) -> None:
    with travel(2021, 7, 3, 8):
        report = submit(june, town_user)
    with travel(2021, 7, 4, 9):
        report_return(report=report, user=office_user, comment="请补充数据核查情况。")
    assert status_of(june, town_user.town, at(2021, 7, 4, 10)) == "returned"
    notice = Notice.objects.get(kind=Notice.Kind.RETURNED)
    assert notice.town == town_user.town and notice.body == "请补充数据核查情况。"
    with travel(2021, 7, 5, 9):
        report = submit(june, town_user, progress="补充后的进展。")
    assert report.first_submitted_at == at(2021, 7, 3, 8)
    assert report.submitted_at == at(2021, 7, 5, 9)
    assert status_of(june, town_user.town, at(2021, 7, 5, 10)) == "late"
    with travel(2021, 7, 6, 9):
        report_accept(report=report, user=office_user, comment="")
    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED and report.late is True
    events = list(report.events.values_list("action", "actor__username", "at", "comment"))
    assert events == [
        (ReportEvent.Action.SUBMIT, "fenglu1", at(2021, 7, 3, 8), ""),
        (ReportEvent.Action.RETURN, "office1", at(2021, 7, 4, 9), "请补充数据核查情况。"),
        (ReportEvent.Action.SUBMIT, "fenglu1", at(2021, 7, 5, 9), ""),
        (ReportEvent.Action.ACCEPT, "office1", at(2021, 7, 6, 9), ""),
    ]


def test_returning_needs_a_comment_and_a_submitted_report(
    june: Period, town_user: User, office_user: User, travel: object
) -> None:
    with travel(2021, 7, 1, 10):
        report = submit(june, town_user)
        with pytest.raises(ValidationError, match="退回意见"):
            report_return(report=report, user=office_user, comment=" ")
        report_accept(report=report, user=office_user)
        with pytest.raises(ValidationError, match="已审核"):
            report_return(report=report, user=office_user, comment="再改")


def test_units_cannot_review(june: Period, town_user: User, travel: object) -> None:
    with travel(2021, 7, 1, 10):
        report = submit(june, town_user)
        with pytest.raises(PermissionDenied):
            report_accept(report=report, user=town_user)


def test_the_frozen_figures_equal_the_progress_payload_of_the_month_end(
    june: Period, town_user: User, fenglu: Town, travel: object
) -> None:
    for n in range(3):
        EnrolmentRecord.objects.create(
            campaign=june.campaign,
            id_number=f"53048119900101{n:03d}X",
            name="测试",
            insurance=Insurance.RESIDENT_PENSION,
            enrolled_on=datetime.date(2021, 6, 10 + n),
            town=fenglu,
            contribution=Decimal("500"),
            source=EnrolmentRecord.Source.MANUAL,
        )
    with travel(2021, 7, 1, 10):
        report = submit(june, town_user)
    payload = campaign_progress(campaign=june.campaign, as_of=datetime.date(2021, 6, 30))
    expected = {
        indicator["code"]: next(row for row in indicator["towns"] if row["town"] == "凤麓街道")
        for indicator in payload["indicators"]
    }
    frozen = {indicator["code"]: indicator["figures"] for indicator in report.figures["indicators"]}
    assert frozen == expected
    assert report.figures["as_of"] == "2021-06-30"
    assert frozen["resident_pension_insured"]["target"] == 6550


def test_a_department_report_has_no_figures(june: Period, department_user: User, travel: object) -> None:
    with travel(2021, 7, 1, 10):
        report = submit(june, department_user)
    assert report.figures is None and report.department == department_user.department


def test_attachments_are_limited_by_type(june: Period, town_user: User, travel: object) -> None:
    with travel(2021, 7, 1, 10):
        with pytest.raises(ValidationError, match="类型不允许"):
            report_save(
                period=june,
                unit=town_user.town,
                user=town_user,
                progress="",
                problems="",
                measures="",
                files=[SimpleUploadedFile("run.exe", b"MZ")],
            )
        report = report_save(
            period=june,
            unit=town_user.town,
            user=town_user,
            progress="",
            problems="",
            measures="",
            files=[SimpleUploadedFile("现场.JPG", b"\xff\xd8"), SimpleUploadedFile("情况.docx", b"PK")],
        )
    assert sorted(report.attachments.values_list("original_name", "kind")) == [
        ("情况.docx", "document"),
        ("现场.JPG", "photo"),
    ]


def test_an_attachment_removed_in_a_save_is_gone_with_its_file_once_committed(
    june: Period, town_user: User, other_town_user: User, travel: object, django_capture_on_commit_callbacks
) -> None:
    with travel(2021, 7, 1, 10):
        report = report_save(
            period=june,
            unit=town_user.town,
            user=town_user,
            progress="",
            problems="",
            measures="",
            files=[SimpleUploadedFile("旧.pdf", b"%PDF old"), SimpleUploadedFile("留.pdf", b"%PDF keep")],
        )
        other = report_save(
            period=june,
            unit=other_town_user.town,
            user=other_town_user,
            progress="",
            problems="",
            measures="",
            files=[SimpleUploadedFile("别人的.pdf", b"%PDF")],
        )
        old = report.attachments.get(original_name="旧.pdf")
        foreign = other.attachments.get()
        with django_capture_on_commit_callbacks(execute=True):
            report_submit(
                period=june,
                unit=town_user.town,
                user=town_user,
                files=[SimpleUploadedFile("新.pdf", b"%PDF new")],
                remove=[old.pk, foreign.pk],  # another unit's id is ignored
                **TEXTS,
            )
    assert sorted(report.attachments.values_list("original_name", flat=True)) == ["新.pdf", "留.pdf"]
    assert not old.file.storage.exists(old.file.name)
    assert foreign.file.storage.exists(foreign.file.name) and other.attachments.count() == 1


def test_a_failed_submission_removes_nothing(
    june: Period, town_user: User, travel: object, django_capture_on_commit_callbacks
) -> None:
    with travel(2021, 7, 1, 10):
        report = report_save(
            period=june,
            unit=town_user.town,
            user=town_user,
            progress="",
            problems="",
            measures="",
            files=[SimpleUploadedFile("旧.pdf", b"%PDF old")],
        )
        old = report.attachments.get()
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
            # The removal is done before the new file is refused: the whole write rolls back, file included.
            report_submit(
                period=june,
                unit=town_user.town,
                user=town_user,
                files=[SimpleUploadedFile("病毒.exe", b"MZ")],
                remove=[old.pk],
                **TEXTS,
            )
    assert report.attachments.get() == old and old.file.storage.exists(old.file.name)
