"""Spreadsheets made the way county staff make them, and valid identifiers built without the code under test.

The check characters are computed here from the standards (GB 11643, GB 32100), not with
`enrolment.identifiers`, so a bug there cannot make a test agree with it.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

_ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [3**i % 31 for i in range(17)]


def id_check(first17: str) -> str:
    remainder = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11
    return "10X98765432"[remainder]


def id_number(region: str, born: str, seq: int) -> str:
    """An 18-digit ID number with its right check character; ``born`` is YYYYMMDD (not validated)."""
    first17 = f"{region}{born}{seq:03d}"
    return first17 + id_check(first17)


def id_ending_in_x(region: str, born: str) -> str:
    for seq in range(1000):
        number = id_number(region, born, seq)
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives X")


def id15_to_18(old: str) -> str:
    first17 = old[:6] + "19" + old[6:]
    return first17 + id_check(first17)


def uscc_check(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def uscc(n: int) -> str:
    body = "91530481" + "".join(_USCC_ALPHABET[(n // 31**i) % 31] for i in range(8, -1, -1))
    return body + uscc_check(body)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def write_xlsx(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[object] | None],
    *,
    title: str | None = "2021年第二批推送清单",
    text_columns: Sequence[int] = (),
) -> Path:
    """A merged title row, a 推送单位/日期 row and a blank row above the header; ``rows`` may hold None rows
    (written fully empty). Columns in ``text_columns`` get the text number format, as staff set for IDs."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "清单"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        sheet.append(["推送单位：玉溪市人力资源和社会保障局", None, None, "日期：2021年6月1日"])
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
        sheet.append([])
    sheet.append(list(header))
    header_row = sheet.max_row
    for offset, row in enumerate(rows, start=1):
        # A None row stays fully empty, as when staff delete a row's contents instead of the row.
        for column, value in enumerate(row or (), start=1):
            sheet.cell(row=header_row + offset, column=column, value=value)
    last_row = header_row + len(rows)
    for column in text_columns:
        for (cell,) in sheet.iter_rows(
            min_row=header_row + 1, max_row=last_row, min_col=column + 1, max_col=column + 1
        ):
            cell.number_format = "@"
    workbook.save(path)
    return path


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[object] | None],
    *,
    encoding: str,
    title: str | None = "中断缴费人员推送清单",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        if title:
            writer.writerow([title] + [""] * (len(header) - 1))
            writer.writerow(["推送单位：玉溪市人社局", "", "日期：2021-06-01"] + [""] * (len(header) - 3))
        writer.writerow(header)
        for row in rows:
            writer.writerow([""] * len(header) if row is None else ["" if c is None else c for c in row])
    return path


def birth(date: datetime.date) -> str:
    return f"{date:%Y%m%d}"
