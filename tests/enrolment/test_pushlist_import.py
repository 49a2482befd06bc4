"""The push-list import service: files as county staff make them, exact counts, dedup, all-or-nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from openpyxl import load_workbook

from campaigns.models import Campaign, Town, Village
from enrolment.identifiers import make_id_number, make_uscc
from enrolment.models import Batch, EntryPush, ImportStatus, ListKind, PushEntry
from enrolment.services import pushlist_import as service
from enrolment.services.pushlist_import import ImportRefused, batch_import, pushlist_import
from enrolment.tabular import FileProblem
from tests.enrolment.pushlist_files import PERSON_HEADER, person_id, person_rows, write_csv, write_xlsx


def _import(campaign: Campaign, path: Path, kind: str = ListKind.PERSON, **kwargs: object):
    return pushlist_import(campaign=campaign, kind=kind, path=path, **kwargs)


def _rejected_rows(path: str) -> list[tuple]:
    return list(load_workbook(path).active.iter_rows(values_only=True))


@pytest.fixture
def staff_file(tmp_path: Path) -> Path:
    """Twelve data rows of the kinds staff send: 8 good, 1 repeated inside the file, 3 bad."""
    rows = person_rows(0, 6)
    rows += [
        # Full-width digits, stray and ideographic spaces, a short town name, a lower-case x.
        [7, " 李　四 ", "女", "５３０４２２" + person_id(6)[6:], " 龙 街 ", "  新村 ", "", ""],
        [8, "王五", "男", person_id(7).lower() if person_id(7).endswith("X") else person_id(7), "右所", "", "", ""],
        [9, "重复", "男", person_id(2), "凤麓", "", "", ""],  # repeats row 3 of the data
        [10, "数字", "男", 530422199001011234, "凤麓街道", "", "", ""],  # ID typed into a number cell
        [11, "外地", "男", person_id(8), "昆明市", "", "", ""],  # not a town of the campaign
        [12, "", "男", "530422199001011235", "", "", "", ""],  # no name, bad check digit, no town
    ]
    return write_xlsx(tmp_path / "第一批未参保人员.xlsx", PERSON_HEADER, rows)


def test_it_imports_a_staff_made_workbook_with_exact_counts(chengjiang: Campaign, staff_file: Path) -> None:
    result = _import(chengjiang, staff_file)

    assert (result.imported, result.duplicates, result.rejected) == (8, 1, 3)
    batch = result.batch
    assert batch.status == ImportStatus.DONE
    assert batch.rows_total == batch.rows_done == 12
    assert (batch.imported, batch.duplicates, batch.rejected) == (8, 1, 3)
    assert batch.label == "第一批未参保人员"
    assert batch.file_name == "第一批未参保人员.xlsx"
    assert batch.sha256 == Batch.digest(staff_file)
    assert PushEntry.objects.filter(batch=batch).count() == 8

    li = PushEntry.objects.get(key=person_id(6))
    assert li.name == "李四"
    assert li.town.name == "龙街街道"
    assert li.village.name == "新村"
    assert li.village.town == li.town
    assert li.pushed_times == 1
    assert li.last_pushed_batch == batch


def test_it_explains_every_rejected_row_in_the_rejected_workbook(chengjiang: Campaign, staff_file: Path) -> None:
    result = _import(chengjiang, staff_file)

    header, *rows = _rejected_rows(result.rejected_path)
    assert header == ("行号", *PERSON_HEADER, "原因")
    assert [row[0] for row in rows] == [13, 14, 15]  # Excel's row numbers: two title rows and the header above
    by_row = {row[0]: row for row in rows}
    assert by_row[13][4] == pytest.approx(530422199001011234)  # the original cell, as it was
    assert "文本格式" in by_row[13][-1]
    assert "昆明市" in by_row[14][-1] and "不是澄江市的镇（街道）" in by_row[14][-1]
    assert "缺少姓名" in by_row[15][-1] and "校验位" in by_row[15][-1] and "缺少所属镇（街道）" in by_row[15][-1]
    assert result.batch.rejected_file.name.endswith(".xlsx")


def test_a_key_repeated_in_the_file_is_stored_once_and_counted(chengjiang: Campaign, staff_file: Path) -> None:
    batch = _import(chengjiang, staff_file).batch

    entry = PushEntry.objects.get(key=person_id(2))
    assert entry.pushed_times == 2
    # Its first push is the entry's own batch; the repeat further down left a push record.
    assert entry.batch == batch
    assert list(EntryPush.objects.filter(entry=entry).values_list("batch_id", "row_number")) == [(batch.pk, 12)]
    # Only pushes after a key's first left a push record (here the in-file repeats); rejected rows none.
    assert EntryPush.objects.filter(batch=batch).count() == sum(e.pushed_times - 1 for e in PushEntry.objects.all())


def test_a_second_batch_counts_keys_held_from_the_first_as_duplicates(chengjiang: Campaign, tmp_path: Path) -> None:
    first = _import(chengjiang, write_xlsx(tmp_path / "1.xlsx", PERSON_HEADER, person_rows(0, 5))).batch
    second_rows = person_rows(3, 4)  # keys 3 and 4 are held; 5 and 6 are new
    second_rows.append([5, "再次", "男", person_id(4), "凤麓", "", "", ""])  # and 4 again in the same file
    result = _import(chengjiang, write_xlsx(tmp_path / "2.xlsx", PERSON_HEADER, second_rows), label="第二批")

    assert (result.imported, result.duplicates, result.rejected) == (2, 3, 0)
    second = result.batch
    assert second.label == "第二批"
    held = PushEntry.objects.get(key=person_id(4))
    assert held.batch == first
    assert held.pushed_times == 3
    assert held.last_pushed_batch == second
    assert list(held.pushes.values_list("batch_id", flat=True)) == [second.pk, second.pk]
    assert PushEntry.objects.get(key=person_id(3)).pushed_times == 2
    assert PushEntry.objects.get(key=person_id(0)).pushed_times == 1
    assert PushEntry.objects.count() == 7


def test_the_same_key_in_another_kind_is_another_entry(chengjiang: Campaign, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", PERSON_HEADER, person_rows(0, 2))
    _import(chengjiang, path)
    result = _import(chengjiang, path, kind=ListKind.EMPLOYED_PERSON)
    assert (result.imported, result.duplicates) == (2, 0)


def test_the_same_file_twice_is_refused(chengjiang: Campaign, staff_file: Path) -> None:
    _import(chengjiang, staff_file)
    with pytest.raises(ImportRefused, match="不能重复导入"):
        _import(chengjiang, staff_file)
    assert Batch.objects.count() == 1


def test_a_failed_batch_does_not_block_the_same_file(chengjiang: Campaign, staff_file: Path) -> None:
    Batch.objects.create(
        campaign=chengjiang,
        kind=ListKind.PERSON,
        label="x",
        file_name="x.xlsx",
        sha256=Batch.digest(staff_file),
        status=ImportStatus.FAILED,
    )
    assert _import(chengjiang, staff_file).imported == 8


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_it_reads_csv_files_in_the_encodings_excel_writes(chengjiang: Campaign, tmp_path: Path, encoding: str) -> None:
    rows = person_rows(0, 3, town="海口", village="松元社区")
    rows.append([4, "错号", "男", "5304221990010112", "海口镇", "", "", ""])
    result = _import(chengjiang, write_csv(tmp_path / "清单.csv", PERSON_HEADER, rows, encoding=encoding))
    assert (result.imported, result.duplicates, result.rejected) == (3, 0, 1)
    entry = PushEntry.objects.get(key=person_id(1))
    assert (entry.name, entry.town.name, entry.village.name) == ("测试1", "海口镇", "松元社区")
    assert entry.village.kind == Village.Kind.COMMUNITY


def test_it_converts_a_fifteen_digit_id_and_reads_alternative_headers(chengjiang: Campaign, tmp_path: Path) -> None:
    header = ("姓名", "身份证号", "乡镇", "村(居)委会", "手机号码", "户籍地址")
    rows = [["赵六", "530422800101123", "九村", "", 13812345678, "九村镇 一组"]]
    result = _import(chengjiang, write_xlsx(tmp_path / "x.xlsx", header, rows, title=None))
    assert result.imported == 1
    entry = PushEntry.objects.get()
    assert entry.key == make_id_number("530422", datetime.date(1980, 1, 1), 123)
    assert entry.phone == "13812345678"
    assert entry.address == "九村镇 一组"
    assert entry.village is None


def test_employer_lists_check_credit_codes_and_employee_counts(chengjiang: Campaign, tmp_path: Path) -> None:
    header = ("序号", "单位名称", "统一社会信用代码", "镇街", "法定代表人", "从业人数", "行业类别")
    rows = [
        [1, "云南 某某 有限公司", make_uscc(1).lower(), "路居", "张三", 12, "制造业"],
        [2, "澄江某矿业公司", make_uscc(2), "路居镇", "", "", "采矿业"],
        [3, "负数公司", make_uscc(3), "路居镇", "", -3, ""],
        [4, "小数公司", make_uscc(4), "路居镇", "", "2.5", ""],
        [5, "坏代码公司", make_uscc(5)[:17] + "I", "路居镇", "", "", ""],
    ]
    result = _import(chengjiang, write_xlsx(tmp_path / "e.xlsx", header, rows), kind=ListKind.PNEUMOCONIOSIS_EMPLOYER)
    assert (result.imported, result.duplicates, result.rejected) == (2, 0, 3)
    first = PushEntry.objects.get(key=make_uscc(1))
    assert (first.name, first.legal_rep, first.employees, first.industry) == (
        "云南 某某 有限公司",
        "张三",
        12,
        "制造业",
    )
    assert PushEntry.objects.get(key=make_uscc(2)).employees is None
    reasons = [row[-1] for row in _rejected_rows(result.rejected_path)[1:]]
    assert reasons[0].startswith("从业人数：") and "负数" in reasons[0]
    assert reasons[1].startswith("从业人数：")
    assert "统一社会信用代码" in reasons[2]


def test_interrupted_lists_read_the_last_paid_month(chengjiang: Campaign, tmp_path: Path) -> None:
    header = ("姓名", "公民身份号码", "所属镇(街道)", "最后缴费年月", "中断险种")
    rows = [
        ["甲", person_id(1), "凤麓", "202106", "企业职工基本养老保险"],
        ["乙", person_id(2), "凤麓", datetime.datetime(2020, 3, 1), ""],
        ["丙", person_id(3), "凤麓", "2021-13", ""],
    ]
    result = _import(chengjiang, write_xlsx(tmp_path / "i.xlsx", header, rows), kind=ListKind.INTERRUPTED)
    assert (result.imported, result.rejected) == (2, 1)
    assert PushEntry.objects.get(key=person_id(1)).last_paid == datetime.date(2021, 6, 1)
    assert PushEntry.objects.get(key=person_id(2)).last_paid == datetime.date(2020, 3, 1)
    assert "最后缴费年月" in _rejected_rows(result.rejected_path)[1][-1]


def test_a_missing_id_column_writes_nothing_and_names_it(chengjiang: Campaign, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "no-id.xlsx", ("序号", "姓名", "所属镇(街道)"), [[1, "张三", "凤麓"]])
    with pytest.raises(FileProblem, match="公民身份号码"):
        _import(chengjiang, path)
    assert not Batch.objects.exists()
    assert not PushEntry.objects.exists()


def test_a_corrupt_file_writes_nothing(chengjiang: Campaign, tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(FileProblem):
        _import(chengjiang, path)
    assert not Batch.objects.exists()


def test_an_unknown_kind_is_refused(chengjiang: Campaign, staff_file: Path) -> None:
    with pytest.raises(ImportRefused, match="未知的清单类型"):
        _import(chengjiang, staff_file, kind="people")


def test_a_dry_run_counts_everything_and_writes_nothing(chengjiang: Campaign, staff_file: Path, tmp_path: Path) -> None:
    _import(chengjiang, write_xlsx(tmp_path / "held.xlsx", PERSON_HEADER, person_rows(0, 1)))
    entries, villages = PushEntry.objects.count(), Village.objects.count()

    result = _import(chengjiang, staff_file, dry_run=True)

    assert (result.imported, result.duplicates, result.rejected) == (7, 2, 3)
    assert result.batch is None
    assert Path(result.rejected_path).is_file()
    assert (PushEntry.objects.count(), Village.objects.count(), Batch.objects.count()) == (entries, villages, 1)
    Path(result.rejected_path).unlink()


def _disk_full_for_the_rejected_rows(message: str = "No space left on device"):
    """The disk fills up when the import writes its last file (the rejected rows): everything else is stored."""
    from django.core.files.storage import FileSystemStorage

    real_save = FileSystemStorage.save

    def save(storage: FileSystemStorage, name: str, content: object, max_length: int | None = None) -> str:
        if "rejected" in name:
            raise OSError(28, message)
        return real_save(storage, name, content, max_length)

    return mock.patch.object(FileSystemStorage, "save", save)


def test_a_crash_half_way_leaves_the_database_as_before(chengjiang: Campaign, staff_file: Path) -> None:
    villages = Village.objects.count()
    with _disk_full_for_the_rejected_rows(), pytest.raises(OSError):
        _import(chengjiang, staff_file)
    assert not PushEntry.objects.exists()
    assert not EntryPush.objects.exists()
    assert not Batch.objects.exists()
    assert Village.objects.count() == villages
    # And the same file can then be imported.
    assert _import(chengjiang, staff_file).imported == 8


def _queued(campaign: Campaign, path: Path, kind: str = ListKind.PERSON) -> Batch:
    from django.core.files import File

    with path.open("rb") as handle:
        return service.batch_create(campaign=campaign, kind=kind, upload=File(handle), file_name=path.name)


def test_a_queued_batch_is_claimed_once_and_imported(chengjiang: Campaign, staff_file: Path) -> None:
    batch = _queued(chengjiang, staff_file)
    assert batch.status == ImportStatus.QUEUED

    done = batch_import(batch_id=batch.pk)

    assert done.status == ImportStatus.DONE
    assert (done.imported, done.duplicates, done.rejected, done.rows_total) == (8, 1, 3, 12)
    assert done.rejected_file
    assert batch_import(batch_id=batch.pk) is None  # delivered twice: the second finds it claimed
    assert PushEntry.objects.count() == 8


def test_a_crash_in_a_queued_batch_marks_it_failed_and_stores_nothing(chengjiang: Campaign, staff_file: Path) -> None:
    batch = _queued(chengjiang, staff_file)
    with _disk_full_for_the_rejected_rows("530422199001011234"):
        failed = batch_import(batch_id=batch.pk)
    assert failed.status == ImportStatus.FAILED
    assert "OSError" in failed.error
    assert "530422" not in failed.error  # the exception's text may hold personal data: not kept
    assert not PushEntry.objects.exists()
    assert not failed.rejected_file
    # The same file can be uploaded again after a failure.
    assert batch_import(batch_id=_queued(chengjiang, staff_file).pk).status == ImportStatus.DONE


def test_a_file_problem_in_a_queued_batch_is_shown_on_the_batch(chengjiang: Campaign, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "no-town.xlsx", ("姓名", "公民身份号码"), [["张三", person_id(1)]])
    failed = batch_import(batch_id=_queued(chengjiang, path).pk)
    assert failed.status == ImportStatus.FAILED
    assert "所属镇（街道）" in failed.error


def test_the_same_file_cannot_be_queued_twice(chengjiang: Campaign, staff_file: Path) -> None:
    _queued(chengjiang, staff_file)
    with pytest.raises(ImportRefused):
        _queued(chengjiang, staff_file)


def test_progress_is_reported_outside_the_import_transaction(
    chengjiang: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "PROGRESS_EVERY", 2)
    seen: list[tuple[int, int]] = []
    original = service.RowProgress.__call__

    def spy(self, rows_done: int, rows_total: int = 0) -> None:
        original(self, rows_done, rows_total)
        batch = Batch.objects.get(pk=self.pk)
        seen.append(service.batch_progress(batch))

    monkeypatch.setattr(service.RowProgress, "__call__", spy)
    batch = _queued(chengjiang, write_xlsx(tmp_path / "p.xlsx", PERSON_HEADER, person_rows(0, 5)))
    batch_import(batch_id=batch.pk)
    assert seen[:2] == [(2, 0), (4, 0)]
    assert seen[-1] == (5, 5)


def test_towns_of_another_county_are_unknown(chengjiang: Campaign, tmp_path: Path) -> None:
    from tests.factories import TownFactory

    TownFactory(name="远方镇", short_name="远方")
    rows = [[1, "某人", "男", person_id(1), "远方镇", "", "", ""]]
    result = _import(chengjiang, write_xlsx(tmp_path / "o.xlsx", PERSON_HEADER, rows))
    assert result.rejected == 1
    assert Town.objects.filter(name="远方镇").exists()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_progress_reaches_the_batch_row_through_a_second_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the second progress connection is used on PostgreSQL only")
    call_command("loaddata", "chengjiang_2021", verbosity=0)
    campaign = Campaign.objects.get()
    monkeypatch.setattr(service, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(cache, "set", lambda *args, **kwargs: None)  # only the database can tell
    seen: list[int] = []
    original = service.RowProgress.__call__

    def spy(self, rows_done: int, rows_total: int = 0) -> None:
        original(self, rows_done, rows_total)
        seen.append(Batch.objects.values_list("rows_done", flat=True).get(pk=self.pk))

    monkeypatch.setattr(service.RowProgress, "__call__", spy)
    batch = _queued(campaign, write_xlsx(tmp_path / "p.xlsx", PERSON_HEADER, person_rows(0, 5)))
    assert batch_import(batch_id=batch.pk).status == ImportStatus.DONE
    assert seen == [2, 4, 5]


def test_a_batch_left_running_by_a_dead_worker_is_imported_when_the_task_comes_again(
    chengjiang: Campaign, staff_file: Path
) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("runner locks are PostgreSQL advisory locks")
    batch = _queued(chengjiang, staff_file)
    # The worker claimed it and died: its session, and its lock, are gone; nothing was stored.
    Batch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING)

    assert batch_import(batch_id=batch.pk).status == ImportStatus.DONE
    assert PushEntry.objects.count() == 8


@pytest.mark.django_db(transaction=True)
def test_a_batch_being_imported_by_a_live_worker_is_left_alone(tmp_path: Path) -> None:
    from django.core.management import call_command
    from django.db import connection, connections

    from enrolment.services._claims import runner_lock_key

    if connection.vendor != "postgresql":
        pytest.skip("runner locks are PostgreSQL advisory locks")
    call_command("loaddata", "chengjiang_2021", verbosity=0)
    batch = _queued(Campaign.objects.get(), write_xlsx(tmp_path / "l.xlsx", PERSON_HEADER, person_rows(0, 2)))
    Batch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING)
    other = connections.create_connection(connection.alias)  # the live worker's session
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [runner_lock_key(Batch, batch.pk)])
        assert batch_import(batch_id=batch.pk) is None
        assert not PushEntry.objects.exists()
    finally:
        other.close()


def test_employed_person_lists_keep_the_employer(chengjiang: Campaign, tmp_path: Path) -> None:
    header = ("序号", "姓名", "证件号码", "镇（街道）", "村（社区）", "就业单位", "电话")
    rows = [[1, "钱七", person_id(1), "海口镇", "松元社区", "澄江某某建筑有限公司", "13900001111"]]
    result = _import(chengjiang, write_xlsx(tmp_path / "e.xlsx", header, rows), kind=ListKind.EMPLOYED_PERSON)
    assert result.imported == 1
    entry = PushEntry.objects.get()
    assert (entry.kind, entry.employer_name, entry.phone) == ("employed_person", "澄江某某建筑有限公司", "13900001111")
    assert entry.village.name == "松元社区"


def test_a_row_holding_only_its_serial_number_is_a_rejected_data_row(chengjiang: Campaign, tmp_path: Path) -> None:
    rows = [*person_rows(0, 2), [3, None, None, None, None, None, None, None], [None] * 8]
    result = _import(chengjiang, write_xlsx(tmp_path / "s.xlsx", PERSON_HEADER, rows))
    # The fully empty row is not a data row; the one with only 序号 is, and it is wrong.
    assert (result.rows_total, result.imported, result.rejected) == (3, 2, 1)


def _stored(campaign: Campaign) -> tuple[list[tuple], list[tuple]]:
    """What an import left, without the ids that differ between two runs."""
    entries = PushEntry.objects.filter(campaign=campaign)
    return (
        sorted(entries.values_list("key", "name", "town__name", "village__name", "pushed_times", "batch__label")),
        sorted(
            EntryPush.objects.filter(entry__campaign=campaign).values_list("entry__key", "batch__label", "row_number")
        ),
    )


def _imported_two_ways(
    campaign: Campaign, path: Path, *, then: Callable[[], object]
) -> tuple[service.ImportResult, service.ImportResult]:
    """``path`` imported as the second batch and rolled back, then, after ``then()``, imported again for good;
    each time it stored the same rows and counted the same."""
    from django.db import transaction

    with transaction.atomic():
        first = _import(campaign, path, label="第二批")
        stored_first = _stored(campaign)
        transaction.set_rollback(True)
    then()
    second = _import(campaign, path, label="第二批")
    assert _stored(campaign) == stored_first
    assert (first.imported, first.duplicates, first.rejected) == (second.imported, second.duplicates, second.rejected)
    return first, second


def test_a_list_stored_a_few_rows_at_a_time_ends_as_if_stored_at_once(
    chengjiang: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(chengjiang, write_xlsx(tmp_path / "1.xlsx", PERSON_HEADER, person_rows(0, 6)), label="第一批")
    rows = person_rows(10, 6, village="老村")
    rows += [
        [7, "又来", "男", person_id(5), "凤麓", "", "", ""],  # held from the first batch, read in a later chunk
        [8, "坏号", "男", "530422199001011235", "凤麓", "", "", ""],  # rejected between two chunks
        [9, "重复", "男", person_id(10), "凤麓", "", "", ""],  # repeats the first row, chunks later
        [10, "新村人", "男", person_id(30), "海口", "后来村", "", ""],  # a village first named late
        [11, "再重复", "男", person_id(10), "凤麓", "", "", ""],
        [12, "又来", "男", person_id(5), "凤麓", "", "", ""],
    ]
    second = write_xlsx(tmp_path / "2.xlsx", PERSON_HEADER, rows)

    monkeypatch.setattr(service, "PROGRESS_EVERY", 2)
    _chunked, at_once = _imported_two_ways(
        chengjiang, second, then=lambda: monkeypatch.setattr(service, "PROGRESS_EVERY", 10_000)
    )

    assert (at_once.imported, at_once.duplicates, at_once.rejected) == (7, 4, 1)
    assert PushEntry.objects.get(key=person_id(10)).pushed_times == 3
    assert PushEntry.objects.get(key=person_id(5)).pushed_times == 3
    assert PushEntry.objects.get(key=person_id(30)).village.name == "后来村"


def _second_batch_rows() -> list[list]:
    rows = person_rows(10, 4)
    rows += [
        [5, "又来", "男", person_id(2), "凤麓", "", "", ""],  # held from the first batch
        [6, "重复", "男", person_id(10), "凤麓", "", "", ""],  # repeats the first row of this file
        [7, "又来", "男", person_id(2), "凤麓", "", "", ""],
    ]
    return rows


def test_a_list_looked_up_against_the_held_keys_read_ahead_ends_as_one_looked_up_key_by_key(
    chengjiang: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    _import(chengjiang, write_xlsx(tmp_path / "1.xlsx", PERSON_HEADER, person_rows(0, 4)), label="第一批")
    second = write_xlsx(tmp_path / "2.xlsx", PERSON_HEADER, _second_batch_rows())
    read: list[frozenset[str] | None] = []
    original = service._PostgresStore.read_held

    def spy(self: service._PostgresStore, *, file_bytes: int) -> None:
        original(self, file_bytes=file_bytes)
        read.append(self.held_keys)

    monkeypatch.setattr(service._PostgresStore, "read_held", spy)

    def beyond_what_the_file_may_hold() -> None:  # none read ahead: every key of the file looked up
        monkeypatch.setattr(service, "_HELD_READ_ALWAYS", 0)
        monkeypatch.setattr(service, "_HELD_READ_PER_FILE_ROW", 0)

    _ahead, key_by_key = _imported_two_ways(chengjiang, second, then=beyond_what_the_file_may_hold)

    assert (key_by_key.imported, key_by_key.duplicates, key_by_key.rejected) == (4, 3, 0)
    assert PushEntry.objects.get(key=person_id(2)).pushed_times == 3
    if connection.vendor == "postgresql":  # the portable store looks up every key
        assert read == [frozenset(person_id(n) for n in range(4)), None]


def test_an_entry_deleted_after_the_held_keys_were_read_comes_back_as_a_new_one(
    chengjiang: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _import(chengjiang, write_xlsx(tmp_path / "1.xlsx", PERSON_HEADER, person_rows(0, 4)), label="第一批")
    for store in (service._PostgresStore, service._PortableStore):

        def then_deleted(self: object, *, file_bytes: int, original: Callable[..., None] = store.read_held) -> None:
            original(self, file_bytes=file_bytes)
            PushEntry.objects.filter(key=person_id(2)).delete()  # between the read and the chunk's lookup

        monkeypatch.setattr(store, "read_held", then_deleted)
    result = _import(chengjiang, write_xlsx(tmp_path / "2.xlsx", PERSON_HEADER, _second_batch_rows()), label="第二批")

    # Key 2 is no longer held: its first row is a new entry of this batch, its second a repeat in the file.
    assert (result.imported, result.duplicates, result.rejected) == (5, 2, 0)
    entry = PushEntry.objects.get(key=person_id(2))
    assert entry.batch == result.batch != first.batch
    assert entry.pushed_times == 2


def test_text_is_stored_as_written_whatever_it_holds(chengjiang: Campaign, tmp_path: Path) -> None:
    header = ("姓名", "公民身份号码", "所属镇（街道）", "联系电话", "户籍地址")
    rows = [["张\\三", person_id(1), "凤麓", "\\N", "某村\t3组\n5号\\"]]
    _import(chengjiang, write_xlsx(tmp_path / "t.xlsx", header, rows))

    entry = PushEntry.objects.get()
    assert (entry.name, entry.phone, entry.address) == ("张\\三", "\\N", "某村 3组 5号\\")


def test_a_file_found_bad_half_way_through_stores_nothing(
    chengjiang: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "PROGRESS_EVERY", 2)
    stored: list[int] = []
    for store in (service._PostgresStore, service._PortableStore):

        def insert(self, rows, *args, insert=store.insert):
            stored.append(len(rows))
            return insert(self, rows, *args)

        monkeypatch.setattr(store, "insert", insert)
    check = service._RowChecker.check

    def check_until_row_10(self, row):  # the reader meets something it cannot read on the file's 7th data row
        if row.number == 10:
            raise FileProblem("第 10 行无法读取")
        return check(self, row)

    monkeypatch.setattr(service._RowChecker, "check", check_until_row_10)
    villages = Village.objects.count()
    with pytest.raises(FileProblem, match="第 10 行"):
        _import(chengjiang, write_xlsx(tmp_path / "bad.xlsx", PERSON_HEADER, person_rows(0, 9)))
    assert sum(stored) == 6  # the rows before it were stored while it was read, and are gone with the rest
    assert not PushEntry.objects.exists()
    assert not Batch.objects.exists()
    assert Village.objects.count() == villages
