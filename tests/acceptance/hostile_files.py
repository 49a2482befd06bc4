"""Spreadsheets built to hurt the reader, byte by byte (no library would write them).

Each is small on disk and enormous once read naively: the shapes of the attacks tried on the upload pages.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable
from pathlib import Path

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
_SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
# A header the push-list importer accepts, so a refusal is about the shape, not about a missing column.
HEADER_ROW = (
    b'<row r="1">'
    + b"".join(
        b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (column, title.encode())
        for column, title in ((b"A", "姓名"), (b"B", "公民身份号码"), (b"C", "镇(街道)"))
    )
    + b"</row>"
)


def _workbook(
    path: Path, sheet: Iterable[bytes], *, shared: Iterable[bytes] | None = None, dimension: str | None = None
) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(_SHEET_HEAD)
            if dimension:
                part.write(b'<dimension ref="%s"/>' % dimension.encode())
            part.write(b"<sheetData>")
            for piece in sheet:
                part.write(piece)
            part.write(b"</sheetData></worksheet>")
        if shared is not None:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                part.write(b'<?xml version="1.0" encoding="UTF-8"?>')
                part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
                for piece in shared:
                    part.write(piece)
                part.write(b"</sst>")
    return path


def far_cell(path: Path) -> Path:
    """One cell at A1 (the header) and one at XFD1048576: a dense reader allocates 17 billion cells."""
    return _workbook(
        path,
        [HEADER_ROW, b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'],
        dimension="A1:XFD1048576",
    )


def far_cell_lying_dimension(path: Path) -> Path:
    """The same far cell with a <dimension> that claims the sheet is small."""
    return _workbook(path, [HEADER_ROW, b'<row r="900000"><c r="ZZZ900000"><v>1</v></c></row>'], dimension="A1:C2")


def huge_shared_string(path: Path, mebibytes: int = 1024) -> Path:
    """A 1 GiB shared string that compresses to about a megabyte."""

    def pieces() -> Iterable[bytes]:
        yield b"<si><t>"
        block = b"a" * (1 << 20)
        for _ in range(mebibytes):
            yield block
        yield b"</t></si>"

    return _workbook(path, [HEADER_ROW, b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'], shared=pieces())


def long_inline_string(path: Path) -> Path:
    """A cell of 300,000 characters that do not compress much (so the compression ratio looks normal)."""
    text = os.urandom(150_000).hex().encode()
    return _workbook(path, [HEADER_ROW, b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + text + b"</t></is></c></row>"])


def many_rows(path: Path, rows: int = 3_000_000) -> Path:
    def pieces() -> Iterable[bytes]:
        yield HEADER_ROW
        step = 100_000
        for start in range(2, rows + 2, step):
            yield b"".join(
                b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(start, min(start + step, rows + 2))
            )

    return _workbook(path, pieces())


def many_columns(path: Path, columns: int = 16_384, rows: int = 20) -> Path:
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(c).encode() for c in range(1, columns + 1)]

    def pieces() -> Iterable[bytes]:
        yield HEADER_ROW
        for n in range(2, rows + 2):
            yield b'<row r="%d">' % n + b"".join(b'<c r="%s%d"><v>1</v></c>' % (letter, n) for letter in letters)
            yield b"</row>"

    return _workbook(path, pieces())


def cells_without_positions(path: Path, columns: int = 16_384) -> Path:
    """Cells without r="…": a reader places them one after another, 16,384 columns wide."""
    return _workbook(path, [HEADER_ROW, b'<row r="2">' + b"<c><v>1</v></c>" * columns + b"</row>"])


def zip_bomb(path: Path, mebibytes: int = 2048) -> Path:
    """A sheet that inflates to 2 GiB of blanks."""

    def pieces() -> Iterable[bytes]:
        yield HEADER_ROW
        blank = b" " * (1 << 20)
        for _ in range(mebibytes):
            yield blank

    return _workbook(path, pieces())


def csv_many_rows(path: Path, rows: int = 3_000_000) -> Path:
    with path.open("wb") as handle:
        handle.write("姓名,公民身份号码,镇(街道)\n".encode())
        line = b"a,b,c\n"
        block = line * 100_000
        for _ in range(rows // 100_000):
            handle.write(block)
    return path


def csv_endless_line(path: Path, mebibytes: int = 40) -> Path:
    with path.open("wb") as handle:
        handle.write("姓名,公民身份号码,镇(街道)\n".encode())
        block = b"a" * (1 << 20)
        for _ in range(mebibytes):
            handle.write(block)
    return path


def csv_wide_header(path: Path, columns: int = 16_384) -> Path:
    header = ["姓名", "公民身份号码", "镇(街道)", *(f"列{n}" for n in range(columns))]
    path.write_text(",".join(header) + "\n" + "张三,1,凤麓\n", encoding="utf-8")
    return path


# name → (builder, file name, a phrase the refusal must contain)
SHAPES = {
    "far_cell": (far_cell, "far.xlsx", "上限"),
    "far_cell_lying_dimension": (far_cell_lying_dimension, "far2.xlsx", "上限"),
    "huge_shared_string": (huge_shared_string, "string.xlsx", "过大"),
    "long_inline_string": (long_inline_string, "long.xlsx", "32767 个字符"),
    "many_rows": (many_rows, "rows.xlsx", "上限 1,100,000 行"),
    "many_columns": (many_columns, "columns.xlsx", "上限 256 列"),
    "cells_without_positions": (cells_without_positions, "positions.xlsx", "另存为 .xlsx"),
    "zip_bomb": (zip_bomb, "bomb.xlsx", "过大"),
    "csv_many_rows": (csv_many_rows, "rows.csv", "上限 1,100,000 行"),
    "csv_endless_line": (csv_endless_line, "line.csv", "过长"),
    "csv_wide_header": (csv_wide_header, "wide.csv", "上限 256 列"),
}
