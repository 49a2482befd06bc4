"""The one xlsx writer: text stays text whatever it holds, the file says who made it and when."""

from __future__ import annotations

import datetime
import io
import os
import re
import stat
import zipfile

import pytest
from openpyxl import load_workbook

from campaigns.xlsx import CsvWriter, Styled, XlsxWriter, csv_safe
from tests.factories import UserFactory

FORMULA_LIKE = ["=1+1", "==1+1", "+1", "-1+1", "@SUM(1)", '=HYPERLINK("http://x.example","点我")', "\t=1", "\r=1"]


def formula_cells(content: bytes) -> list[str]:
    """The sheets of a workbook holding an <f> element (a formula Excel would evaluate)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        return [name for name in sheets if re.search(rb"<f[ >/]", archive.read(name))]


def _written(writer: XlsxWriter) -> bytes:
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue()


def test_formula_like_text_is_written_as_text_and_read_back_unchanged():
    writer = XlsxWriter(title="测试")
    sheet = writer.sheet("表")
    sheet.header(["值"])
    for value in FORMULA_LIKE:
        sheet.append([value])
    sheet.append([Styled("=1+1", bold=True, wrap=True)])
    content = _written(writer)
    assert formula_cells(content) == []
    cells = [row[0] for row in load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2)]
    # (XML reads a carriage return back as a line feed.)
    assert [cell.value for cell in cells] == [*(v.replace("\r", "\n") for v in FORMULA_LIKE), "=1+1"]
    assert {cell.data_type for cell in cells} == {"s"}
    # Excel's quote prefix keeps them text even after a user edits the cell.
    assert all(cell.quotePrefix for cell in cells)


def test_ordinary_values_keep_their_types():
    writer = XlsxWriter(title="测试")
    sheet = writer.sheet("表")
    moment = datetime.datetime(2021, 7, 1, 2, 0, tzinfo=datetime.UTC)
    sheet.append(["张三", 12, 0.5, datetime.date(2021, 6, 3), moment, None, "530422199001011234"])
    row = next(load_workbook(io.BytesIO(_written(writer))).active.iter_rows(values_only=True))
    # Times are local wall-clock times (Asia/Shanghai).
    assert row == ("张三", 12, 0.5, datetime.datetime(2021, 6, 3), datetime.datetime(2021, 7, 1, 10, 0), None, row[6])
    assert row[6] == "530422199001011234"


def test_control_characters_are_dropped_instead_of_breaking_the_file():
    writer = XlsxWriter(title="测试")
    writer.sheet("表").append(["a\x00b\x1fc"])
    assert next(load_workbook(io.BytesIO(_written(writer))).active.iter_rows(values_only=True)) == ("abc",)


@pytest.mark.django_db
def test_the_file_says_who_made_it_and_when():
    user = UserFactory(username="fenglu1", first_name="李四")
    now = datetime.datetime(2021, 7, 10, 2, 30, tzinfo=datetime.UTC)
    writer = XlsxWriter(title="推送清单核查表", author=user, now=now)
    writer.sheet("核查表").header(["姓名"])
    workbook = load_workbook(io.BytesIO(_written(writer)))
    properties = workbook.properties
    assert properties.creator == "李四（fenglu1）"
    assert properties.created == datetime.datetime(2021, 7, 10, 2, 30)
    assert "2021-07-10 10:30" in properties.description
    # Printed, every page says it too (the page header); the table itself starts on the first row.
    page_header = workbook.active.oddHeader.center.text
    assert "李四（fenglu1）" in page_header and "2021-07-10 10:30" in page_header
    assert workbook.active["A1"].value == "姓名"


def test_a_saved_file_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "x.xlsx"
    writer = XlsxWriter(title="测试")
    writer.sheet("表").append(["x"])
    old = os.umask(0)
    try:
        writer.save(path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+1", "@SUM(1)", "\tx", "\rx"])
def test_csv_prefixes_values_a_spreadsheet_would_evaluate(value):
    assert csv_safe(value) == "'" + value


def test_csv_leaves_other_values_alone():
    assert [csv_safe(v) for v in ("张三", 12, None, datetime.date(2021, 6, 1), "1-1")] == [
        "张三",
        "12",
        "",
        "2021-06-01",
        "1-1",
    ]
    handle = io.StringIO()
    CsvWriter(handle).writerow(["=1+1", "ok"])
    assert handle.getvalue() == "\ufeff'=1+1,ok\r\n"
