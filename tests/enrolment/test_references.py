"""Reference lists: ``import_reference`` (its output lines are a public contract), the matching they cause,
and accepting or dismissing what the matching suggests."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from audit.models import AccessLog
from campaigns.models import Campaign, Department, Role, Town, User
from enrolment.models import (
    EntryMatch,
    EntryStatus,
    EntrySuggestion,
    ListKind,
    NotDueReason,
    PushEntry,
    ReferenceKind,
    ReferenceList,
    ReferenceRow,
)
from enrolment.services.matching import entries_match
from enrolment.services.references import kinds_for, reference_import
from enrolment.services.suggestions import suggestion_accept, suggestion_dismiss, suggestions_accept_bulk
from tests.enrolment.factories import PushEntryFactory
from tests.enrolment.pushlist_files import employer_uscc, person_id, write_xlsx
from tests.factories import UserFactory

DEATH_HEADER = ("序号", "姓名", "公民身份号码", "死亡日期")


def _run(*args: str) -> list[str]:
    out = StringIO()
    call_command("import_reference", *args, stdout=out)
    return out.getvalue().splitlines()


def _death_list(path: Path, ids: list[str], *, extra: list[list[object]] = ()) -> Path:
    rows = [[n + 1, f"逝者{n}", key, "2021-05-20"] for n, key in enumerate(ids)]
    return write_xlsx(path, DEATH_HEADER, [*rows, *extra], title="2021年死亡人员名单")


@pytest.fixture
def open_entries(chengjiang: Campaign, fenglu: Town, longjie: Town) -> list[PushEntry]:
    return [
        PushEntryFactory(campaign=chengjiang, town=fenglu, kind=ListKind.PERSON, key=person_id(1)),
        PushEntryFactory(campaign=chengjiang, town=fenglu, kind=ListKind.EMPLOYED_PERSON, key=person_id(2)),
        PushEntryFactory(campaign=chengjiang, town=longjie, kind=ListKind.INTERRUPTED, key=person_id(3)),
        PushEntryFactory(campaign=chengjiang, town=fenglu, kind=ListKind.PERSON, key=person_id(4)),
    ]


@pytest.fixture
def health_user(chengjiang: Campaign) -> User:
    department = Department.objects.get(county=chengjiang.county, name="卫生健康")
    return UserFactory(username="weijian1", role=Role.DEPARTMENT, department=department)


def test_the_last_line_gives_the_counts_and_the_line_before_the_rejected_file(
    chengjiang: Campaign, tmp_path: Path
) -> None:
    path = _death_list(
        tmp_path / "deaths.xlsx",
        [person_id(1), person_id(2), person_id(1)],
        extra=[[9, "错号", "530422199001011234", "2021-05-01"], [10, "坏日期", person_id(7), "2021-02-30"]],
    )
    lines = _run(str(path), "--kind", "deceased", "--as-of", "2021-06-30")
    assert lines[-1] == "imported=2 duplicates=1 rejected=2"
    assert (
        lines[-2].removeprefix("rejected rows: ").endswith(".xlsx")
        and Path(lines[-2].removeprefix("rejected rows: ")).is_file()
    )
    reference_list = ReferenceList.objects.get()
    assert reference_list.is_current and reference_list.as_of == datetime.date(2021, 6, 30)
    assert reference_list.department.name == "卫生健康"
    row = ReferenceRow.objects.get(key=person_id(1))
    assert row.details == {"death_date": "2021-05-20"}


def test_a_bad_kind_or_a_bad_file_writes_nothing(chengjiang: Campaign, tmp_path: Path) -> None:
    path = _death_list(tmp_path / "deaths.xlsx", [person_id(1)])
    with pytest.raises(CommandError, match="未知的数据类型"):
        _run(str(path), "--kind", "dead")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="损坏"):
        _run(str(broken), "--kind", "deceased")
    no_id = write_xlsx(tmp_path / "noid.xlsx", ("姓名", "死亡日期"), [["张三", "2021-01-01"]])
    with pytest.raises(CommandError, match="公民身份号码"):
        _run(str(no_id), "--kind", "deceased")
    with pytest.raises(CommandError, match="截止日期"):
        _run(str(path), "--kind", "deceased", "--as-of", "2021-13-01")
    assert not ReferenceList.objects.exists() and not ReferenceRow.objects.exists()


def test_a_death_list_suggests_deceased_on_exactly_the_open_entries_it_names(
    chengjiang: Campaign, open_entries: list[PushEntry], tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    closed = open_entries[3]
    PushEntry.objects.filter(pk=closed.pk).update(status=EntryStatus.NOT_DUE, not_due_reason=NotDueReason.OTHER)
    path = _death_list(tmp_path / "deaths.xlsx", [person_id(1), person_id(3), person_id(4), person_id(900)])
    with django_capture_on_commit_callbacks(execute=True):
        _run(str(path), "--kind", "deceased")
    suggested = set(EntryMatch.objects.filter(kind=ReferenceKind.DECEASED).values_list("entry_id", flat=True))
    assert suggested == {open_entries[0].pk, open_entries[2].pk}
    assert set(PushEntry.objects.values_list("status", flat=True)) <= {EntryStatus.PENDING, EntryStatus.NOT_DUE}
    assert PushEntry.objects.get(pk=open_entries[0].pk).status == EntryStatus.PENDING


def test_a_newer_list_replaces_the_current_one_and_its_open_suggestions(
    chengjiang: Campaign, open_entries: list[PushEntry], tmp_path: Path
) -> None:
    first = reference_import(
        campaign=chengjiang,
        kind="deceased",
        path=_death_list(tmp_path / "a.xlsx", [person_id(1), person_id(2)]),
        as_of=datetime.date(2021, 6, 1),
    ).reference_list
    entries_match(campaign=chengjiang)
    assert EntryMatch.objects.count() == 2
    older = reference_import(
        campaign=chengjiang,
        kind="deceased",
        path=_death_list(tmp_path / "old.xlsx", [person_id(3)]),
        as_of=datetime.date(2021, 5, 1),
    ).reference_list
    assert not older.is_current
    second = reference_import(
        campaign=chengjiang,
        kind="deceased",
        path=_death_list(tmp_path / "b.xlsx", [person_id(2), person_id(3)]),
        as_of=datetime.date(2021, 7, 1),
    ).reference_list
    first.refresh_from_db()
    assert second.is_current and second.replaces == first and not first.is_current
    entries_match(campaign=chengjiang)
    suggestions = EntryMatch.objects.order_by("entry_id")
    assert [(s.entry_id, s.reference_list_id) for s in suggestions] == [
        (open_entries[1].pk, second.pk),
        (open_entries[2].pk, second.pk),
    ]


def test_accepting_a_death_makes_the_entry_not_due_deceased_with_who_and_when(
    chengjiang: Campaign, open_entries: list[PushEntry], town_user: User, tmp_path: Path
) -> None:
    reference_import(
        campaign=chengjiang, kind="deceased", path=_death_list(tmp_path / "d.xlsx", [person_id(1), person_id(3)])
    )
    entries_match(campaign=chengjiang)
    assert EntryMatch.objects.filter(entry=open_entries[2]).exists()
    suggestion_accept(user=town_user, entry_id=open_entries[0].pk, kind="deceased")
    entry = PushEntry.objects.get(pk=open_entries[0].pk)
    assert (entry.status, entry.not_due_reason) == (EntryStatus.NOT_DUE, NotDueReason.DECEASED)
    assert entry.status_changed_by == town_user and entry.status_changed_at is not None
    mine = EntrySuggestion.objects.get(entry=open_entries[0], kind="deceased")
    assert not EntryMatch.objects.filter(entry=open_entries[0]).exists()
    assert mine.status == EntrySuggestion.Status.ACCEPTED and mine.decided_by == town_user and mine.decided_at
    assert AccessLog.objects.filter(action=AccessLog.Action.SUGGESTION, user=town_user).exists()
    assert entry.history.first().history_user == town_user
    with pytest.raises(EntrySuggestion.DoesNotExist):
        suggestion_accept(user=town_user, entry_id=open_entries[2].pk, kind="deceased")
    assert PushEntry.objects.get(pk=open_entries[2].pk).status == EntryStatus.PENDING


def test_bulk_accept_takes_the_filtered_selection_of_the_users_own_town(
    chengjiang: Campaign, open_entries: list[PushEntry], town_user: User, tmp_path: Path
) -> None:
    reference_import(
        campaign=chengjiang,
        kind="deceased",
        path=_death_list(tmp_path / "d.xlsx", [person_id(1), person_id(2), person_id(3)]),
    )
    entries_match(campaign=chengjiang)
    result = suggestions_accept_bulk(user=town_user, entries=PushEntry.objects.for_user(town_user), kind="deceased")
    assert result.accepted == 2
    statuses = dict(PushEntry.objects.values_list("key", "status"))
    assert statuses[person_id(1)] == statuses[person_id(2)] == EntryStatus.NOT_DUE
    assert statuses[person_id(3)] == EntryStatus.PENDING


def test_a_dismissal_needs_a_reason_and_leaves_the_entry(
    chengjiang: Campaign, open_entries: list[PushEntry], town_user: User, tmp_path: Path
) -> None:
    reference_import(campaign=chengjiang, kind="deceased", path=_death_list(tmp_path / "d.xlsx", [person_id(1)]))
    entries_match(campaign=chengjiang)
    entry_id = EntryMatch.objects.get().entry_id
    with pytest.raises(ValidationError):
        suggestion_dismiss(user=town_user, entry_id=entry_id, kind="deceased", reason=" ")
    assert EntryMatch.objects.exists() and not EntrySuggestion.objects.exists()
    suggestion_dismiss(user=town_user, entry_id=entry_id, kind="deceased", reason="本人仍健在，系同名同号错误")
    suggestion = EntrySuggestion.objects.get()
    assert suggestion.reason == "本人仍健在，系同名同号错误" and not EntryMatch.objects.exists()
    assert suggestion.status == EntrySuggestion.Status.DISMISSED and suggestion.decided_by == town_user
    assert PushEntry.objects.get(pk=open_entries[0].pk).status == EntryStatus.PENDING
    # A dismissed suggestion stays dismissed when the matching runs again.
    assert entries_match(campaign=chengjiang) == 0
    assert EntrySuggestion.objects.get().status == EntrySuggestion.Status.DISMISSED
    assert not EntryMatch.objects.exists()
    with pytest.raises(ValidationError, match="已处理"):
        suggestion_accept(user=town_user, entry_id=entry_id, kind="deceased")


def test_health_staff_upload_only_deaths(chengjiang: Campaign, health_user: User, tmp_path: Path) -> None:
    assert kinds_for(health_user, chengjiang) == [ReferenceKind.DECEASED]
    path = _death_list(tmp_path / "d.xlsx", [person_id(1)])
    with pytest.raises(PermissionDenied):
        reference_import(campaign=chengjiang, kind="student", path=path, uploaded_by=health_user)
    assert not ReferenceList.objects.exists()
    reference_import(campaign=chengjiang, kind="deceased", path=path, uploaded_by=health_user)
    assert ReferenceList.objects.for_user(health_user).count() == 1
    assert not PushEntry.objects.for_user(health_user).exists()


def test_tags_and_the_insured_list(
    chengjiang: Campaign, fenglu: Town, open_entries: list[PushEntry], town_user: User, tmp_path: Path
) -> None:
    employer = PushEntryFactory(campaign=chengjiang, town=fenglu, kind=ListKind.EMPLOYER, key=employer_uscc(5))
    dibao = write_xlsx(
        tmp_path / "dibao.xlsx",
        ("姓名", "身份证号", "救助类别"),
        [["甲", person_id(1), "低保"], ["乙", person_id(2), "五保"]],
    )
    assert reference_import(campaign=chengjiang, kind="dibao_tekun", path=dibao).counts_line == (
        "imported=1 duplicates=0 rejected=1"
    )
    business = write_xlsx(tmp_path / "biz.xlsx", ("统一社会信用代码", "企业名称"), [[employer_uscc(5), "凤麓建材"]])
    reference_import(campaign=chengjiang, kind="registered_business", path=business)
    insured = write_xlsx(
        tmp_path / "ins.xlsx",
        ("姓名", "公民身份号码", "险种", "参保地"),
        [["甲", person_id(1), "城乡居民基本养老保险", "本地"], ["乙", person_id(2), "职工医保", "外地"]],
    )
    reference_import(campaign=chengjiang, kind="insured_16plus", path=insured, as_of=datetime.date(2021, 6, 30))
    entries_match(campaign=chengjiang)
    kinds = set(EntryMatch.objects.values_list("entry_id", "kind"))
    assert (open_entries[0].pk, "dibao_tekun") in kinds and (employer.pk, "registered_business") in kinds
    with pytest.raises(ValidationError):
        suggestion_accept(user=town_user, entry_id=employer.pk, kind="registered_business")
    suggestions_accept_bulk(user=town_user, entries=PushEntry.objects.for_user(town_user), kind="insured_16plus")
    first = PushEntry.objects.get(pk=open_entries[0].pk)
    assert (first.status, first.enrolled_insurance, first.enrolled_on) == (
        EntryStatus.ENROLLED,
        "resident_pension",
        datetime.date(2021, 6, 30),
    )
    second = PushEntry.objects.get(pk=open_entries[1].pk)
    assert (second.status, second.not_due_reason) == (EntryStatus.NOT_DUE, NotDueReason.INSURED_ELSEWHERE)
    assert first.records.get().insurance == "resident_pension"


RP, EP = "城乡居民基本养老保险", "企业职工基本养老保险"


def test_an_enrolment_export_closes_exactly_the_open_entries_it_names_by_system_match(
    chengjiang: Campaign, open_entries: list[PushEntry], tmp_path: Path, town_user: User
) -> None:
    from tests.targets.helpers import write_records_csv

    export = write_records_csv(
        tmp_path / "参保数据.csv",
        [
            ["甲", person_id(1), RP, "2021-06-03", "凤麓街道", "", "300", ""],
            ["乙", person_id(2), "失业保险", "2021-06-03", "凤麓街道", "", "", ""],  # not a pension
            ["丙", person_id(3), EP, "2021-03-01", "龙街街道", "", "", ""],  # before the campaign started
            ["丁", person_id(800), RP, "2021-06-03", "凤麓街道", "", "300", ""],  # on no list
        ],
    )
    out = StringIO()
    call_command("import_enrolments", str(export), stdout=out)
    assert out.getvalue().splitlines()[-1] == "created=4 updated=0 rejected=0"
    closed = PushEntry.objects.get(pk=open_entries[0].pk)
    assert (closed.status, closed.enrolled_insurance) == (EntryStatus.ENROLLED, "resident_pension")
    assert closed.status_changed_by is None and closed.status_changed_at is not None
    assert "系统比对" in closed.history.first().history_change_reason
    assert closed.records.get().data_import.file_name == "参保数据.csv"
    assert set(PushEntry.objects.exclude(pk=closed.pk).values_list("status", flat=True)) == {EntryStatus.PENDING}
    # Reopening stays possible, with a reason.
    from enrolment.services.entries import entry_status_change

    with pytest.raises(ValidationError, match="说明原因"):
        entry_status_change(entry=closed, user=town_user, status=EntryStatus.PENDING)
    entry_status_change(entry=closed, user=town_user, status=EntryStatus.PENDING, note="参保记录属同名他人")
    assert PushEntry.objects.get(pk=closed.pk).status == EntryStatus.PENDING


def test_a_record_entered_by_hand_closes_the_open_entry(
    chengjiang: Campaign, fenglu: Town, open_entries: list[PushEntry], town_user: User
) -> None:
    from enrolment.services.records import record_create

    record_create(
        campaign=chengjiang,
        user=town_user,
        id_number=person_id(2),
        name="乙",
        insurance="employee_pension",
        enrolled_on=datetime.date(2021, 6, 1),
        town=fenglu,
    )
    entry = PushEntry.objects.get(pk=open_entries[1].pk)
    assert entry.status == EntryStatus.ENROLLED and entry.status_changed_by is None


def test_the_api_lists_open_suggestions_and_tags(
    chengjiang: Campaign, open_entries: list[PushEntry], town_user: User, tmp_path: Path, login
) -> None:
    reference_import(campaign=chengjiang, kind="deceased", path=_death_list(tmp_path / "d.xlsx", [person_id(1)]))
    disabled = write_xlsx(tmp_path / "cl.xlsx", ("姓名", "公民身份号码", "残疾等级"), [["甲", person_id(1), "二级"]])
    reference_import(campaign=chengjiang, kind="disabled", path=disabled)
    entries_match(campaign=chengjiang)
    client = login(town_user)
    rows = {row["id"]: row for row in client.get("/api/entries/").json()["results"]}
    assert (rows[open_entries[0].pk]["suggestions"], rows[open_entries[0].pk]["tags"]) == (["deceased"], ["disabled"])
    assert (rows[open_entries[1].pk]["suggestions"], rows[open_entries[1].pk]["tags"]) == ([], [])
    detail = client.get(f"/api/entries/{open_entries[0].pk}/").json()
    assert (detail["suggestions"], detail["tags"]) == (["deceased"], ["disabled"])
    suggestion_accept(user=town_user, entry_id=EntryMatch.objects.get(kind="deceased").entry_id, kind="deceased")
    detail = client.get(f"/api/entries/{open_entries[0].pk}/").json()
    assert (detail["suggestions"], detail["tags"]) == ([], ["disabled"])


def test_a_death_list_with_only_ids_and_names_is_read_whole(chengjiang: Campaign, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "ids.xlsx", ("姓名", "身份证号码"), [["甲", person_id(1)], ["乙", person_id(2)]])
    assert _run(str(path), "--kind", "deceased")[-1] == "imported=2 duplicates=0 rejected=0"


def test_the_commands_match_before_they_return(chengjiang: Campaign, tmp_path: Path) -> None:
    """A death list first, the push list after: the push-list command's own run finds the death."""
    _run(str(_death_list(tmp_path / "d.xlsx", [person_id(5)])), "--kind", "deceased")
    push = write_xlsx(
        tmp_path / "p.xlsx", ("姓名", "公民身份号码", "所属镇（街道）"), [["戊", person_id(5), "凤麓街道"]]
    )
    out = StringIO()
    call_command("import_pushlist", str(push), "--kind", "person", stdout=out)
    assert out.getvalue().splitlines()[-1] == "imported=1 duplicates=0 rejected=0"
    assert EntryMatch.objects.get().entry.key == person_id(5)


def test_a_decided_suggestion_is_not_suggested_again_by_a_newer_list_of_its_kind(
    chengjiang: Campaign, open_entries: list[PushEntry], town_user: User, tmp_path: Path
) -> None:
    reference_import(
        campaign=chengjiang,
        kind="deceased",
        path=_death_list(tmp_path / "a.xlsx", [person_id(1), person_id(2)]),
        as_of=datetime.date(2021, 6, 1),
    )
    entries_match(campaign=chengjiang)
    suggestion_dismiss(user=town_user, entry_id=open_entries[0].pk, kind="deceased", reason="本人仍健在")
    reference_import(
        campaign=chengjiang,
        kind="deceased",
        path=_death_list(tmp_path / "b.xlsx", [person_id(1), person_id(2), person_id(4)]),
        as_of=datetime.date(2021, 7, 1),
    )
    entries_match(campaign=chengjiang)
    assert set(EntryMatch.objects.values_list("entry_id", flat=True)) == {open_entries[1].pk, open_entries[3].pk}
    assert EntrySuggestion.objects.get().entry_id == open_entries[0].pk
    # Nor an accepted one, once its entry is reopened.
    suggestion_accept(user=town_user, entry_id=open_entries[1].pk, kind="deceased")
    PushEntry.objects.filter(pk=open_entries[1].pk).update(status=EntryStatus.PENDING, not_due_reason="")
    entries_match(campaign=chengjiang)
    assert set(EntryMatch.objects.values_list("entry_id", flat=True)) == {open_entries[3].pk}


def test_no_open_match_of_a_list_that_is_no_longer_current_survives_a_run(
    chengjiang: Campaign, open_entries: list[PushEntry], tmp_path: Path
) -> None:
    reference_import(
        campaign=chengjiang,
        kind="deceased",
        path=_death_list(tmp_path / "a.xlsx", [person_id(1), person_id(2)]),
        as_of=datetime.date(2021, 6, 1),
    )
    entries_match(campaign=chengjiang)
    second = reference_import(
        campaign=chengjiang,
        kind="deceased",
        path=_death_list(tmp_path / "b.xlsx", [person_id(2)]),
        as_of=datetime.date(2021, 7, 1),
    ).reference_list
    assert entries_match(campaign=chengjiang) == 1
    match = EntryMatch.objects.select_related("reference_row").get()
    assert (match.entry_id, match.reference_list_id) == (open_entries[1].pk, second.pk)
    assert match.reference_row.reference_list_id == second.pk


def test_a_second_run_writes_only_what_is_new(
    chengjiang: Campaign, fenglu: Town, open_entries: list[PushEntry], tmp_path: Path
) -> None:
    reference_import(
        campaign=chengjiang, kind="deceased", path=_death_list(tmp_path / "a.xlsx", [person_id(1), person_id(5)])
    )
    assert entries_match(campaign=chengjiang) == 1
    assert entries_match(campaign=chengjiang) == 0
    late = PushEntryFactory(campaign=chengjiang, town=fenglu, kind=ListKind.PERSON, key=person_id(5))
    assert entries_match(campaign=chengjiang) == 1
    assert set(EntryMatch.objects.values_list("entry_id", flat=True)) == {open_entries[0].pk, late.pk}


def test_an_entry_deleted_takes_its_open_matches_and_decisions_with_it(
    chengjiang: Campaign, open_entries: list[PushEntry], town_user: User, tmp_path: Path
) -> None:
    reference_import(
        campaign=chengjiang, kind="deceased", path=_death_list(tmp_path / "a.xlsx", [person_id(1), person_id(2)])
    )
    entries_match(campaign=chengjiang)
    suggestion_dismiss(user=town_user, entry_id=open_entries[1].pk, kind="deceased", reason="同名同号")
    PushEntry.objects.filter(pk__in=[open_entries[0].pk, open_entries[1].pk]).delete()
    assert not EntryMatch.objects.exists() and not EntrySuggestion.objects.exists()


def test_accepting_a_suggestion_that_was_just_decided_says_so(
    chengjiang: Campaign, open_entries: list[PushEntry], town_user: User, tmp_path: Path
) -> None:
    reference_import(campaign=chengjiang, kind="deceased", path=_death_list(tmp_path / "a.xlsx", [person_id(1)]))
    entries_match(campaign=chengjiang)
    suggestion_accept(user=town_user, entry_id=open_entries[0].pk, kind="deceased")
    with pytest.raises(ValidationError, match="已处理"):
        suggestion_accept(user=town_user, entry_id=open_entries[0].pk, kind="deceased")
    with pytest.raises(EntrySuggestion.DoesNotExist):
        suggestion_accept(user=town_user, entry_id=open_entries[0].pk, kind="student")
    assert EntrySuggestion.objects.get().status == EntrySuggestion.Status.ACCEPTED
