"""The hostile-file guard reads a sheet's used range from every cell's position, whatever the XML spelling."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from enrolment.spreadsheet_guard import FileProblem, SheetExtent, check_xlsx, has_long_text

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _xlsx(path: Path, sheet: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def _sheet(cells: str, prefix: str = "", before: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{_MAIN}"' if prefix else f'xmlns="{_MAIN}"'
    return f'<{p}worksheet {xmlns}>{before}<{p}sheetData><{p}row r="1">{cells}</{p}row></{p}sheetData></{p}worksheet>'


def test_the_used_range_is_the_farthest_cell_whatever_the_order(tmp_path: Path) -> None:
    cells = '<c r="AB7" t="n"><v>1</v></c><c r="C120"><v>2</v></c><c r="B9"/>'
    before = '<cols><col min="1" max="3" width="9"/></cols>'
    assert check_xlsx(_xlsx(tmp_path / "a.xlsx", _sheet(cells, before=before))) == [SheetExtent(rows=120, columns=28)]


def test_a_sheet_written_with_a_namespace_prefix_is_measured_the_same(tmp_path: Path) -> None:
    cells = '<x:c r="D4"><x:v>1</x:v></x:c><x:c r="A11"><x:v>2</x:v></x:c>'
    assert check_xlsx(_xlsx(tmp_path / "a.xlsx", _sheet(cells, prefix="x"))) == [SheetExtent(rows=11, columns=4)]


@pytest.mark.parametrize(
    "cells",
    [
        '<c r="A1"/><c><v>1</v></c>',  # a cell without its position
        '<c r="A1"/><c t="n" r="B1"><v>1</v></c>',  # its position not first
        '<c r="A1"/><c\tr="B1"/>',
        '<c r="A1"/><y:c xmlns:y="urn:other"><y:v>1</y:v></y:c>',  # a cell under another prefix
        '<c><v>1</v></c><c r="B1"/>',  # before a cell that does
        '<c r="A01"><v>1</v></c>',  # a row number a reader would read its own way
        '<c r="A1"/><c r="B12345678"/>',  # beyond any sheet
    ],
)
def test_a_cell_that_does_not_say_where_it_is_is_refused(tmp_path: Path, cells: str) -> None:
    with pytest.raises(FileProblem, match="没有标明位置"):
        check_xlsx(_xlsx(tmp_path / "a.xlsx", _sheet(cells)))


def test_a_far_cell_is_refused_before_any_reader_sees_it(tmp_path: Path) -> None:
    cells = '<c r="A1"><v>1</v></c><c r="XFD1048576"><v>2</v></c>'
    with pytest.raises(FileProblem, match="上限"):
        check_xlsx(_xlsx(tmp_path / "a.xlsx", _sheet(cells)))


@pytest.mark.parametrize("seed", range(6))
def test_the_used_range_is_exact_whatever_the_cells_order_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    import random

    from enrolment import spreadsheet_guard

    monkeypatch.setattr(spreadsheet_guard, "_CHUNK", 97)  # many chunks, each cut anywhere
    shuffle = random.Random(seed)

    def letters(number: int) -> str:
        text = ""
        while number:
            number, rest = divmod(number - 1, 26)
            text = chr(65 + rest) + text
        return text

    positions = [(shuffle.randint(1, 5000), shuffle.randint(1, 250)) for _ in range(300)]
    if seed % 2:
        positions.sort()  # the usual order: the farthest cell comes last
    cells = "".join(f'<c r="{letters(column)}{row}"><v>1</v></c>' for row, column in positions)
    extent = check_xlsx(_xlsx(tmp_path / "a.xlsx", _sheet(cells)))
    assert extent == [SheetExtent(rows=max(r for r, _ in positions), columns=max(c for _, c in positions))]


@pytest.mark.parametrize("seed", range(20))
def test_the_long_text_check_finds_exactly_what_the_plain_pattern_finds(seed: int) -> None:
    import random
    import re

    shuffle = random.Random(seed)
    limit = shuffle.randint(1, 40)
    # Mostly text and ">", so that runs near the limit are common, including runs of ">" alone.
    alphabet = shuffle.choice([b"a>", b"a><", b">>>>a<", b"aaaa>a<"])
    for _ in range(200):
        data = bytes(shuffle.choice(alphabet) for _ in range(shuffle.randint(0, 200)))
        expected = re.search(rb">[^<]{%d}" % limit, data) is not None
        assert has_long_text(data, limit) is expected, (limit, data)


def test_a_text_run_just_within_the_byte_bound_passes_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    from enrolment.spreadsheet_guard import UploadLimits

    limits = UploadLimits(
        max_bytes=1 << 30,
        max_rows=100,
        max_columns=10,
        max_cells=1000,
        max_xml_bytes=1 << 30,
        max_cell_chars=1000,
        max_ratio=1000,
    )
    fits = "x" * (limits.max_text_bytes - 1)
    cells = f'<c r="A1" t="inlineStr"><is><t>{fits}</t></is></c>'
    assert check_xlsx(_xlsx(tmp_path / "a.xlsx", _sheet(cells)), limits) == [SheetExtent(rows=1, columns=1)]
    cells = f'<c r="A1" t="inlineStr"><is><t>{fits}x</t></is></c>'
    with pytest.raises(FileProblem, match="1000 个字符"):
        check_xlsx(_xlsx(tmp_path / "b.xlsx", _sheet(cells)), limits)


@pytest.mark.parametrize(
    ("earlier", "last", "extent"),
    [
        ("A10", "B9", (10, 2)),
        ("A100", "A99", (100, 1)),
        ("A20", "A19", (20, 1)),
        ("A1000000", "B999999", (1000000, 2)),
        ("A1048576", "A1048575", (1048576, 1)),
        ("A200", "A199", (200, 1)),
        ("A109", "A108", (109, 1)),
        ("K1", "J2", (2, 11)),
        ("AA1", "Z1", (1, 27)),
        ("BA1", "AZ1", (1, 53)),
        ("ZZ1", "ZY1", (1, 702)),
        ("AAA1", "ZZ1", (1, 703)),
        ("A9", "A10", (10, 1)),
        ("Z1", "AA1", (1, 27)),
    ],
)
def test_a_cell_one_beyond_the_last_one_sets_the_range(
    earlier: str, last: str, extent: tuple[int, int], tmp_path: Path
) -> None:
    from enrolment.spreadsheet_guard import UploadLimits

    limits = UploadLimits(
        max_bytes=1 << 30,
        max_rows=2_000_000,
        max_columns=1000,
        max_cells=1 << 40,
        max_xml_bytes=1 << 30,
        max_cell_chars=1000,
        max_ratio=1000,
    )
    cells = f'<c r="{earlier}"><v>1</v></c><c r="{last}"><v>2</v></c>'
    rows, columns = extent
    assert check_xlsx(_xlsx(tmp_path / "a.xlsx", _sheet(cells)), limits) == [SheetExtent(rows=rows, columns=columns)]
