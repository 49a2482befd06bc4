from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from enrolment.models import EnrolmentRecord, EntryStatus, Insurance, NotDueReason, PushEntry
from enrolment.services.entries import StatusChange, entries_status_change_bulk, entry_status_change
from tests.enrolment.factories import PushEntryFactory

pytestmark = pytest.mark.django_db

JUNE = datetime.date(2021, 6, 3)


def test_enrolling_a_person_records_who_when_and_creates_the_enrolment_record(fenglu_entry, town_user):
    entry = entry_status_change(
        entry=fenglu_entry,
        user=town_user,
        status=EntryStatus.ENROLLED,
        insurance=Insurance.EMPLOYEE_PENSION,
        enrolled_on=JUNE,
    )
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ENROLLED
    assert entry.version == 2
    assert entry.status_changed_by == town_user
    assert entry.status_changed_at is not None
    record = EnrolmentRecord.objects.get(entry=entry)
    assert (record.id_number, record.insurance, record.enrolled_on) == (entry.key, Insurance.EMPLOYEE_PENSION, JUNE)
    assert (record.town_id, record.village_id, record.source) == (entry.town_id, entry.village_id, "entry")
    history = entry.history.latest()
    assert history.history_user == town_user
    assert history.history_change_reason == "待核查→已参保"


def test_enrolling_links_an_existing_record_from_the_business_system_without_changing_it(
    fenglu_entry, town_user, chengjiang
):
    imported = EnrolmentRecord.objects.create(
        campaign=chengjiang,
        id_number=fenglu_entry.key,
        name="张凤麓",
        insurance=Insurance.EMPLOYEE_PENSION,
        enrolled_on=datetime.date(2021, 5, 1),
        town=fenglu_entry.town,
        source=EnrolmentRecord.Source.IMPORT,
    )
    entry_status_change(
        entry=fenglu_entry, user=town_user, status="enrolled", insurance="employee_pension", enrolled_on=JUNE
    )
    imported.refresh_from_db()
    assert imported.entry_id == fenglu_entry.pk
    assert imported.enrolled_on == datetime.date(2021, 5, 1)
    assert EnrolmentRecord.objects.count() == 1


def test_an_employer_enrolled_gets_no_person_record(fenglu_employer, town_user):
    entry_status_change(
        entry=fenglu_employer, user=town_user, status="enrolled", insurance="work_injury", enrolled_on=JUNE
    )
    assert not EnrolmentRecord.objects.exists()


def test_leaving_enrolled_removes_the_record_the_workflow_created(fenglu_entry, town_user):
    entry_status_change(
        entry=fenglu_entry, user=town_user, status="enrolled", insurance="employee_pension", enrolled_on=JUNE
    )
    entry_status_change(entry=fenglu_entry, user=town_user, status="not_due", not_due_reason="insured_elsewhere")
    fenglu_entry.refresh_from_db()
    assert fenglu_entry.enrolled_insurance == "" and fenglu_entry.enrolled_on is None
    assert not EnrolmentRecord.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "enrolled", "enrolled_on": JUNE}, "必须选择参保险种"),
        ({"status": "enrolled", "insurance": "employee_pension"}, "必须填写参保日期"),
        ({"status": "enrolled", "insurance": "employee_pension", "enrolled_on": datetime.date(2999, 1, 1)}, "晚于今天"),
        ({"status": "not_due"}, "必须选择原因"),
        ({"status": "not_due", "not_due_reason": "other"}, "必须在备注中说明"),
        ({"status": "refused"}, "必须在备注中说明"),
        ({"status": "bogus"}, "无效"),
        ({"status": "pending"}, "没有任何变化"),
    ],
)
def test_it_rejects_an_incomplete_change_with_a_chinese_reason(fenglu_entry, town_user, kwargs, message):
    with pytest.raises(ValidationError) as caught:
        entry_status_change(entry=fenglu_entry, user=town_user, **kwargs)
    assert message in "".join(caught.value.messages)
    fenglu_entry.refresh_from_db()
    assert fenglu_entry.version == 1


def test_other_reason_with_a_note_and_refused_with_a_note_are_accepted(fenglu_entry, town_user):
    entry_status_change(entry=fenglu_entry, user=town_user, status="refused", note="本人表示暂不参保，下月再访")
    entry_status_change(
        entry=fenglu_entry, user=town_user, status="not_due", not_due_reason=NotDueReason.OTHER, note="已出国定居"
    )
    fenglu_entry.refresh_from_db()
    assert (fenglu_entry.status, fenglu_entry.version) == ("not_due", 3)
    reasons = list(fenglu_entry.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons[-2:] == ["待核查→拒绝参保", "拒绝参保→无需参保"]


def test_a_stale_form_is_refused(fenglu_entry, town_user):
    with pytest.raises(ValidationError, match="已被他人修改"):
        entry_status_change(entry=fenglu_entry, user=town_user, status="unreachable", expected_version=7)


def test_a_town_user_cannot_change_another_towns_entry(longjie_entry, town_user):
    with pytest.raises(PermissionDenied):
        entry_status_change(entry=longjie_entry, user=town_user, status="unreachable")
    longjie_entry.refresh_from_db()
    assert longjie_entry.status == "pending"


def test_office_staff_cannot_change_entries(fenglu_entry, office_user):
    with pytest.raises(PermissionDenied):
        entry_status_change(entry=fenglu_entry, user=office_user, status="unreachable")


def test_bulk_change_sorts_rows_and_applies_valid_ones_set_based(
    chengjiang, fenglu, fenglu_entry, longjie_entry, town_user, django_assert_max_num_queries
):
    others = PushEntryFactory.create_batch(20, campaign=chengjiang, town=fenglu, batch=fenglu_entry.batch)
    stale = others[0]
    PushEntry.objects.filter(pk=stale.pk).update(version=5)
    requests = [
        StatusChange(entry_id=e.pk, status="enrolled", insurance="unemployment", enrolled_on=JUNE, version=1, row=i)
        for i, e in enumerate(others, start=2)
    ]
    requests += [
        StatusChange(entry_id=longjie_entry.pk, status="unreachable", version=1, row=30),
        StatusChange(entry_id=fenglu_entry.pk, status="refused", version=1, row=31),
        StatusChange(entry_id=999999, status="unreachable", version=1, row=32),
        StatusChange(entry_id=fenglu_entry.pk, status="pending", version=1, row=33),
    ]
    town_user.has_perm("enrolment.change_pushentry")  # load permissions outside the count
    # Lock+load, bulk update, history insert, record lookup, record insert, record history, and the five of
    # one coalesced progress-recompute request: no query per row.
    with django_assert_max_num_queries(15):
        plan = entries_status_change_bulk(user=town_user, requests=requests)
    assert len(plan.changes) == 19
    assert [c.row for c in plan.conflicts] == [2]
    assert sorted(p.row for p in plan.problems) == [30, 31, 32, 33]
    problems = {p.row: p.reason for p in plan.problems}
    assert "不存在或不在您的管辖范围内" in problems[30]
    # Another town's entry is refused in exactly the words of a missing one: the answer tells nothing.
    assert problems[32] == "系统编号 999999 不存在或不在您的管辖范围内"
    assert problems[30] == problems[32].replace("999999", str(longjie_entry.pk))
    assert "备注" in problems[31]
    assert "重复出现" in problems[33]
    assert PushEntry.objects.filter(status="enrolled").count() == 19
    assert EnrolmentRecord.objects.filter(source="entry").count() == 19
    assert PushEntry.history.filter(history_type="~", history_user=town_user).count() == 19
    longjie_entry.refresh_from_db()
    assert longjie_entry.status == "pending"


def test_enrolling_an_entry_brings_the_towns_progress_up_to_date(
    fenglu_entry, town_user, chengjiang, django_capture_on_commit_callbacks
):
    from targets.selectors import campaign_progress

    def fenglu_resident_pension() -> int:
        payload = campaign_progress(campaign=chengjiang, as_of=JUNE)
        indicator = next(i for i in payload["indicators"] if i["code"] == "resident_pension_insured")
        return next(t["actual"] for t in indicator["towns"] if t["town"] == "凤麓街道")

    before = fenglu_resident_pension()
    with django_capture_on_commit_callbacks(execute=True):
        entry_status_change(
            entry=fenglu_entry, user=town_user, status="enrolled", insurance="resident_pension", enrolled_on=JUNE
        )
    assert fenglu_resident_pension() == before + 1
