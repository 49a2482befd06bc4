"""Acceptance of `import_pushlist` (issue 3) on files made the way county staff make them.

Every file is built row by row with the outcome the issue demands for that row (imported, duplicate,
rejected, or an empty row that is not counted), and the expected counts are derived from those marks,
never from the code under test.
"""

from __future__ import annotations

import datetime
import re
import shutil
import zipfile
from collections.abc import Sequence
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from campaigns.models import Campaign, Village
from enrolment.models import Batch, EntryPush, ListKind, PushEntry
from tests.acceptance.files import (
    full_width,
    id15_to_18,
    id_ending_in_x,
    id_number,
    uscc,
    uscc_check,
    write_csv,
    write_xlsx,
)

IMPORTED, DUPLICATE, REJECTED, EMPTY = "imported", "duplicate", "rejected", "empty"
COUNTS_LINE = re.compile(r"imported=(\d+) duplicates=(\d+) rejected=(\d+)")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Title, 推送单位/日期 and a blank row above the header (tests.acceptance.files.write_xlsx).
XLSX_HEADER_ROW = 4
# Title and 推送单位 rows above the header (write_csv).
CSV_HEADER_ROW = 3


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def expected_line(marks: Sequence[str]) -> str:
    return f"imported={marks.count(IMPORTED)} duplicates={marks.count(DUPLICATE)} rejected={marks.count(REJECTED)}"


def split(rows: Sequence[tuple[str, list[object] | None]]) -> tuple[list[str], list[list[object] | None]]:
    return [mark for mark, _cells in rows], [cells for _mark, cells in rows]


def rejected_numbers(marks: Sequence[str], header_row: int) -> list[int]:
    return [header_row + offset for offset, mark in enumerate(marks, start=1) if mark == REJECTED]


def read_rejected(path: str) -> tuple[list[object], list[tuple[object, ...]]]:
    sheet = load_workbook(path, read_only=True).worksheets[0]
    header, *rows = sheet.iter_rows(values_only=True)
    return list(header), rows


def nothing_stored() -> bool:
    return not (
        Batch.objects.exists() or PushEntry.objects.exists() or EntryPush.objects.exists() or Village.objects.exists()
    )


PERSON_HEADER = ("序号", "姓名", "性别", "公民身份 号码", "所属镇（街道）", "所属村（社区）", "联系电话", "备注")
IDS = [id_number("530422", "19800101", n) for n in range(20)]
OLD_15 = "530422800202123"
ID_X = id_ending_in_x("110101", "19900101")


def bad_check(number: str) -> str:
    return number[:17] + ("1" if number[17] != "1" else "2")


def person_rows() -> list[tuple[str, list[object] | None]]:
    return [
        (IMPORTED, [1, "张一", "男", IDS[0], "凤麓街道", "东龙社区", "13812345678", ""]),
        (IMPORTED, [2, "张二", "女", id_number("532423", "19750505", 11), "龙街", "", "", "旧澄江县代码"]),
        (IMPORTED, [3, "张三", "男", full_width(id_number("530481", "20010909", 12)), "右所镇", "", "", "全角数字"]),
        (IMPORTED, [4, "张四", "男", ID_X.lower(), "  海口镇 ", "", "", "外省、小写x"]),
        (IMPORTED, [5, " 张 五 ", "男", f" {IDS[4][:6]} {IDS[4][6:]}\u3000", "九村", "新村村", "", "空格"]),
        (IMPORTED, [6, "张六", "男", OLD_15, "路居镇", "", "", "15位"]),
        (REJECTED, [7, "张七", "男", int(IDS[6]), "凤麓街道", "", "", "存成数字"]),
        (REJECTED, [8, "张八", "男", bad_check(IDS[7]), "凤麓街道", "", "", "校验位"]),
        (REJECTED, [9, "张九", "男", id_number("530422", "19900230", 1), "凤麓街道", "", "", "2月30日"]),
        (REJECTED, [10, "张十", "男", id_number("530422", "20991212", 1), "凤麓街道", "", "", "未来"]),
        (REJECTED, [11, "李一", "男", IDS[8], "澄江镇", "", "", "未知镇"]),
        (REJECTED, [12, None, "男", IDS[9], "凤麓街道", "", "", "无姓名"]),
        (EMPTY, None),
        (REJECTED, [14]),
        (DUPLICATE, [15, "张一", "男", IDS[0], "凤麓街道", "东龙社区", "", "同一文件重复"]),
        (DUPLICATE, [16, "张六", "男", id15_to_18(OLD_15), "路居", "", "", "15位与18位同一人"]),
        (IMPORTED, [17, "王一", "男", IDS[10].lower(), "凤麓", "东龙 社区", "", ""]),
        (REJECTED, [18, "王二", "男", "5.30422E+17", "凤麓", "", "", "科学计数法"]),
        (REJECTED, [19, "王三", "男", IDS[11][:17], "凤麓", "", "", "17位"]),
        (EMPTY, ["", "  ", None, "\u3000"]),
    ]


@pytest.mark.django_db
def test_a_person_list_as_staff_make_it_gives_the_exact_counts_and_rejected_rows(
    chengjiang: Campaign, tmp_path: Path
) -> None:
    marks, rows = split(person_rows())
    path = write_xlsx(tmp_path / "第二批未参保人员.xlsx", PERSON_HEADER, rows, text_columns=(3,))

    lines = run("import_pushlist", str(path), "--kind", "person", "--batch", "2021年第二批")

    assert lines[-1] == expected_line(marks) == "imported=7 duplicates=2 rejected=9"
    imported, duplicates, rejected = map(int, COUNTS_LINE.fullmatch(lines[-1]).groups())
    data_rows = len([mark for mark in marks if mark != EMPTY])
    assert imported + duplicates + rejected == data_rows
    # The rejected-rows workbook, alone on the line before the counts.
    assert (
        lines[-2].removeprefix("rejected rows: ").endswith(".xlsx")
        and Path(lines[-2].removeprefix("rejected rows: ")).is_file()
    )
    header, rejected_rows = read_rejected(lines[-2].removeprefix("rejected rows: "))
    assert header == ["行号", *PERSON_HEADER, "原因"]
    assert [row[0] for row in rejected_rows] == rejected_numbers(marks, XLSX_HEADER_ROW)
    for row in rejected_rows:
        assert CJK.search(row[-1]), row
    by_number = {row[0]: row for row in rejected_rows}
    # Original cells come back as they were: a name, a note, an ID that was a number.
    assert by_number[11][1:3] == (7, "张七")
    assert isinstance(by_number[11][4], float)
    assert "文本" in by_number[11][-1]
    assert "文本" in by_number[22][-1]
    assert "校验" in by_number[12][-1]
    assert "出生日期" in by_number[13][-1] and "出生日期" in by_number[14][-1]
    assert "澄江镇" in by_number[15][-1]
    assert "姓名" in by_number[16][-1]
    assert by_number[18][1] == 14

    batch = Batch.objects.get()
    assert (batch.label, batch.kind, batch.imported, batch.duplicates, batch.rejected) == (
        "2021年第二批",
        ListKind.PERSON,
        7,
        2,
        9,
    )
    entries = {entry.key: entry for entry in PushEntry.objects.select_related("town", "village")}
    assert set(entries) == {
        IDS[0],
        id_number("532423", "19750505", 11),
        id_number("530481", "20010909", 12),
        ID_X,
        IDS[4],
        id15_to_18(OLD_15),
        IDS[10],
    }
    assert entries[IDS[4]].name == "张五"
    assert entries[IDS[4]].town.name == "九村镇"
    assert entries[IDS[4]].village.name == "新村村"
    assert Village.objects.get(name="新村村").town.name == "九村镇"
    assert entries[ID_X].town.name == "海口镇"
    assert entries[IDS[10]].village == entries[IDS[0]].village
    # Repeated inside the file: stored once, pushed twice.
    assert entries[IDS[0]].pushed_times == 2
    assert entries[id15_to_18(OLD_15)].pushed_times == 2
    # A push record for each push after a key's first (the first is the entry's own batch).
    assert EntryPush.objects.count() == sum(entry.pushed_times - 1 for entry in entries.values()) == 2


@pytest.mark.django_db
def test_a_second_batch_repeating_ids_counts_them_as_duplicates_and_records_the_push(
    chengjiang: Campaign, tmp_path: Path
) -> None:
    first = write_xlsx(
        tmp_path / "第一批.xlsx",
        PERSON_HEADER,
        [[n + 1, f"人{n}", "男", IDS[n], "凤麓街道", "", "", ""] for n in range(3)],
    )
    assert run("import_pushlist", str(first), "--kind", "person")[-1] == "imported=3 duplicates=0 rejected=0"
    second = write_xlsx(
        tmp_path / "第二批.xlsx",
        PERSON_HEADER,
        [
            [1, "人0", "男", IDS[0], "凤麓街道", "", "", ""],
            [2, "人1", "男", IDS[1].replace("X", "x"), "凤麓", "", "", ""],
            [3, "人1", "男", IDS[1], "凤麓", "", "", ""],
            [4, "新人", "男", IDS[5], "凤麓", "", "", ""],
        ],
    )
    assert run("import_pushlist", str(second), "--kind", "person")[-1] == "imported=1 duplicates=3 rejected=0"
    first_batch, second_batch = Batch.objects.order_by("pk")
    held = PushEntry.objects.get(key=IDS[1])
    assert (held.batch, held.last_pushed_batch, held.pushed_times) == (first_batch, second_batch, 3)
    assert list(held.pushes.values_list("batch_id", flat=True).order_by("batch_id", "row_number")) == [
        second_batch.pk,
        second_batch.pk,
    ]
    assert PushEntry.objects.get(key=IDS[0]).pushed_times == 2
    assert PushEntry.objects.get(key=IDS[2]).pushed_times == 1
    assert PushEntry.objects.count() == 4
    # The same ID under another kind is another entry.
    other = write_xlsx(tmp_path / "中断.xlsx", PERSON_HEADER, [[1, "人0", "男", IDS[0], "凤麓街道", "", "", ""]])
    assert run("import_pushlist", str(other), "--kind", "interrupted")[-1] == "imported=1 duplicates=0 rejected=0"


@pytest.mark.django_db
def test_the_same_file_twice_is_refused_even_under_another_name(chengjiang: Campaign, tmp_path: Path) -> None:
    _marks, rows = split(person_rows())
    path = write_xlsx(tmp_path / "清单.xlsx", PERSON_HEADER, rows)
    run("import_pushlist", str(path), "--kind", "person")
    copy = tmp_path / "清单(1).xlsx"
    shutil.copy(path, copy)
    before = (Batch.objects.count(), PushEntry.objects.count(), EntryPush.objects.count())
    for again in (path, copy):
        with pytest.raises(CommandError, match="重复导入"):
            run("import_pushlist", str(again), "--kind", "person")
    assert (Batch.objects.count(), PushEntry.objects.count(), EntryPush.objects.count()) == before


@pytest.mark.django_db
def test_a_dry_run_gives_the_same_counts_and_writes_nothing(chengjiang: Campaign, tmp_path: Path) -> None:
    marks, rows = split(person_rows())
    path = write_xlsx(tmp_path / "清单.xlsx", PERSON_HEADER, rows)
    lines = run("import_pushlist", str(path), "--kind", "person", "--dry-run")
    assert lines[-1] == expected_line(marks)
    _header, rejected_rows = read_rejected(lines[-2].removeprefix("rejected rows: "))
    assert [row[0] for row in rejected_rows] == rejected_numbers(marks, XLSX_HEADER_ROW)
    assert nothing_stored()
    # The dry run is not an import: the file can still be imported, with the same counts.
    assert run("import_pushlist", str(path), "--kind", "person")[-1] == expected_line(marks)


EMPLOYER_HEADER = (
    "序号",
    "单位名称",
    "统一社会信用代码",
    "乡镇",
    "村(居)委会",
    "法定代表人",
    "从业人数",
    "行业类别",
    "注册地址",
    "备注",
)


def employer_rows() -> list[tuple[str, list[object] | None]]:
    forbidden = uscc(6)[:10] + "O" + uscc(6)[11:]
    forbidden = forbidden[:17] + uscc_check(forbidden[:17].replace("O", "0"))
    return [
        (IMPORTED, [1, "澄江 某某 有限公司", uscc(1), "凤麓街道", "", "王某", 12, "制造业", "凤麓街道1号", ""]),
        (IMPORTED, [2, "乙公司", uscc(2).lower(), "龙街", "", "", "12", "", "", "小写"]),
        (REJECTED, [3, "丙公司", uscc(3), "右所镇", "", "", "-1", "", "", ""]),
        (REJECTED, [4, "丁公司", uscc(4), "右所镇", "", "", "3.5", "", "", ""]),
        (REJECTED, [5, "戊公司", bad_check(uscc(5)), "右所镇", "", "", "", "", "", ""]),
        (REJECTED, [6, "己公司", forbidden, "右所镇", "", "", "", "", "", "字母O"]),
        (REJECTED, [7, "庚公司", uscc(7), "右所镇", "", "", "十二", "", "", ""]),
        (IMPORTED, [8, "辛公司", uscc(8), "右所镇", "", "", None, "", "", "无人数"]),
        (IMPORTED, [9, "壬公司", full_width(uscc(9)), "右所", "", "", 0, "", "", ""]),
        (DUPLICATE, [10, "甲公司", uscc(1), "凤麓", "", "", "", "", "", ""]),
        (REJECTED, [11, "", uscc(11), "凤麓", "", "", "", "", "", "无名称"]),
        (REJECTED, [12, "癸公司", uscc(12), "", "", "", "", "", "", "无镇"]),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [ListKind.EMPLOYER, ListKind.PNEUMOCONIOSIS_EMPLOYER])
def test_an_employer_list_checks_the_credit_code_and_the_employees(
    chengjiang: Campaign, tmp_path: Path, kind: str
) -> None:
    marks, rows = split(employer_rows())
    path = write_xlsx(tmp_path / "未参保单位.xlsx", EMPLOYER_HEADER, rows)
    lines = run("import_pushlist", str(path), "--kind", kind)
    assert lines[-1] == expected_line(marks) == "imported=4 duplicates=1 rejected=7"
    _header, rejected_rows = read_rejected(lines[-2].removeprefix("rejected rows: "))
    assert [row[0] for row in rejected_rows] == rejected_numbers(marks, XLSX_HEADER_ROW)
    reasons = {row[0]: row[-1] for row in rejected_rows}
    assert "从业人数" in reasons[7] and "从业人数" in reasons[8] and "从业人数" in reasons[11]
    assert "校验" in reasons[9]
    assert "O" in reasons[10]
    entries = {entry.key: entry for entry in PushEntry.objects.filter(kind=kind)}
    assert set(entries) == {uscc(1), uscc(2), uscc(8), uscc(9)}
    first = entries[uscc(1)]
    assert (first.name, first.legal_rep, first.employees, first.industry, first.address) == (
        "澄江 某某 有限公司",
        "王某",
        12,
        "制造业",
        "凤麓街道1号",
    )
    assert entries[uscc(2)].employees == 12
    assert entries[uscc(8)].employees is None
    assert entries[uscc(9)].employees == 0


INTERRUPTED_HEADER = ("序号", "姓名", "身份证号", "镇(街道)", "社区", "最后缴费年月", "中断险种", "备注")


def interrupted_rows() -> list[tuple[str, list[object] | None]]:
    ids = [id_number("530481", "19850315", n) for n in range(10)]
    return [
        (IMPORTED, [1, "甲", ids[0], "凤麓", "", "2021-03", "企业职工基本养老保险", ""]),
        (IMPORTED, [2, "乙", ids[1], "凤麓", "", "202103", "", ""]),
        (IMPORTED, [3, "丙", ids[2], "凤麓", "", "2021年3月", "", ""]),
        (REJECTED, [4, "丁", ids[3], "凤麓", "", "abc", "", ""]),
        (IMPORTED, [5, "戊", ids[4], "凤麓", "", "", "", ""]),
        (EMPTY, None),
        (REJECTED, [7, "己", "5.30481E+17", "凤麓", "", "", "", "Excel 改成了科学计数法"]),
        (DUPLICATE, [8, "甲", ids[0], "凤麓", "", "2021-03", "", ""]),
        (REJECTED, [9, "庚", ids[6], "凤麓", "", "2021-13", "", ""]),
        (REJECTED, [10]),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_an_interrupted_list_in_csv_in_every_encoding(chengjiang: Campaign, tmp_path: Path, encoding: str) -> None:
    marks, rows = split(interrupted_rows())
    path = write_csv(tmp_path / "中断缴费.csv", INTERRUPTED_HEADER, rows, encoding=encoding)
    lines = run("import_pushlist", str(path), "--kind", "interrupted")
    assert lines[-1] == expected_line(marks) == "imported=4 duplicates=1 rejected=4"
    header, rejected_rows = read_rejected(lines[-2].removeprefix("rejected rows: "))
    assert header == ["行号", *INTERRUPTED_HEADER, "原因"]
    assert [row[0] for row in rejected_rows] == rejected_numbers(marks, CSV_HEADER_ROW)
    assert rejected_rows[0][2] == "丁"
    assert "最后缴费年月" in rejected_rows[0][-1]
    entries = {entry.name: entry for entry in PushEntry.objects.all()}
    march = datetime.date(2021, 3, 1)
    assert [entries[name].last_paid for name in "甲乙丙"] == [march, march, march]
    assert entries["戊"].last_paid is None
    assert entries["甲"].interrupted_insurance == "企业职工基本养老保险"


# Every header the issue's table accepts, for each kind that reads it: (field, header, cell, stored as).
ALIASES = [("id", header, None, None) for header in ("公民身份号码", "身份证号码", "身份证号", "证件号码")] + [
    ("uscc", header, None, None) for header in ("统一社会信用代码", "信用代码")
]
TOWN_HEADERS = ("所属镇（街道）", "镇（街道）", "乡镇(街道)", "乡镇", "镇街")
VILLAGE_HEADERS = ("所属村(社区)", "村（社区）", "村(居)委会", "社区")
OPTIONAL = {
    "phone": (("联系电话", "手机号码", "电话"), "138 1234 5678", "138 1234 5678", None),
    "employer_name": (("工作单位", "就业单位"), "澄江某公司", "澄江某公司", ListKind.EMPLOYED_PERSON),
    "last_paid": (("最后缴费年月", "中断缴费年月"), "2020-12", datetime.date(2020, 12, 1), ListKind.INTERRUPTED),
    "interrupted_insurance": (("险种", "中断险种"), "失业保险", "失业保险", ListKind.INTERRUPTED),
    "legal_rep": (("法定代表人", "负责人"), "王某", "王某", ListKind.EMPLOYER),
    "employees": (("从业人数", "职工人数", "用工人数"), "７", 7, ListKind.PNEUMOCONIOSIS_EMPLOYER),
    "industry": (("行业", "行业类别", "所属行业"), "采矿业", "采矿业", ListKind.EMPLOYER),
    "address": (("地址", "注册地址", "经营地址", "户籍地址"), "凤麓街道1号", "凤麓街道1号", None),
}
ALIAS_CASES = [
    pytest.param(
        kind,
        key_header,
        TOWN_HEADERS[i % 5],
        VILLAGE_HEADERS[i % 4],
        field,
        header,
        cell,
        stored,
        id=f"{kind}-{header}",
    )
    for i, (kind, key_header, field, header, cell, stored) in enumerate(
        [
            (kind, key_header, field, header, cell, stored)
            for field, (headers, cell, stored, only_kind) in OPTIONAL.items()
            for header in headers
            for kind in ([only_kind] if only_kind else [ListKind.PERSON, ListKind.EMPLOYER])
            for key_header in (["信用代码"] if kind in ListKind.employer_kinds() else ["证件号码"])
        ]
        + [
            (ListKind.EMPLOYED_PERSON, header, "phone", "电话", "13812345678", "13812345678")
            for header in ("公民身份号码", "身份证号码", "身份证号", "证件号码")
        ]
        + [
            (ListKind.PNEUMOCONIOSIS_EMPLOYER, header, "phone", "电话", "13812345678", "13812345678")
            for header in ("统一社会信用代码", "信用代码")
        ]
    )
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "key_header", "town_header", "village_header", "field", "header", "cell", "stored"), ALIAS_CASES
)
def test_every_accepted_header_is_read(
    chengjiang: Campaign,
    tmp_path: Path,
    kind: str,
    key_header: str,
    town_header: str,
    village_header: str,
    field: str,
    header: str,
    cell: object,
    stored: object,
) -> None:
    employer = kind in ListKind.employer_kinds()
    key = uscc(40) if employer else IDS[12]
    name_header = "单位名称" if employer else "姓名"
    path = write_xlsx(
        tmp_path / "清单.xlsx",
        ("序号", name_header, key_header, town_header, village_header, header, "备注"),
        [[1, "某某", key, "海口", "中营村", cell, "备注"]],
    )
    assert run("import_pushlist", str(path), "--kind", kind)[-1] == "imported=1 duplicates=0 rejected=0"
    entry = PushEntry.objects.select_related("town", "village").get()
    assert (entry.kind, entry.key, entry.name, entry.town.name, entry.village.name) == (
        kind,
        key,
        "某某",
        "海口镇",
        "中营村",
    )
    assert getattr(entry, field) == stored


def corrupt_files(folder: Path) -> dict[str, Path]:
    files = {
        "random bytes": (folder / "random.xlsx", bytes(range(256)) * 20),
        "text renamed": (folder / "名单.xlsx", "姓名,身份证号码,所属镇(街道)\n张三,530422198001010009,凤麓\n".encode()),
        "empty file": (folder / "empty.xlsx", b""),
    }
    paths = {}
    for name, (path, content) in files.items():
        path.write_bytes(content)
        paths[name] = path
    not_excel = folder / "not-excel.xlsx"
    with zipfile.ZipFile(not_excel, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    paths["a zip that is no workbook"] = not_excel
    good = write_xlsx(folder / "good.xlsx", PERSON_HEADER, [[1, "张一", "男", IDS[0], "凤麓", "", "", ""]])
    truncated = folder / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    paths["truncated"] = truncated
    return paths


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case", ["random bytes", "text renamed", "empty file", "a zip that is no workbook", "truncated"]
)
def test_a_corrupt_file_exits_non_zero_names_the_problem_and_writes_nothing(
    chengjiang: Campaign, tmp_path: Path, case: str
) -> None:
    path = corrupt_files(tmp_path)[case]
    with pytest.raises(CommandError) as raised:
        run("import_pushlist", str(path), "--kind", "person")
    assert CJK.search(str(raised.value))
    assert nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "header", "missing"),
    [
        (ListKind.PERSON, ("序号", "姓名", "性别", "所属镇(街道)", "联系电话"), "公民身份号码"),
        (ListKind.INTERRUPTED, ("序号", "姓名", "身份证", "所属镇(街道)"), "公民身份号码"),
        (ListKind.EMPLOYER, ("序号", "单位名称", "所属镇(街道)", "从业人数"), "统一社会信用代码"),
        (ListKind.EMPLOYED_PERSON, ("序号", "姓名", "身份证号码", "工作单位"), "所属镇（街道）"),
    ],
)
def test_a_file_without_a_required_column_names_it_and_writes_nothing(
    chengjiang: Campaign, tmp_path: Path, kind: str, header: tuple[str, ...], missing: str
) -> None:
    rows = [[1, "张一", IDS[0], "凤麓街道", "1"][: len(header)]]
    for path in (
        write_xlsx(tmp_path / "清单.xlsx", header, rows),
        write_csv(tmp_path / "清单.csv", header, rows, encoding="gb18030"),
    ):
        with pytest.raises(CommandError, match=re.escape(missing)):
            run("import_pushlist", str(path), "--kind", kind)
    assert nothing_stored()


def test_the_real_command_exits_and_prints_as_the_issue_says(manage: object, tmp_path: Path) -> None:
    marks, rows = split(person_rows())
    path = write_xlsx(tmp_path / "清单.xlsx", PERSON_HEADER, rows, text_columns=(3,))

    first = manage("import_pushlist", str(path), "--kind", "person", "--dry-run")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1] == expected_line(marks)

    result = manage("import_pushlist", str(path), "--kind", "person", "--batch", "第二批")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == expected_line(marks) == "imported=7 duplicates=2 rejected=9"
    assert Path(lines[-2].removeprefix("rejected rows: ")).is_file() and lines[-2].removeprefix(
        "rejected rows: "
    ).endswith(".xlsx")

    again = manage("import_pushlist", str(path), "--kind", "person")
    assert again.returncode != 0
    assert "重复导入" in again.stderr

    broken = tmp_path / "坏文件.xlsx"
    broken.write_text("这不是 Excel 文件", encoding="utf-8")
    result = manage("import_pushlist", str(broken), "--kind", "person")
    assert result.returncode != 0
    assert "损坏" in result.stderr and "imported=" not in result.stdout

    no_id = write_xlsx(tmp_path / "无身份证.xlsx", ("序号", "姓名", "所属镇(街道)"), [[1, "张一", "凤麓"]])
    result = manage("import_pushlist", str(no_id), "--kind", "employed_person")
    assert result.returncode != 0
    assert "公民身份号码" in result.stderr


@pytest.mark.django_db
def test_a_two_row_header_and_towns_merged_down_over_their_people(chengjiang: Campaign, tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2021年已就业未参保人员清单"])
    sheet.merge_cells("A1:G1")
    sheet.append(["序号", "姓名", "身份证号码", "所属区域", None, "联系方式", None])
    sheet.append([None, None, None, "镇(街道)", "村(社区)", "电话", "工作单位"])
    for column in "ABC":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("D2:E2")
    sheet.merge_cells("F2:G2")
    people = [
        [1, "甲", IDS[0], "凤麓街道", "东龙社区", "13800000001", "某公司"],
        [2, "乙", IDS[1], None, None, "13800000002", "某公司"],
        [3, "丙", IDS[2], None, "西龙社区", None, None],
        [4, "丁", IDS[3], "龙街", None, None, None],
        [5, "戊", IDS[4], None, None, None, None],
    ]
    for row in people:
        sheet.append(row)
    sheet.merge_cells("D4:D6")  # 凤麓街道 over 甲, 乙, 丙
    sheet.merge_cells("E4:E5")  # 东龙社区 over 甲, 乙
    sheet.merge_cells("D7:D8")  # 龙街 over 丁, 戊
    path = tmp_path / "已就业.xlsx"
    workbook.save(path)

    lines = run("import_pushlist", str(path), "--kind", "employed_person")

    assert lines == ["imported=5 duplicates=0 rejected=0"]
    entries = PushEntry.objects.select_related("town", "village").order_by("key")
    assert [(e.name, e.town.name, e.village.name if e.village else None) for e in entries] == [
        ("甲", "凤麓街道", "东龙社区"),
        ("乙", "凤麓街道", "东龙社区"),
        ("丙", "凤麓街道", "西龙社区"),
        ("丁", "龙街街道", None),
        ("戊", "龙街街道", None),
    ]
    assert PushEntry.objects.get(name="甲").phone == "13800000001"
    assert PushEntry.objects.get(name="乙").employer_name == "某公司"
