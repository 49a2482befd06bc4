"""Refusing a hostile spreadsheet before anything parses it: bounded memory and time whatever the file claims.

The reader (`enrolment.tabular`) hands .xlsx files to python-calamine, which is fast but holds the sheet's whole
used range in memory (about 100 bytes a cell) and allocates it from the cells' positions: one cell at A1 and one
at XFD1048576 make it ask for 512 GB and abort the process. So every upload is first checked here, streaming the
compressed parts in chunks, at about a tenth of calamine's own cost:

* size and type by content: a zip with a workbook in it for .xlsx, text without NUL bytes for .csv;
* the zip: no encrypted parts, no part inflating more than ``max_ratio`` times its compressed size, the XML
  parts together no larger than ``max_xml_bytes`` once inflated (counted while inflating: the sizes a zip
  declares are not trusted);
* every worksheet: every cell carries its position (``<c r="B7"``), so the used range is known exactly — rows
  at most ``max_rows``, columns at most ``max_columns``, rows × columns at most ``max_cells``; the
  ``<dimension>`` element is not trusted (calamine ignores it);
* no text run longer than a cell may hold (Excel's own limit, 32,767 characters), in the sheets or in the
  shared strings (a 1 GiB shared string is refused, not read);
* a CSV: at most ``max_rows`` records, lines of bounded length (checked again while reading).

Each refusal is a `FileProblem` with a Chinese message saying what to change.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

_CHUNK = 4 << 20
# Parts of a workbook other than its sheets and shared strings are small (styles, relationships, theme).
_MAX_PARTS = 2000
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# A ratio is only meaningful for parts of some size: a tiny part may compress any way it likes.
_RATIO_FLOOR_BYTES = 1 << 20
# Longest CSV line read at once; longer ones are refused (a row of 16,384 cells of 60 characters fits).
MAX_CSV_LINE_CHARS = 1 << 20


class FileProblem(Exception):
    """The file as a whole cannot be imported; ``str(problem)`` is a Chinese message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_rows: int
    max_columns: int
    max_cells: int
    max_xml_bytes: int
    max_cell_chars: int
    max_ratio: int

    @classmethod
    def from_settings(cls) -> UploadLimits:
        return cls(
            max_bytes=settings.UPLOAD_MAX_BYTES,
            max_rows=settings.UPLOAD_MAX_ROWS,
            max_columns=settings.UPLOAD_MAX_COLUMNS,
            max_cells=settings.UPLOAD_MAX_CELLS,
            max_xml_bytes=settings.UPLOAD_MAX_XML_BYTES,
            max_cell_chars=settings.UPLOAD_MAX_CELL_CHARS,
            max_ratio=settings.UPLOAD_MAX_COMPRESSION_RATIO,
        )

    @property
    def max_text_bytes(self) -> int:
        # UTF-8 takes up to 4 bytes a character, and XML escapes (&amp;) make text longer still.
        return self.max_cell_chars * 4


@dataclass(frozen=True)
class SheetExtent:
    rows: int
    columns: int


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):.0f} MB"


def check_size(size: int, limits: UploadLimits | None = None) -> None:
    limits = limits or UploadLimits.from_settings()
    if size > limits.max_bytes:
        raise FileProblem(
            _("文件过大（%(size)s），超过上传上限 %(limit)s，请拆分成多个文件后再上传")
            % {"size": _megabytes(size), "limit": _megabytes(limits.max_bytes)}
        )


# --- xlsx ------------------------------------------------------------------------------------------------


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _inflated_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> object:
    """The part's bytes in chunks, refusing once more than ``budget`` bytes came out (whatever it declared)."""
    seen = 0
    with archive.open(info) as handle:
        while chunk := handle.read(_CHUNK):
            seen += len(chunk)
            if seen > budget:
                raise _TooLarge
            yield chunk


class _TooLarge(Exception):
    pass


def _too_large(limits: UploadLimits) -> FileProblem:
    return FileProblem(
        _(
            "文件解压后过大（超过 %(limit)s），可能是异常或恶意构造的文件，已拒绝；"
            "请在 Excel 中另存后再上传，或拆分成多个文件"
        )
        % {"limit": _megabytes(limits.max_xml_bytes)}
    )


def _long_text(limits: UploadLimits) -> FileProblem:
    return FileProblem(
        _("文件中有单元格内容超过 %(n)d 个字符（Excel 单元格的上限），请检查文件后再上传")
        % {"n": limits.max_cell_chars}
    )


def _irregular() -> FileProblem:
    return FileProblem(
        _("工作表的格式不规范（有单元格没有标明位置），无法安全读取；请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传")
    )


_FOREIGN_CELL = re.compile(rb":c[\s>/]")


def _numbers_up_to(number: int) -> bytes:
    """A pattern matching the row numbers (no leading zero) from 1 to ``number``."""
    digits = str(number)
    alternatives = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        lowest = 1 if i == 0 else 0
        if int(digit) > lowest:
            alternatives.append(rf"{digits[:i]}[{lowest}-{int(digit) - 1}]\d{{{len(digits) - i - 1}}}")
    alternatives.append(digits)
    return "|".join(alternatives).encode()


def _letters_up_to(letters: bytes) -> bytes:
    """A pattern matching the column letters from A to ``letters``."""
    text = letters.decode()
    alternatives = [rf"[A-Z]{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, letter in enumerate(text):
        if letter != "A":
            alternatives.append(rf"{text[:i]}[A-{chr(ord(letter) - 1)}][A-Z]{{{len(text) - i - 1}}}")
    alternatives.append(text)
    return "|".join(alternatives).encode()


def has_long_text(data: bytes, limit: int) -> bool:
    """Whether ``data`` holds a ">" followed by ``limit`` bytes without a "<": the regex ``>[^<]{limit}``, exactly.

    In time linear in ``len(data)`` whatever the bytes (the regex tries every ">" of a run, so a run of ">"
    costs it the square of its length), and in a few hundred ``find`` calls for an ordinary sheet: a run that
    long covers a whole block of ``limit // 2`` bytes, so only a block without "<" needs a closer look.
    """
    step = max(limit // 2, 1)
    start, size = 0, len(data)
    while start < size:
        if data.find(b"<", start, start + step) >= 0:
            start += step
            continue
        run_start = data.rfind(b"<", 0, start) + 1
        run_end = data.find(b"<", start)
        if run_end < 0:
            run_end = size
        opener = data.find(b">", run_start, run_end)
        if opener >= 0 and run_end - opener - 1 >= limit:
            return True
        start = run_end
    return False


class _SheetScan:
    """The used range of one worksheet, from the position of every cell, chunk by chunk."""

    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self.prefix: bytes | None = None
        self.max_row = 0
        self.max_column = 0
        self.max_letters = b""
        self.seen = 0

    def _set_prefix(self, data: bytes) -> None:
        if data.find(b"sheetData") < 0:
            return
        found = re.search(rb"<([A-Za-z_][\w.-]*:)?sheetData[\s>/]", data)
        if found is None:
            return
        self.prefix = found.group(1) or b""
        tag = b"<" + re.escape(self.prefix) + b"c"
        self.tag = b"<" + self.prefix + b"c"
        self.pattern_tag = tag
        self.positioned = self.tag + b' r="'
        # A cell element ("<c" then a blank, ">" or "/": not <col>, <cfRule>, <c:chart>) that does not say
        # where it is, first thing (<c r="B7" …>): a reader would place it where it likes.
        self.unplaced = re.compile(tag + rb'(?=[^\w.:-])(?! r="[A-Z]{1,3}[1-9]\d{0,6}")')
        self.cell_position = re.compile(tag + rb' r="([A-Z]{1,3})([1-9]\d{0,6})"')
        self.cell_rows = re.compile(tag + rb' r="[A-Z]{1,3}([1-9]\d{0,6})"')
        self.cell_columns = re.compile(tag + rb' r="([A-Z]{1,3})')

    def feed(self, data: bytes) -> None:
        if has_long_text(data, self.limits.max_text_bytes):
            raise _long_text(self.limits)
        if self.prefix is None:
            self._set_prefix(data)
            if self.prefix is None:
                return  # still before <sheetData>
        if data.find(self.tag) < 0:
            return
        # Cells written with another namespace prefix would escape the scan: none may exist.
        if _FOREIGN_CELL.search(data) and re.search(
            rb"<(?!" + re.escape(self.prefix) + rb"c[\s>/])[A-Za-z_][\w.-]*:c[\s>/]", data
        ):
            raise _irregular()
        last = data.rfind(self.positioned)
        found = self.cell_position.match(data, last) if last >= 0 else None
        if found is None:
            if last >= 0 or self.unplaced.search(data):
                raise _irregular()
            return
        # Sheets list their cells in order, so the last cell of a chunk is usually its farthest: taken as the
        # candidate, then ONE search for a cell that is not placed within it (no object made a cell): a cell
        # below or right of it, or one that does not say where it is. Only then is the chunk looked at closely.
        letters, digits = found.groups()
        row = max(self.max_row, int(digits))
        letters_seen = max(letters, self.max_letters, key=lambda text: (len(text), text))
        within = rb' r="(?:' + _letters_up_to(letters_seen) + rb")(?:" + _numbers_up_to(row) + rb')"'
        if re.search(self.pattern_tag + rb"(?=[^\w.:-])(?!" + within + rb")", data):
            if self.unplaced.search(data):
                raise _irregular()
            row = max(row, max(map(int, self.cell_rows.findall(data))))
            widest = max(set(self.cell_columns.findall(data)), key=lambda text: (len(text), text))
            letters_seen = max(widest, letters_seen, key=lambda text: (len(text), text))
        self.max_row = row
        self.max_letters = letters_seen
        self.max_column = _column_number(letters_seen)

    def scan(self, chunks: object) -> SheetExtent:
        tail = b""
        for chunk in chunks:
            self.seen += len(chunk)
            data = tail + chunk
            cut = data.rfind(b">") + 1
            part, tail = data[:cut], data[cut:]
            if len(tail) > self.limits.max_text_bytes:
                raise _long_text(self.limits)
            self.feed(part)
        return SheetExtent(rows=self.max_row, columns=self.max_column)


def _check_extent(extent: SheetExtent, limits: UploadLimits) -> None:
    if extent.rows > limits.max_rows:
        raise FileProblem(
            _("工作表有 %(rows)s 行，超过可导入的上限 %(limit)s 行，请拆分成多个文件后再上传")
            % {"rows": f"{extent.rows:,}", "limit": f"{limits.max_rows:,}"}
        )
    if extent.columns > limits.max_columns:
        raise FileProblem(
            _("工作表有内容的列多达 %(columns)s 列（上限 %(limit)s 列），请删除表格右侧多余的列后再上传")
            % {"columns": f"{extent.columns:,}", "limit": f"{limits.max_columns:,}"}
        )
    if extent.rows * extent.columns > limits.max_cells:
        raise FileProblem(
            _(
                "工作表的数据区域过大（%(rows)s 行 × %(columns)s 列），超过可读取的上限 %(limit)s 个单元格；"
                "请删除多余的行和列，或拆分成多个文件（也可另存为 CSV 后上传）"
            )
            % {"rows": f"{extent.rows:,}", "columns": f"{extent.columns:,}", "limit": f"{limits.max_cells:,}"}
        )


def check_xlsx(file: str | Path | IO[bytes], limits: UploadLimits | None = None) -> list[SheetExtent]:
    """Check a workbook's parts and every sheet's used range; the extents of its sheets."""
    limits = limits or UploadLimits.from_settings()
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise FileProblem(_("文件已损坏或不是 Excel 文件，请在 Excel 中打开确认后另存为 .xlsx 再上传")) from error
    extents: list[SheetExtent] = []
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if len(infos) > _MAX_PARTS or "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise FileProblem(_("文件已损坏或不是 Excel 文件，请在 Excel 中打开确认后另存为 .xlsx 再上传"))
        for info in infos:
            if info.flag_bits & 0x1:
                raise FileProblem(_("文件设置了密码或已加密，请在 Excel 中取消密码后另存为 .xlsx 再上传"))
            if info.file_size > _RATIO_FLOOR_BYTES and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise _too_large(limits)
        budget = limits.max_xml_bytes
        try:
            for info in infos:
                name = info.filename.lower()
                if not name.endswith((".xml", ".rels")):
                    continue  # images, printer settings, VBA: not read
                # Every XML part is scanned as a possible sheet: the workbook may keep its sheets anywhere.
                scan = _SheetScan(limits)
                extent = scan.scan(_inflated_chunks(archive, info, budget))
                budget -= scan.seen
                if scan.prefix is not None:
                    _check_extent(extent, limits)
                    extents.append(extent)
        except _TooLarge:
            raise _too_large(limits) from None
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise FileProblem(_("文件已损坏，无法读取，请在 Excel 中打开确认后另存为 .xlsx 再上传")) from error
    return extents


# --- csv -------------------------------------------------------------------------------------------------


def check_csv_head(head: bytes) -> None:
    """The first bytes of a .csv: not a spreadsheet renamed, not binary."""
    if head.startswith((_ZIP_MAGIC, _OLE2_MAGIC)):
        raise FileProblem(_("文件扩展名是 .csv，内容却是 Excel 文件，请将扩展名改回 .xlsx 或另存为 CSV 后再上传"))
    if b"\x00" in head:
        raise FileProblem(
            _(
                "无法识别 CSV 文件的编码（文件含有二进制内容，既不是 UTF-8 也不是 GBK/GB18030 文本），"
                "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再上传"
            )
        )


def csv_too_many_rows(rows: int, limits: UploadLimits) -> FileProblem:
    return FileProblem(
        _("文件有 %(rows)s 行以上，超过可导入的上限 %(limit)s 行，请拆分成多个文件后再上传")
        % {"rows": f"{rows:,}", "limit": f"{limits.max_rows:,}"}
    )


def csv_line_too_long() -> FileProblem:
    return FileProblem(
        _("CSV 文件中有一行过长（超过 %(n)s 个字符），请检查文件后再上传") % {"n": f"{MAX_CSV_LINE_CHARS:,}"}
    )


def csv_cell_too_long(limits: UploadLimits) -> FileProblem:
    return _long_text(limits)
