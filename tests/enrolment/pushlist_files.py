"""Push-list files made the way county staff make them: titles, merged cells, 序号, full-width digits, spaces."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from enrolment.identifiers import make_id_number, make_uscc

PERSON_HEADER = ("序号", "姓名", "性别", "公民身份号码", "所属镇（街道）", "所属村（社区）", "联系电话", "备注")


def person_id(n: int, region: str = "530422") -> str:
    """A valid ID number, distinct for each n below 366,000."""
    return make_id_number(region, datetime.date(1960, 1, 1) + datetime.timedelta(days=n // 1000), n % 1000)


def employer_uscc(n: int) -> str:
    return make_uscc(n)


def write_xlsx(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    title: str | None = "2021年第一批未参保人员推送清单",
    text_columns: Sequence[int] = (),
) -> Path:
    """A workbook with a merged title row and a 推送单位 line above the header, like the municipal files."""
    workbook = Workbook()
    sheet = workbook.active
    offset = 0
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        sheet.append(["推送单位：玉溪市人力资源和社会保障局", None, None, "推送日期：2021年6月1日"])
        offset = 2
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    for column in text_columns:
        for cells in sheet.iter_rows(min_row=offset + 2, min_col=column + 1, max_col=column + 1):
            for cell in cells:
                cell.number_format = "@"
    workbook.save(path)
    return path


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]], *, encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["未参保人员推送清单"])
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if cell is None else cell for cell in row])
    return path


def person_rows(start: int, count: int, *, town: str = "凤麓街道", village: str = "东龙社区") -> list[list[object]]:
    return [
        [i + 1, f"测试{start + i}", "男", person_id(start + i), town, village, "13812345678", ""] for i in range(count)
    ]
