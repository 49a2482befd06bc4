"""Reading the spreadsheets county staff upload, and the parsing helpers importers share.

The files are made by hand: a title row or two above the header, merged cells, a 序号 column,
full-width characters, stray spaces, ID numbers that Excel turned into numbers, CSVs saved in
GB18030. `open_table` finds the header row, maps the columns the importer asks for and streams
the data rows with their values exactly as read; deciding what a value means is left to the
importer, which knows, for instance, that a number in an ID column must be refused.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import math
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Protocol, Self, TextIO, TypeAlias

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from campaigns.text import normalize_text
from enrolment.spreadsheet_guard import (
    MAX_CSV_LINE_CHARS,
    FileProblem,
    UploadLimits,
    check_csv_head,
    check_size,
    check_xlsx,
    csv_cell_too_long,
    csv_line_too_long,
    csv_too_many_rows,
)

__all__ = [
    "Column",
    "DataRow",
    "FileProblem",
    "RejectedWorkbook",
    "Table",
    "UploadLimits",
    "normalize_text",
    "open_table",
    "parse_date",
    "parse_decimal",
    "parse_month",
    "parse_whole_number",
    "parse_yes_no",
    "write_rejected_workbook",
]

CellValue: TypeAlias = str | int | float | bool | datetime | date | time | timedelta | None

# The header must be among the first rows that hold anything; title rows rarely exceed two or three.
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Column:
    """A column an importer reads: ``field`` is its own name, ``headers`` the header texts staff use for it."""

    field: str
    headers: tuple[str, ...]
    required: bool = False
    label: str = ""

    def __post_init__(self) -> None:
        if not self.headers:
            raise ValueError(f"Column {self.field!r} needs at least one header")
        if not self.label:
            object.__setattr__(self, "label", self.headers[0])


@dataclass
class DataRow:
    """One data row below the header.

    ``number`` is the row number Excel shows (1-based, counting the title and blank rows).
    ``cells`` is the whole row as read, for the rejected-rows workbook. ``values`` holds the raw
    value of every declared column, ``None`` for a blank cell or a column the file does not have.
    """

    number: int
    cells: tuple[CellValue, ...]
    values: dict[str, CellValue]


@dataclass
class Table:
    """An opened spreadsheet. ``rows`` is a one-pass iterator: close the table (or use ``with``) if not exhausted."""

    header_row: int
    headers: tuple[str, ...]
    fields: dict[str, int]
    rows: Iterator[DataRow]
    _close: Callable[[], None] = field(default=lambda: None, repr=False, compare=False)

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --- opening files ---------------------------------------------------------------------------------

_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and also password-protected .xlsx

_RawRows: TypeAlias = Iterator[tuple[int, tuple[CellValue, ...]]]


class Upload(Protocol):
    """What a received file offers (Django's ``UploadedFile``): its name and its bytes in chunks."""

    name: str

    def chunks(self) -> Iterator[bytes]: ...


@contextlib.contextmanager
def upload_on_disk(upload: Upload, *, default_suffix: str = "") -> Iterator[Path]:
    """A received file as a temporary file with its own suffix (the readers go by it), for the ``with`` block
    only: it may hold personal data, so nothing of it stays behind."""
    suffix = Path(upload.name).suffix.lower() or default_suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        yield Path(handle.name)


def open_table(path: str | Path, columns: Sequence[Column], *, original_name: str | None = None) -> Table:
    """Open an uploaded .xlsx/.xlsm (first visible sheet) or .csv file and locate its header row.

    The type is taken from the extension of ``original_name`` (the name the user uploaded, since
    ``path`` is often a temporary file) or else of ``path``. Raises `FileProblem` when the file
    cannot be read, has no header row holding every required column, or has no data below it, and, before
    anything parses it, when it exceeds the upload limits (`enrolment.spreadsheet_guard`): a hostile file is
    refused in bounded memory and time.
    """
    path = Path(path)
    limits = UploadLimits.from_settings()
    suffix = Path(original_name or path.name).suffix.lower()
    with path.open("rb") as file:
        head = file.read(1 << 16)
    if suffix in _XLSX_SUFFIXES or suffix == ".csv":
        check_size(path.stat().st_size, limits)
    if suffix in _XLSX_SUFFIXES:
        if head.startswith(_OLE2_MAGIC):
            raise FileProblem(
                _("该文件是旧版 Excel（.xls）格式或设置了打开密码，请在 Excel 中取消密码并另存为 .xlsx 后再上传")
            )
        if not zipfile.is_zipfile(path):
            raise FileProblem(_("文件已损坏或不是 Excel 文件，请在 Excel 中打开确认后另存为 .xlsx 再上传"))
        extents = check_xlsx(path, limits)
        raw = _xlsx_rows(path, extents)
    elif suffix == ".csv":
        check_csv_head(head)
        encoding = _detect_csv_encoding(path, limits)
        raw = _csv_rows(path, encoding, limits)
    elif suffix == ".xls":
        raise FileProblem(_("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再上传"))
    else:
        shown = suffix or _("（无扩展名）")
        raise FileProblem(_("不支持的文件类型“%(suffix)s”，请上传 xlsx 或 csv 文件") % {"suffix": shown})

    try:
        return _build_table(raw, columns, limits)
    except BaseException:
        raw.close()
        raise


def _width(cells: Sequence[CellValue]) -> int:
    """The number of columns up to the last one holding something."""
    for index in range(len(cells) - 1, -1, -1):
        if not _is_blank(cells[index : index + 1]):
            return index + 1
    return 0


def _build_table(raw: _RawRows, columns: Sequence[Column], limits: UploadLimits) -> Table:
    header_row, header_cells, fields = _find_header(raw, columns, limits)
    first = next(raw, None)
    if first is not None and _continues_header(first[1], header_cells, fields, columns):
        # A two-row header (联系方式 merged over 电话 and 地址): its second row names columns, it holds no data.
        header_cells, fields = _merge_header_rows(header_cells, first[1], fields, columns)
        first = next(raw, None)
    if first is None:
        raise FileProblem(_("第 %(row)d 行表头以下没有数据") % {"row": header_row})
    # Cells right of the header's last column have no name: they are not read (nor kept for the rejected rows).
    width = _width(header_cells)
    header_cells = header_cells[:width]

    data_row = _data_row_maker(fields, columns)

    def data_rows() -> Iterator[DataRow]:
        try:
            yield data_row(first[0], first[1][:width])
            for number, cells in raw:
                yield data_row(number, cells[:width])
        finally:
            raw.close()

    rows = data_rows()

    def close() -> None:
        rows.close()
        # The rows generator only owns the file once it has started.
        raw.close()

    return Table(
        header_row=header_row,
        headers=tuple("" if cell is None else str(cell) for cell in header_cells),
        fields=fields,
        rows=rows,
        _close=close,
    )


def _match_columns(cells: Sequence[CellValue], lookup: dict[str, str]) -> dict[str, int]:
    fields: dict[str, int] = {}
    for index, cell in enumerate(cells):
        field_name = lookup.get(normalize_text(cell))
        # A file with two columns for the same field (e.g. 身份证号 and 公民身份号码) is read from the first.
        if field_name is not None and field_name not in fields:
            fields[field_name] = index
    return fields


def _header_lookup(columns: Sequence[Column]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for column in columns:
        for header in column.headers:
            # The first column declaring a header text owns it.
            lookup.setdefault(normalize_text(header), column.field)
    return lookup


def _continues_header(
    cells: tuple[CellValue, ...], header_cells: tuple[CellValue, ...], fields: dict[str, int], columns: Sequence[Column]
) -> bool:
    """Whether the row below the header repeats the header's text in every required column.

    That is what the second row of a two-row header looks like once its vertically merged cells
    (序号, 姓名, … merged down over both rows) are filled in; no data row repeats every header.
    """
    required = [fields[column.field] for column in columns if column.required]
    return bool(required) and all(
        index < len(cells) and normalize_text(cells[index]) == normalize_text(header_cells[index]) for index in required
    )


def _merge_header_rows(
    top: tuple[CellValue, ...], bottom: tuple[CellValue, ...], fields: dict[str, int], columns: Sequence[Column]
) -> tuple[tuple[CellValue, ...], dict[str, int]]:
    """The headers of a two-row header: a column named in the second row is known by that name."""
    width = max(len(top), len(bottom))
    cells = tuple(
        (bottom[i] if i < len(bottom) and bottom[i] is not None else (top[i] if i < len(top) else None))
        for i in range(width)
    )
    merged = dict(fields)
    for field_name, index in _match_columns(bottom, _header_lookup(columns)).items():
        merged.setdefault(field_name, index)
    return cells, merged


def _find_header(
    raw: _RawRows, columns: Sequence[Column], limits: UploadLimits
) -> tuple[int, tuple[CellValue, ...], dict[str, int]]:
    lookup = _header_lookup(columns)
    required = [column for column in columns if column.required]

    best: dict[str, int] | None = None
    # Raw rows are non-empty already, so this looks at the first ten rows that hold anything.
    for _index, (number, cells) in zip(range(HEADER_SEARCH_ROWS), raw, strict=False):
        if len(cells) > limits.max_columns and (width := _width(cells)) > limits.max_columns:
            raise FileProblem(
                _("第 %(row)d 行多达 %(width)s 列（上限 %(limit)s 列），请删除表格右侧多余的列后再上传")
                % {"row": number, "width": f"{width:,}", "limit": f"{limits.max_columns:,}"}
            )
        fields = _match_columns(cells, lookup)
        if all(column.field in fields for column in required) and fields:
            return number, cells, fields
        if best is None or len(fields) > len(best):
            best = fields
    if best is None:
        raise FileProblem(_("文件是空的，没有任何内容"))
    if not required:
        # Nothing is required but no declared column was found either.
        raise FileProblem(_("找不到表头：前 %(rows)d 行中没有可识别的列名") % {"rows": HEADER_SEARCH_ROWS})
    missing = "、".join(column.label for column in required if column.field not in best)
    raise FileProblem(
        _("缺少必需的列：%(missing)s（在前 %(rows)d 行中没有找到含有这些列名的表头）")
        % {"missing": missing, "rows": HEADER_SEARCH_ROWS}
    )


def _data_row_maker(
    fields: dict[str, int], columns: Sequence[Column]
) -> Callable[[int, tuple[CellValue, ...]], DataRow]:
    """Builds each DataRow: the value of every declared column, ``None`` where the row or the file has none."""
    blank: dict[str, CellValue] = {column.field: None for column in columns}
    found = tuple(fields.items())
    reach = max(fields.values(), default=-1)

    def data_row(number: int, cells: tuple[CellValue, ...]) -> DataRow:
        values = blank.copy()
        if len(cells) > reach:  # the usual row, as wide as its header: no bounds to check
            for field_name, index in found:
                values[field_name] = cells[index]
        else:
            width = len(cells)
            for field_name, index in found:
                if index < width:
                    values[field_name] = cells[index]
        return DataRow(number, cells, values)

    return data_row


def _is_blank(cells: Sequence[CellValue]) -> bool:
    for cell in cells:  # noqa: SIM110 - a plain loop, no generator: most rows are decided by their first cell
        if cell is not None and (not isinstance(cell, str) or normalize_text(cell)):
            return False
    return True


# What python-calamine 0.9 returns for .xlsx cells, checked against files written by openpyxl
# (tests/enrolment/test_tabular.py pins the parts this module relies on):
#   * every number is a float, even one typed as an integer: 12 -> 12.0, and an ID typed into a
#     General-format cell -> 5.304221990010113e+17 with its last digits gone. Kept as a float so
#     the importer refuses it instead of guessing the digits;
#   * date and date-time cells -> date / datetime, time cells -> time, durations -> timedelta;
#     booleans -> bool; a formula -> its cached result ("" if the file was never calculated);
#   * an empty cell -> "" (mapped to None here); a merged range -> the value in its top-left cell
#     and "" in the others (filled in here, see _MergedFiller);
#   * iter_rows() yields rows from row 1 even when the sheet's data starts lower, but starts the
#     columns at the first column holding data; that offset is padded back so indexes match Excel.
# Calamine holds the decoded sheet in compact Rust memory; Python objects exist one row at a time.
def _xlsx_rows(path: Path, extents: Sequence[object] = ()) -> _RawRows:
    try:
        workbook = CalamineWorkbook.from_path(path)
    except CalamineError as error:
        raise FileProblem(_("文件已损坏或不是 Excel 文件，无法读取")) from error
    try:
        sheet = workbook.get_sheet_by_index(_first_visible_sheet(workbook))
    except CalamineError as error:
        workbook.close()
        raise FileProblem(_("Excel 文件已损坏，无法读取第一个工作表")) from error
    return _sheet_rows(workbook, sheet.iter_rows(), sheet.start, sheet.merged_cell_ranges or (), sheet.end)


def _first_visible_sheet(workbook: CalamineWorkbook) -> int:
    # Staff hide helper sheets (lists of towns for drop-downs); the user means the sheet they see first.
    for index, metadata in enumerate(workbook.sheets_metadata):
        if metadata.visible == SheetVisibleEnum.Visible and metadata.typ == SheetTypeEnum.WorkSheet:
            return index
    return 0


_Range: TypeAlias = tuple[tuple[int, int], tuple[int, int]]


class _MergedFiller:
    """Gives every cell of a merged range the value of its top-left cell, as Excel shows it.

    Staff merge a town or village cell down over the rows of its people; read as calamine returns
    it, every row but the first would lose its town and be rejected. Ranges are 0-based
    ((first row, first column), (last row, last column)); rows must be filled in order, since a
    range's value is taken from its first row when that row goes by.
    """

    def __init__(self, ranges: Iterable[_Range], end: tuple[int, int] | None = None) -> None:
        self.starting: dict[int, list[_Range]] = {}
        # A range reaching past the sheet's last cell (A1:XFD1048576) is cut to the cells that exist.
        last_row, last_column = end if end is not None else (1 << 30, 1 << 30)
        for (top, left), (bottom, right) in ranges:
            if top > last_row or left > last_column:
                continue
            merged = ((top, left), (min(bottom, last_row), min(right, last_column)))
            self.starting.setdefault(top, []).append(merged)
        self.active: list[tuple[int, int, int, CellValue]] = []  # (last row, first column, last column, value)

    @property
    def idle(self) -> bool:
        """Nothing left to fill (the usual case below a merged title): rows pass through untouched."""
        return not self.starting and not self.active

    def fill(self, row_index: int, cells: tuple[CellValue, ...]) -> tuple[CellValue, ...]:
        if self.active:
            self.active = [merged for merged in self.active if merged[0] >= row_index]
        for (_top, left), (bottom, right) in self.starting.pop(row_index, ()):
            value = cells[left] if left < len(cells) else None
            if value is not None:
                self.active.append((bottom, left, right, value))
        if not self.active:
            return cells
        filled = list(cells)
        for _bottom, left, right, value in self.active:
            if len(filled) <= right:
                filled.extend([None] * (right + 1 - len(filled)))
            for column in range(left, right + 1):
                if filled[column] is None:
                    filled[column] = value
        return tuple(filled)


def _sheet_rows(
    workbook: CalamineWorkbook,
    rows: Iterator[list[object]],
    start: tuple[int, int] | None,
    merged_ranges: Iterable[_Range] = (),
    end: tuple[int, int] | None = None,
) -> _RawRows:
    padding: tuple[None, ...] = (None,) * (start[1] if start else 0)
    merged = _MergedFiller(merged_ranges, end)
    try:
        for index, row in enumerate(rows):
            if "" in row:  # calamine reads a blank cell inside the used range as ""
                row = [None if cell == "" else cell for cell in row]
            cells = padding + tuple(row) if padding else tuple(row)
            # Whether a row is empty is decided on its own cells: a row only covered by a merged
            # range (a town merged down past the last person) stays an ignored empty row.
            blank = _is_blank(cells)
            if not merged.idle:
                cells = merged.fill(index, cells)
            if not blank:
                yield index + 1, cells
    finally:
        workbook.close()


def _detect_csv_encoding(path: Path, limits: UploadLimits) -> str:
    """UTF-8 with a BOM, else strict UTF-8, else GB18030 (what Excel on a Chinese Windows writes).

    The same pass counts the lines: a file with more lines than the row limit is counted exactly (a quoted
    cell may span lines) and refused before any row is read.
    """
    lines = 0
    with path.open("rb") as file:
        if file.read(3) == codecs.BOM_UTF8:
            candidates: tuple[str, ...] = ("utf-8-sig",)
        else:
            candidates = ("utf-8", "gb18030")
        for encoding in candidates:
            file.seek(0)
            # Decoding the whole file in chunks costs one extra read but keeps memory flat, and a
            # decoding error can no longer surprise the importer half-way through the file.
            decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
            lines = 0
            try:
                while chunk := file.read(1 << 20):
                    decoder.decode(chunk)
                    lines += chunk.count(b"\n")
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            break
        else:
            raise FileProblem(
                _(
                    "无法识别 CSV 文件的编码（既不是 UTF-8 也不是 GBK/GB18030），"
                    "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再上传"
                )
            )
    if lines >= limits.max_rows:
        for records, _record in enumerate(_csv_records(path, encoding, limits), start=1):
            if records > limits.max_rows:
                raise csv_too_many_rows(limits.max_rows, limits)
    return encoding


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _bounded_lines(file: TextIO) -> Iterator[str]:
    while line := file.readline(MAX_CSV_LINE_CHARS + 1):
        if len(line) > MAX_CSV_LINE_CHARS:
            raise csv_line_too_long()
        yield line


def _csv_records(path: Path, encoding: str, limits: UploadLimits) -> Iterator[list[str]]:
    with path.open(encoding=encoding, newline="") as file:
        # Whole lines only, so the sniffer never sees a row cut in half.
        sample = "".join(line for _, line in zip(range(50), _bounded_lines(file), strict=False))
        file.seek(0)
        try:
            for record in csv.reader(_bounded_lines(file), delimiter=_sniff_delimiter(sample)):
                if record and max(map(len, record)) > limits.max_cell_chars:
                    raise csv_cell_too_long(limits)
                yield record
        except csv.Error as error:
            raise FileProblem(_("CSV 文件格式有误，无法读取：%(error)s") % {"error": error}) from error


def _csv_rows(path: Path, encoding: str, limits: UploadLimits) -> _RawRows:
    # Records are counted instead of using reader.line_num: a quoted cell spanning several
    # lines is still one row when the user opens the file in Excel.
    for number, record in enumerate(_csv_records(path, encoding, limits), start=1):
        if number > limits.max_rows:
            raise csv_too_many_rows(limits.max_rows, limits)
        cells = tuple(cell or None for cell in record)
        if not _is_blank(cells):
            yield number, cells


# --- writing rejected rows back ----------------------------------------------------------------------

REJECTED_SHEET = gettext_lazy("未导入的行")
REJECTED_NUMBER_HEADER = gettext_lazy("行号")
REJECTED_REASON_HEADER = gettext_lazy("原因")


def _display_width(text: str) -> int:
    # Chinese characters take two columns in Excel's default font.
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


class RejectedWorkbook:
    """An .xlsx of rejected rows the user can correct and upload again, one row appended at a time.

    Columns: 行号 (the row number in the uploaded file), the original columns, 原因. Rows stream to disk as they
    are appended (openpyxl's write-only mode), so a reader can write them while it reads; `save` writes the file.
    """

    def __init__(self, headers: Sequence[str], *, author: object = None, title: str = REJECTED_SHEET) -> None:
        from campaigns.xlsx import XlsxWriter

        self.writer = XlsxWriter(title=str(title), author=author)
        self.sheet = self.writer.sheet(str(REJECTED_SHEET))
        header_row = [str(REJECTED_NUMBER_HEADER), *headers, str(REJECTED_REASON_HEADER)]
        self.sheet.widths([8, *(min(max(_display_width(str(h)) + 2, 12), 40) for h in headers), 60])
        self.sheet.freeze("B2")
        self.sheet.header(header_row)
        self.rows = 0

    def append(self, number: int, cells: Sequence[object], reason: str) -> None:
        self.sheet.append([number, *cells, reason])
        self.rows += 1

    def save(self, path: str | Path | IO[bytes]) -> int:
        """Write the workbook; returns the rows written."""
        self.writer.save(path)
        return self.rows


def write_rejected_workbook(
    path: str | Path | IO[bytes],
    headers: Sequence[str],
    rows: Iterable[tuple[int, Sequence[object], str]],
    *,
    author: object = None,
    title: str = REJECTED_SHEET,
) -> int:
    """Write rejected rows to an .xlsx (see `RejectedWorkbook`); returns the rows written.

    ``rows`` yields ``(row number, original cells, reason)`` and is consumed once; ``author`` is who the file is
    made for.
    """
    workbook = RejectedWorkbook(headers, author=author, title=title)
    for number, cells, reason in rows:
        workbook.append(number, cells, reason)
    return workbook.save(path)


# --- parsing helpers -------------------------------------------------------------------------------
# Messages describe the value only; importers prefix them with the column label, e.g. "参保年月：…".


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _shown(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not normalize_text(value))


_MONTH_PATTERNS = (
    re.compile(r"(?P<year>\d{4})(?P<month>\d{2})"),
    re.compile(r"(?P<year>\d{4})[-/.年](?P<month>\d{1,2})月?"),
)


def _month(year: int, month: int, value: object) -> date:
    if 1900 <= year <= 2100 and 1 <= month <= 12:
        return date(year, month, 1)
    raise ValueError(_("“%(value)s”不是有效的年月，应填写如 2021-06 或 202106") % {"value": _shown(value)})


def parse_month(value: object) -> date:
    """Return the first day of the month written as 202106, 2021-06, 2021/6, 2021.06 or 2021年6月."""
    if _blank(value):
        raise ValueError(_("未填写年月"))
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    if _is_number(value):
        if not math.isfinite(value) or value != int(value):  # type: ignore[arg-type, call-overload]
            # 2021.10 typed into a number cell is stored as 2021.1: October and January look the same.
            raise ValueError(
                _("年月“%(value)s”被存成了小数，无法区分月份，请将该列设置为文本格式后填写如 2021-06")
                % {"value": _shown(value)}
            )
        value = str(int(value))  # type: ignore[call-overload]
    text = normalize_text(value)
    for pattern in _MONTH_PATTERNS:
        if match := pattern.fullmatch(text):
            return _month(int(match["year"]), int(match["month"]), value)
    raise ValueError(_("“%(value)s”不是有效的年月，应填写如 2021-06 或 202106") % {"value": _shown(value)})


_DATE_PATTERNS = (
    re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})"),
    # A trailing time appears when a date-time cell was exported to CSV ("2021-06-03 00:00:00").
    re.compile(r"(?P<year>\d{4})[-/.年](?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})日?(?:\d{1,2}:\d{2}(?::\d{2})?)?"),
)
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 once Excel's fictitious 1900-02-29 is allowed for


def parse_date(value: object) -> date:
    """Parse a date cell, 2021-06-03, 2021/6/3, 2021.6.3, 2021年6月3日, 20210603 or an Excel serial number."""
    if _blank(value):
        raise ValueError(_("未填写日期"))
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if _is_number(value):
        number = float(value)  # type: ignore[arg-type]
        # A date cell whose format was lost shows its serial number; 20000-80000 is 1954 to 2119.
        if 20000 < number < 80000:
            return _EXCEL_EPOCH + timedelta(days=int(number))
        if number.is_integer():
            value = str(int(number))  # 20210603 typed into a number cell
    text = normalize_text(value)
    for pattern in _DATE_PATTERNS:
        if match := pattern.fullmatch(text):
            try:
                return date(int(match["year"]), int(match["month"]), int(match["day"]))
            except ValueError:
                break
    raise ValueError(_("“%(value)s”不是有效的日期，应填写如 2021-06-03") % {"value": _shown(value)})


def parse_whole_number(value: object) -> int:
    """Parse a count: a non-negative integer, as a number cell or as digits."""
    if _blank(value):
        raise ValueError(_("未填写数量"))
    if _is_number(value):
        number = value
    else:
        text = normalize_text(value)
        if not re.fullmatch(r"[-+]?\d+(?:\.\d+)?", text):
            raise ValueError(_("“%(value)s”不是有效的整数") % {"value": _shown(value)})
        number = Decimal(text)
    if not math.isfinite(number) or number != int(number):  # type: ignore[arg-type, call-overload]
        raise ValueError(_("“%(value)s”不是整数") % {"value": _shown(value)})
    if number < 0:  # type: ignore[operator]
        raise ValueError(_("“%(value)s”不能是负数") % {"value": _shown(value)})
    return int(number)  # type: ignore[call-overload]


_AMOUNT = re.compile(r"[¥￥]?(?P<amount>[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)元?")


def parse_decimal(value: object) -> Decimal:
    """Parse a non-negative amount: a number cell, or text such as 330, 330.00, 1,200 or 330元."""
    if _blank(value):
        raise ValueError(_("未填写金额"))
    if isinstance(value, float):
        # str() gives the shortest repr, so 0.1 becomes Decimal("0.1") and not its binary expansion.
        amount = Decimal(str(value))
    elif _is_number(value):
        amount = Decimal(value)  # type: ignore[arg-type]
    else:
        match = _AMOUNT.fullmatch(normalize_text(value))
        if match is None:
            raise ValueError(_("“%(value)s”不是有效的金额") % {"value": _shown(value)})
        amount = Decimal(match["amount"].replace(",", ""))
    if not amount.is_finite():
        raise ValueError(_("“%(value)s”不是有效的金额") % {"value": _shown(value)})
    if amount < 0:
        raise ValueError(_("金额“%(value)s”不能是负数") % {"value": _shown(value)})
    return amount


# What a cell may say (input vocabulary, compared with cell text): not translated.
_YES = {"是", "y", "yes", "1", "true"}
_NO = {"否", "n", "no", "0", "false"}


def parse_yes_no(value: object) -> bool:
    """是/否, Y/N, yes/no, 1/0, true/false (any case); a blank cell means no."""
    if isinstance(value, bool):
        return value
    if _is_number(value) and value in (0, 1):
        return value == 1
    text = normalize_text(value).lower()
    if not text or text in _NO:
        return False
    if text in _YES:
        return True
    raise ValueError(_("“%(value)s”应填写“是”或“否”") % {"value": _shown(value)})
