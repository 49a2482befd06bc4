"""The one way a workbook (or CSV) leaves the application.

Every export goes through `XlsxWriter`, which makes three promises whatever the data holds:

* no cell is ever a formula: text is written as text (``=1+1``, ``@SUM(1)``, ``=HYPERLINK(…)`` stay
  the characters they are), and text that Excel would read as a formula once a user edits the cell is
  marked with Excel's quote prefix; characters the file format forbids are dropped instead of failing;
* the file says who made it and when: in its properties (作者, 创建时间, 说明) and in every sheet's page
  header (页眉), so that each printed page carries it too, without moving the table's rows;
* rows stream (openpyxl's write-only mode), so a workbook of a million rows costs the memory of one row.

CSV is written through `csv_safe` / `CsvWriter`: a value beginning with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return is prefixed with ``'``, so a spreadsheet opening the file never evaluates it.
"""

from __future__ import annotations

import csv
import datetime
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from campaigns.models import User

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# What a spreadsheet takes for the start of a formula (or of a DDE payload) when a user types or opens it.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel's limit for one cell; longer text is cut rather than making a file Excel calls corrupt.
MAX_CELL_CHARS = 32_767
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Styled:
    """A value with its presentation: ``Styled("合计", bold=True)``, ``Styled(0.361, number_format="0.0%")``."""

    value: object
    bold: bool = False
    wrap: bool = False
    number_format: str | None = None


def _person(user: User | str | None) -> str:
    if user is None:
        return _("系统")
    if isinstance(user, str):
        return user
    full_name = user.get_full_name()
    return f"{full_name}（{user.username}）" if full_name else user.username


def _local(moment: datetime.datetime) -> datetime.datetime:
    """Workbooks hold wall-clock times (Excel has no time zones): local time, without tzinfo."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.replace(tzinfo=None)


class XlsxSheet:
    """One sheet of an `XlsxWriter`. ``worksheet`` is openpyxl's, for data validations and the like."""

    def __init__(self, writer: XlsxWriter, worksheet: WriteOnlyWorksheet) -> None:
        self.writer = writer
        self.worksheet = worksheet
        self.rows = 0

    def widths(self, widths: Sequence[float], *, start: int = 1) -> None:
        from openpyxl.utils import get_column_letter

        for index, width in enumerate(widths, start=start):
            self.worksheet.column_dimensions[get_column_letter(index)].width = width

    def hide_columns(self, *letters: str) -> None:
        for letter in letters:
            self.worksheet.column_dimensions[letter].hidden = True

    def freeze(self, cell: str) -> None:
        self.worksheet.freeze_panes = cell

    def header(self, labels: Iterable[object]) -> None:
        self.append([label if isinstance(label, Styled) else Styled(label, bold=True) for label in labels])

    def append(self, values: Iterable[object]) -> None:
        self.worksheet.append([self.cell(value) for value in values])
        self.rows += 1

    def cell(self, value: object) -> WriteOnlyCell | None:
        """The cell for a value; the only place cells are made, so none can be a formula."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Alignment, Font

        style = value if isinstance(value, Styled) else None
        if style is not None:
            value = style.value
        if value is None and style is None:
            return None
        number_format = style.number_format if style else None
        if isinstance(value, bool | int | float | Decimal):
            cell = WriteOnlyCell(self.worksheet, value=value)
        elif isinstance(value, datetime.datetime):
            cell = WriteOnlyCell(self.worksheet, value=_local(value))
            number_format = number_format or DATETIME_FORMAT
        elif isinstance(value, datetime.date):
            cell = WriteOnlyCell(self.worksheet, value=value)
            number_format = number_format or DATE_FORMAT
        elif value is None:
            cell = WriteOnlyCell(self.worksheet, value=None)
        else:
            text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL_CHARS]
            cell = WriteOnlyCell(self.worksheet, value=text)
            # openpyxl infers a formula from a leading "=": the type is set after it, always text.
            cell.data_type = "s"
            # "@" keeps an ID number typed over it as text; the quote prefix keeps "=…" text after an edit.
            number_format = number_format or "@"
            if text.startswith(FORMULA_TRIGGERS):
                cell.quotePrefix = True
        if number_format:
            cell.number_format = number_format
        if style is not None and style.bold:
            cell.font = Font(bold=True)
        if style is not None and style.wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell


class XlsxWriter:
    """A workbook being written. ``author`` is who asked for it (None: the system, e.g. an import)."""

    def __init__(self, *, title: str, author: User | str | None = None, now: datetime.datetime | None = None) -> None:
        from openpyxl import Workbook

        self.title = title
        self.author = _person(author)
        self.now = now or timezone.now()
        self.book = Workbook(write_only=True)
        properties = self.book.properties
        properties.title = title[:255]
        properties.creator = self.author
        properties.lastModifiedBy = self.author
        # openpyxl writes these as UTC (W3CDTF with "Z").
        utc = self.now.astimezone(datetime.UTC).replace(tzinfo=None)
        properties.created = utc
        properties.modified = utc
        properties.description = self.stamp_text

    @property
    def stamp_text(self) -> str:
        return _("导出人：%(who)s　导出时间：%(when)s　本文件含个人信息，请妥善保管，不得外传") % {
            "who": self.author,
            "when": f"{_local(self.now):%Y-%m-%d %H:%M}",
        }

    def sheet(self, title: str) -> XlsxSheet:
        # Sheet titles may not hold []:*?/\ and are at most 31 characters.
        clean = "".join("_" if char in "[]:*?/\\" else char for char in title)[:31] or "Sheet1"
        worksheet = self.book.create_sheet(clean)
        for header in (worksheet.oddHeader, worksheet.evenHeader):
            # "&" starts a header code in Excel: doubled, it is the character itself.
            header.center.text = self.stamp_text.replace("&", "&&")
        return XlsxSheet(self, worksheet)

    def save(self, target: str | Path | IO[bytes]) -> None:
        """Save to a path (created with mode 0600: the file may hold personal data) or a binary file object."""
        if isinstance(target, str | Path):
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                self.book.save(handle)
        else:
            self.book.save(target)


def csv_safe(value: object) -> str:
    """A value for a CSV cell: text a spreadsheet would evaluate gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{_local(value):%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class CsvWriter:
    """Rows to a CSV text stream (UTF-8 with a BOM, so Excel on a Chinese Windows reads it), every value safe."""

    def __init__(self, handle: IO[str], *, bom: bool = True) -> None:
        if bom:
            handle.write("\ufeff")
        self._writer = csv.writer(handle)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow([csv_safe(value) for value in values])
