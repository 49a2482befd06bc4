"""``manage.py import_pushlist``: its output lines and exit status are a public contract."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from campaigns.models import Campaign
from enrolment.models import Batch, PushEntry
from tests.enrolment.pushlist_files import PERSON_HEADER, person_id, person_rows, write_csv, write_xlsx


def _run(*args: str) -> list[str]:
    out = StringIO()
    call_command("import_pushlist", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def list_with_bad_rows(tmp_path: Path) -> Path:
    rows = person_rows(0, 4)
    rows.append([5, "重复", "男", person_id(1), "凤麓", "", "", ""])
    rows.append([6, "数字", "男", 530422199001011234, "凤麓", "", "", ""])
    return write_xlsx(tmp_path / "batch1.xlsx", PERSON_HEADER, rows)


def test_the_last_line_gives_the_counts_and_the_line_before_the_rejected_file(
    chengjiang: Campaign, list_with_bad_rows: Path
) -> None:
    lines = _run(str(list_with_bad_rows), "--kind", "person", "--batch", "第一批")

    assert lines[-1] == "imported=4 duplicates=1 rejected=1"
    assert lines[-2].startswith("rejected rows: /")
    rejected = Path(lines[-2].removeprefix("rejected rows: "))
    assert rejected.is_file()
    rows = list(load_workbook(rejected).active.iter_rows(values_only=True))
    assert rows[1][0] == 9 and "文本格式" in rows[1][-1]
    batch = Batch.objects.get()
    assert (batch.label, batch.kind) == ("第一批", "person")
    assert batch.rejected_file.path == str(rejected)


def test_without_rejected_rows_only_the_counts_are_printed(chengjiang: Campaign, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ok.csv", PERSON_HEADER, person_rows(0, 3), encoding="gb18030")
    assert _run(str(path), "--kind", "person") == ["imported=3 duplicates=0 rejected=0"]
    assert Batch.objects.get().label == "ok"


def test_a_second_batch_repeating_ids_counts_them_as_duplicates(chengjiang: Campaign, tmp_path: Path) -> None:
    _run(str(write_xlsx(tmp_path / "1.xlsx", PERSON_HEADER, person_rows(0, 3))), "--kind", "person")
    lines = _run(str(write_xlsx(tmp_path / "2.xlsx", PERSON_HEADER, person_rows(2, 3))), "--kind", "person")
    assert lines[-1] == "imported=2 duplicates=1 rejected=0"
    assert PushEntry.objects.get(key=person_id(2)).pushed_times == 2


def test_the_same_file_twice_exits_non_zero(chengjiang: Campaign, list_with_bad_rows: Path) -> None:
    _run(str(list_with_bad_rows), "--kind", "person")
    with pytest.raises(CommandError, match="不能重复导入"):
        _run(str(list_with_bad_rows), "--kind", "person")
    assert Batch.objects.count() == 1


def test_a_dry_run_prints_the_counts_and_writes_nothing(chengjiang: Campaign, list_with_bad_rows: Path) -> None:
    lines = _run(str(list_with_bad_rows), "--kind", "person", "--dry-run")
    assert lines[-1] == "imported=4 duplicates=1 rejected=1"
    assert Path(lines[-2].removeprefix("rejected rows: ")).is_file()
    assert not Batch.objects.exists()
    assert not PushEntry.objects.exists()


def test_a_file_without_the_id_column_exits_non_zero_naming_it(chengjiang: Campaign, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", ("序号", "姓名", "所属镇(街道)"), [[1, "张三", "凤麓"]])
    with pytest.raises(CommandError, match="缺少必需的列：公民身份号码"):
        _run(str(path), "--kind", "person")
    assert not Batch.objects.exists()


def test_a_corrupt_file_exits_non_zero(chengjiang: Campaign, tmp_path: Path) -> None:
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(CommandError, match="损坏"):
        _run(str(path), "--kind", "person")
    assert not Batch.objects.exists()


def test_an_unknown_kind_exits_non_zero_in_chinese(chengjiang: Campaign, list_with_bad_rows: Path) -> None:
    with pytest.raises(CommandError, match="未知的清单类型“persons”"):
        _run(str(list_with_bad_rows), "--kind", "persons")


def test_a_missing_file_exits_non_zero(chengjiang: Campaign, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="找不到文件"):
        _run(str(tmp_path / "nope.xlsx"), "--kind", "person")


def test_an_explicit_campaign_is_used(chengjiang: Campaign, list_with_bad_rows: Path) -> None:
    _run(str(list_with_bad_rows), "--kind", "person", "--campaign", str(chengjiang.pk))
    assert Batch.objects.get().campaign == chengjiang
    with pytest.raises(CommandError, match="找不到 ID"):
        _run(str(list_with_bad_rows), "--kind", "person", "--campaign", "999999")
