import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from enrolment.tabular import (
    Column,
    DataRow,
    FileProblem,
    normalize_text,
    open_table,
    parse_date,
    parse_decimal,
    parse_month,
    parse_whole_number,
    parse_yes_no,
    write_rejected_workbook,
)

ID_NUMBER = "11010519491231002X"

COLUMNS = (
    Column("name", ("姓名",), required=True),
    Column("id_number", ("公民身份号码", "身份证号码", "身份证号"), required=True),
    Column("town", ("所属镇(街道)", "乡镇")),
    Column("phone", ("联系电话", "电话")),
)


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], *, merge: str | None = None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    workbook.save(path)
    return path


def read_all(path: Path, columns: Sequence[Column] = COLUMNS, **kwargs: str) -> tuple[int, list[DataRow]]:
    with open_table(path, columns, **kwargs) as table:
        return table.header_row, list(table.rows)


# --- normalize_text --------------------------------------------------------------------------------


def test_normalize_text_removes_all_whitespace_and_folds_full_width_forms() -> None:
    assert normalize_text(" 所属镇（街道）\u3000\t\n") == normalize_text("所属镇(街道)") == "所属镇(街道)"
    assert normalize_text("１２３ ＡＢｃ\u00a0！") == "123ABc!"


def test_normalize_text_applies_no_other_unicode_normalisation() -> None:
    assert normalize_text("①²ｶ") == "①²ｶ"  # NFKC would give "12カ"


def test_normalize_text_turns_none_into_an_empty_string_and_other_values_into_text() -> None:
    assert normalize_text(None) == ""
    assert normalize_text(12.5) == "12.5"


# --- header detection --------------------------------------------------------------------------------


def test_it_finds_the_header_below_a_merged_title_row(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [["2021年某县城乡居民养老保险参保名单"], ["填报单位：某镇"], ["姓名", "身份证号码"], ["张三", ID_NUMBER]],
        merge="A1:D1",
    )
    with open_table(path, COLUMNS) as table:
        assert table.header_row == 3
        assert table.headers == ("姓名", "身份证号码")
        assert table.fields == {"name": 0, "id_number": 1}
        rows = list(table.rows)
    assert [row.values for row in rows] == [{"name": "张三", "id_number": ID_NUMBER, "town": None, "phone": None}]


def test_it_matches_full_width_and_spaced_headers_and_keeps_cells_as_written(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [["姓\u3000名", " 身份证号 ", "所属镇（街道）"], ["李 四", "１１０１０５１９４９１２３１００２ｘ", "某镇"]],
    )
    _, [row] = read_all(path)
    # Values are not normalised: the importer decides per field.
    assert row.values == {
        "name": "李 四",
        "id_number": "１１０１０５１９４９１２３１００２ｘ",
        "town": "某镇",
        "phone": None,
    }


def test_it_ignores_the_serial_number_column_and_unknown_columns(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "list.xlsx", [["序号", "姓名", "备注", "身份证号码"], [1, "张三", "已缴费", ID_NUMBER]]
    )
    _, [row] = read_all(path)
    assert row.values == {"name": "张三", "id_number": ID_NUMBER, "town": None, "phone": None}
    assert row.cells == (1.0, "张三", "已缴费", ID_NUMBER)


def test_it_reads_the_first_of_two_columns_for_the_same_field(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "list.xlsx", [["姓名", "身份证号", "公民身份号码"], ["张三", ID_NUMBER, "其他"]])
    with open_table(path, COLUMNS) as table:
        assert table.fields["id_number"] == 1


def test_it_reports_every_missing_required_column_by_label(tmp_path: Path) -> None:
    columns = (*COLUMNS, Column("insured_type", ("参保类型", "险种"), required=True))
    path = write_xlsx(tmp_path / "list.xlsx", [["标题"], ["序号", "姓名", "电话"], [1, "张三", "13812345678"]])
    with pytest.raises(FileProblem, match=r"缺少必需的列：公民身份号码、参保类型"):
        open_table(path, columns)


def test_it_uses_the_best_matching_row_to_name_the_missing_columns(tmp_path: Path) -> None:
    # The title mentions 姓名 but the real header, two rows down, only lacks the ID column.
    path = write_xlsx(tmp_path / "list.xlsx", [["姓名"], [], ["姓名", "乡镇", "电话"], ["张三", "某镇", "1"]])
    with pytest.raises(FileProblem, match=r"^缺少必需的列：公民身份号码（"):
        open_table(path, COLUMNS)


def test_it_looks_for_the_header_only_in_the_first_ten_rows(tmp_path: Path) -> None:
    rows = [[f"说明第 {n} 行"] for n in range(10)] + [["姓名", "身份证号码"], ["张三", ID_NUMBER]]
    with pytest.raises(FileProblem, match=r"缺少必需的列：姓名、公民身份号码"):
        open_table(write_xlsx(tmp_path / "list.xlsx", rows), COLUMNS)


def test_it_reports_a_header_without_data(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "list.xlsx", [["标题"], ["姓名", "身份证号码"], [None, "  "]])
    with pytest.raises(FileProblem, match=r"第 2 行表头以下没有数据"):
        open_table(path, COLUMNS)


def test_it_reads_the_first_visible_sheet(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    helper = workbook.active
    helper.title = "乡镇列表"
    helper.append(["姓名", "身份证号码"])
    helper.append(["不应读取", ID_NUMBER])
    helper.sheet_state = "hidden"
    workbook.create_sheet("名单").append(["姓名", "身份证号码"])
    workbook["名单"].append(["张三", ID_NUMBER])
    workbook.save(tmp_path / "list.xlsx")
    _, [row] = read_all(tmp_path / "list.xlsx")
    assert row.values["name"] == "张三"


def test_it_reports_an_empty_sheet(tmp_path: Path) -> None:
    with pytest.raises(FileProblem, match=r"文件是空的"):
        open_table(write_xlsx(tmp_path / "list.xlsx", []), COLUMNS)


# --- rows --------------------------------------------------------------------------------------------


def test_it_skips_empty_rows_and_numbers_rows_as_excel_does(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [["名单"], ["姓名", "身份证号码"], ["张三", ID_NUMBER], [], [None, "\u3000 "], ["李四", ID_NUMBER]],
    )
    header_row, rows = read_all(path)
    assert header_row == 2
    assert [(row.number, row.values["name"]) for row in rows] == [(3, "张三"), (6, "李四")]


def test_it_numbers_rows_and_columns_as_excel_does_when_the_sheet_starts_lower_and_further_right(
    tmp_path: Path,
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["C4"], sheet["D4"] = "姓名", "身份证号码"
    sheet["C6"], sheet["D6"] = "张三", ID_NUMBER
    workbook.save(tmp_path / "list.xlsx")
    with open_table(tmp_path / "list.xlsx", COLUMNS) as table:
        assert table.header_row == 4
        assert table.fields == {"name": 2, "id_number": 3}
        [row] = table.rows
    assert row.number == 6
    assert row.cells == (None, None, "张三", ID_NUMBER)


def test_cells_right_of_the_header_are_not_read(tmp_path: Path) -> None:
    # Bounded by the header's columns: a row cannot make the reader keep more than the header names.
    path = write_xlsx(tmp_path / "list.xlsx", [["姓名", "身份证号码"], ["张三", ID_NUMBER, "多出的内容"]])
    _, [row] = read_all(path)
    assert row.cells == ("张三", ID_NUMBER)
    assert "多出的内容" not in row.values.values()


def test_an_id_stored_as_a_number_arrives_as_a_number(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "list.xlsx", [["姓名", "身份证号码"], ["张三", 530422199001011234]])
    _, [row] = read_all(path)
    # calamine returns every xlsx number as a float; the digits past the 15th are already gone.
    assert isinstance(row.values["id_number"], float)
    assert row.values["id_number"] == pytest.approx(5.30422199001011e17)


def test_it_returns_dates_booleans_and_merged_cells_as_calamine_reads_them(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [["姓名", "身份证号码", "乡镇", "电话"], ["张三", ID_NUMBER, datetime(2021, 6, 3, 8, 30), True], ["李四"]],
        merge="C2:C3",
    )
    _, [first, second] = read_all(path)
    assert first.values["town"] == datetime(2021, 6, 3, 8, 30)
    assert first.values["phone"] is True
    # calamine gives a merged range's value to its top-left cell only; the reader fills the others in.
    assert second.values["town"] == datetime(2021, 6, 3, 8, 30)


def test_a_town_merged_down_over_its_people_belongs_to_every_row(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    # The data starts in column B, as when staff leave column A empty.
    sheet["B1"] = "花名册"
    sheet.merge_cells("B1:E1")
    for row in (["姓名", "身份证号码", "乡镇", "电话"], ["张三", "1", "凤麓", "1"], ["李四", "2", None, "2"]):
        sheet.append([None, *row])
    sheet.append([])
    sheet.append([None, "王五", "3", "龙街", None])
    sheet.append([None, "赵六", "4", None, None])
    sheet.merge_cells("D3:D5")  # 凤麓 over 张三, 李四 and an empty row
    sheet.merge_cells("D6:D7")
    workbook.save(tmp_path / "list.xlsx")
    header_row, rows = read_all(tmp_path / "list.xlsx")
    assert header_row == 2
    # The empty row covered by the merge stays an ignored empty row.
    assert [(row.number, row.values["name"], row.values["town"]) for row in rows] == [
        (3, "张三", "凤麓"),
        (4, "李四", "凤麓"),
        (6, "王五", "龙街"),
        (7, "赵六", "龙街"),
    ]


def test_closing_a_table_before_reading_all_rows_releases_the_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", "姓名,身份证号码\n张三,1\n李四,2\n", encoding="utf-8")
    table = open_table(path, COLUMNS)
    assert next(table.rows).values["name"] == "张三"
    table.close()
    assert list(table.rows) == []


# --- csv ---------------------------------------------------------------------------------------------


def write_csv(path: Path, text: str, *, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


CSV_TEXT = "某县参保名单,,\n序号,姓名,身份证号码\n1,张三,11010519491231002X\n,,\n2,,\n"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "gbk"])
def test_it_reads_csv_in_the_encodings_staff_produce(tmp_path: Path, encoding: str) -> None:
    header_row, rows = read_all(write_csv(tmp_path / "list.csv", CSV_TEXT, encoding=encoding))
    assert header_row == 2
    assert [(row.number, row.values["name"], row.values["id_number"]) for row in rows] == [
        (3, "张三", ID_NUMBER),
        (5, None, None),
    ]
    assert rows[1].cells == ("2", None, None)


def test_it_takes_the_file_type_from_the_original_name(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "upload-3f9a.tmp", CSV_TEXT, encoding="utf-8")
    _, rows = read_all(path, original_name="名单.CSV")
    assert rows[0].values["name"] == "张三"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_it_detects_the_csv_delimiter(tmp_path: Path, delimiter: str) -> None:
    text = CSV_TEXT.replace(",", delimiter)
    _, rows = read_all(write_csv(tmp_path / "list.csv", text, encoding="utf-8"))
    assert rows[0].values["id_number"] == ID_NUMBER


def test_a_quoted_multi_line_cell_counts_as_one_row(tmp_path: Path) -> None:
    text = '姓名,身份证号码,乡镇\n张三,1,"某镇\n某村"\n李四,2,某镇\n'
    _, rows = read_all(write_csv(tmp_path / "list.csv", text, encoding="utf-8"))
    assert [(row.number, row.values["town"]) for row in rows] == [(2, "某镇\n某村"), (3, "某镇")]


def test_a_csv_in_neither_utf8_nor_gb18030_is_a_file_problem(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", CSV_TEXT, encoding="utf-16")
    with pytest.raises(FileProblem, match=r"无法识别 CSV 文件的编码"):
        open_table(path, COLUMNS)


def test_an_excel_file_named_csv_is_a_file_problem(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "list.xlsx", [["姓名", "身份证号码"]])
    with pytest.raises(FileProblem, match=r"内容却是 Excel 文件"):
        open_table(path, COLUMNS, original_name="list.csv")


# --- unreadable files ------------------------------------------------------------------------------


def test_a_corrupt_xlsx_is_a_file_problem(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"this is not a spreadsheet")
    with pytest.raises(FileProblem, match=r"文件已损坏或不是 Excel 文件"):
        open_table(path, COLUMNS)


def test_a_zip_that_is_not_a_workbook_is_a_file_problem(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FileProblem, match=r"不是 Excel 文件"):
        open_table(path, COLUMNS)


def test_an_old_xls_file_must_be_saved_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "list.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(FileProblem, match=r"另存为 .xlsx"):
        open_table(path, COLUMNS)
    with pytest.raises(FileProblem, match=r"旧版 Excel"):
        open_table(path, COLUMNS, original_name="list.xlsx")


@pytest.mark.parametrize("name", ["list.pdf", "list.docx", "list"])
def test_other_file_types_are_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(FileProblem, match=r"不支持的文件类型.*请上传 xlsx 或 csv"):
        open_table(path, COLUMNS)


# --- rejected rows workbook --------------------------------------------------------------------------


def test_rejected_rows_round_trip_through_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "rejected.xlsx"
    write_rejected_workbook(
        path,
        headers=["序号", "姓名", "身份证号码", "参保日期"],
        rows=[
            (3, (1.0, "张三", 5.30422199001011e17, datetime(2021, 6, 3)), "身份证号码被存成了数字"),
            (7, (2.0, '=HYPERLINK("x")', "11010519491231002\x07", None), "身份证号码校验位错误"),
        ],
    )
    sheet = openpyxl.load_workbook(path).active
    assert sheet.freeze_panes == "B2"
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [
        ["行号", "序号", "姓名", "身份证号码", "参保日期", "原因"],
        [3, 1, "张三", 5.30422199001011e17, datetime(2021, 6, 3), "身份证号码被存成了数字"],
        [7, 2, '=HYPERLINK("x")', "11010519491231002", None, "身份证号码校验位错误"],
    ]
    # Text written back stays text: no formula, and typed corrections keep their leading digits.
    assert sheet["C3"].data_type == "s"
    assert sheet["D3"].number_format == "@"


def test_a_rejected_workbook_can_be_uploaded_again(tmp_path: Path) -> None:
    path = tmp_path / "rejected.xlsx"
    write_rejected_workbook(path, headers=["姓名", "身份证号码"], rows=[(5, ("张三", ID_NUMBER), "原因")])
    _, [row] = read_all(path)
    assert row.number == 2
    assert row.values["id_number"] == ID_NUMBER


# --- parsing helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [202106, 202106.0, "202106", "2021-06", "2021/6", "2021年6月", "2021.06", "２０２１年６月", " 2021 - 06 ",
     datetime(2021, 6, 15, 10), date(2021, 6, 30)],
)  # fmt: skip
def test_parse_month_accepts_the_usual_ways_of_writing_a_month(value: object) -> None:
    assert parse_month(value) == date(2021, 6, 1)


@pytest.mark.parametrize("value", ["2021-13", "202100", "2021-06-03", "六月", "21-06", 2021, True])
def test_parse_month_rejects_other_values(value: object) -> None:
    with pytest.raises(ValueError, match=r"不是有效的年月"):
        parse_month(value)


def test_parse_month_refuses_a_month_stored_as_a_fraction() -> None:
    # 2021.10 in a number cell is 2021.1: October or January?
    with pytest.raises(ValueError, match=r"被存成了小数"):
        parse_month(2021.1)


@pytest.mark.parametrize(
    "value",
    ["2021-06-03", "2021/6/3", "2021年6月3日", "20210603", "2021.6.3", "2021-06-03 00:00:00", 20210603,
     datetime(2021, 6, 3, 23, 59), date(2021, 6, 3), 44350, 44350.75],
)  # fmt: skip
def test_parse_date_accepts_the_usual_ways_of_writing_a_date(value: object) -> None:
    assert parse_date(value) == date(2021, 6, 3)


@pytest.mark.parametrize("value", ["2021-02-30", "2021-06", "3/6/2021", "昨天", 12, 100000.5])
def test_parse_date_rejects_other_values(value: object) -> None:
    with pytest.raises(ValueError, match=r"不是有效的日期"):
        parse_date(value)


@pytest.mark.parametrize(("value", "expected"), [(12, 12), (12.0, 12), ("12", 12), ("１２", 12), (" 0 ", 0)])
def test_parse_whole_number_accepts_non_negative_integers(value: object, expected: int) -> None:
    assert parse_whole_number(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [(-1, "不能是负数"), ("-3", "不能是负数"), (1.5, "不是整数"), ("2.5", "不是整数"), ("12人", "不是有效的整数"),
     (float("nan"), "不是整数"), (None, "未填写")],
)  # fmt: skip
def test_parse_whole_number_rejects_negatives_fractions_and_words(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_whole_number(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(330, "330"), (330.5, "330.5"), (0.1, "0.1"), ("330", "330"), ("330.00", "330.00"), ("330元", "330"),
     ("￥1,200.50", "1200.50"), ("３３０ 元", "330"), (Decimal("12.30"), "12.30")],
)  # fmt: skip
def test_parse_decimal_accepts_amounts(value: object, expected: str) -> None:
    assert parse_decimal(value) == Decimal(expected)


@pytest.mark.parametrize("value", ["-5", -0.5, "三百", "330美元", "1,20", float("inf")])
def test_parse_decimal_rejects_negatives_and_non_amounts(value: object) -> None:
    with pytest.raises(ValueError, match=r"金额"):
        parse_decimal(value)


@pytest.mark.parametrize("value", ["是", "Y", "yes", "YES", "1", 1, 1.0, "true", "TRUE", True])
def test_parse_yes_no_reads_yes(value: object) -> None:
    assert parse_yes_no(value) is True


@pytest.mark.parametrize("value", ["否", "n", "No", "0", 0, "false", False, None, "", " "])
def test_parse_yes_no_reads_no_and_blank_as_no(value: object) -> None:
    assert parse_yes_no(value) is False


def test_parse_yes_no_rejects_anything_else() -> None:
    with pytest.raises(ValueError, match=r"应填写“是”或“否”"):
        parse_yes_no("可能")


def test_a_two_row_header_names_columns_in_both_rows_and_is_no_data(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["花名册"])
    sheet.merge_cells("A1:E1")
    sheet.append(["序号", "姓名", "公民身份号码", "联系方式", None])
    sheet.append([None, None, None, "电话", "乡镇"])
    for column in "ABC":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("D2:E2")
    sheet.append([1, "张三", ID_NUMBER, "13812345678", "凤麓"])
    workbook.save(tmp_path / "list.xlsx")
    with open_table(tmp_path / "list.xlsx", COLUMNS) as table:
        assert table.header_row == 2
        assert table.headers == ("序号", "姓名", "公民身份号码", "电话", "乡镇")
        rows = list(table.rows)
    assert [(row.number, row.values) for row in rows] == [
        (4, {"name": "张三", "id_number": ID_NUMBER, "town": "凤麓", "phone": "13812345678"})
    ]


def test_required_columns_spread_over_a_two_row_header_are_found(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "公民身份号码", "户籍信息", None])
    sheet.append([None, None, "乡镇", "电话"])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:B2")
    sheet.merge_cells("C1:D1")
    sheet.append(["张三", ID_NUMBER, "凤麓", None])
    workbook.save(tmp_path / "list.xlsx")
    header_row, rows = read_all(tmp_path / "list.xlsx", (*COLUMNS[:2], Column("town", ("乡镇",), required=True)))
    assert header_row == 2
    assert [(row.number, row.values["name"], row.values["town"]) for row in rows] == [(3, "张三", "凤麓")]


def test_an_upload_is_on_disk_with_its_suffix_only_inside_the_block() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from enrolment.tabular import upload_on_disk

    upload = SimpleUploadedFile("名单.CSV", "姓名\n张三\n".encode())
    with upload_on_disk(upload) as path:
        assert path.suffix == ".csv" and path.read_text(encoding="utf-8") == "姓名\n张三\n"
    assert not path.exists()
    with upload_on_disk(SimpleUploadedFile("没有后缀", b"x"), default_suffix=".xlsx") as path:
        assert path.suffix == ".xlsx"
