"""The region tree's csv (code, name, parent code): read and checked here, written by `services.regions_load`.

Codes follow GB/T 2260 for provinces, prefectures and counties (6 digits: 530000 云南省, 530400 玉溪市,
530481 澄江市), the 9-digit town codes below a county (530481001) and the 12-digit village codes below a town.
A code's level is read from the code itself, and a code always starts with its parent's significant digits
(2 for a province, 4 for a prefecture, 6 for a county, 9 for a town): a parent code that does not is a typo,
and refusing it is what keeps the tree free of cycles.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from campaigns.models import Region

# A whole province down to its villages is some tens of thousands of lines; anything far larger is not a region
# list, and is refused before it is read into memory.
MAX_BYTES = 32 * 1024 * 1024
MAX_FIELD = 200
NAME_MAX = Region._meta.get_field("name").max_length

LEVEL_DEPTH = {
    Region.Level.PROVINCE: 0,
    Region.Level.PREFECTURE: 1,
    Region.Level.COUNTY: 2,
    Region.Level.TOWN: 3,
    Region.Level.VILLAGE: 4,
}
# The leading digits a region shares with everything below it.
SIGNIFICANT = {
    Region.Level.PROVINCE: 2,
    Region.Level.PREFECTURE: 4,
    Region.Level.COUNTY: 6,
    Region.Level.TOWN: 9,
    Region.Level.VILLAGE: 12,
}


class RegionFileError(ValueError):
    """The file cannot be loaded; ``errors`` are whole Chinese sentences, each naming its line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class RegionRow:
    line: int
    code: str
    name: str
    parent_code: str
    level: str


def level_of(code: str) -> str | None:
    """The level a division code names, or None if it is not one."""
    if not code.isascii() or not code.isdigit():
        return None
    if len(code) == 6:
        if code[2:] == "0000":
            return Region.Level.PROVINCE if code[:2] != "00" else None
        return Region.Level.PREFECTURE if code[4:] == "00" else Region.Level.COUNTY
    if len(code) == 9:
        return Region.Level.TOWN
    if len(code) == 12:
        return Region.Level.VILLAGE
    return None


def _decode(data: bytes) -> str:
    # Excel saves a csv as UTF-8 with a BOM, or in the Windows Chinese code page.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise RegionFileError([_("文件编码无法识别，请另存为 UTF-8 编码的 CSV 文件")]) from None


def read_region_file(path: str | Path) -> list[RegionRow]:
    """Every line of a region csv, checked on its own and against the other lines; `RegionFileError` if any
    line is wrong (all the wrong lines are named, none is loaded)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise RegionFileError([_("找不到文件：%(path)s") % {"path": path}]) from None
    if size > MAX_BYTES:
        raise RegionFileError([_("文件过大（超过 %(mb)s MB），不是行政区划表") % {"mb": MAX_BYTES // 1024 // 1024}])
    text = _decode(path.read_bytes())
    errors: list[str] = []
    rows: list[RegionRow] = []
    seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text))
    line = 0
    while True:
        line += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            errors.append(_("第%(line)s行：不是有效的 CSV 行") % {"line": line})
            continue
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if line == 1 and not cells[0].isdigit():
            continue  # a header line (区划代码,名称,上级代码)
        if any(len(cell) > MAX_FIELD for cell in cells):
            errors.append(_("第%(line)s行：内容过长") % {"line": line})
            continue
        if len(cells) < 2 or len(cells) > 3:
            errors.append(_("第%(line)s行：应为“区划代码,名称,上级代码”三列") % {"line": line})
            continue
        code, name, parent_code = (*cells, "")[:3]
        level = level_of(code)
        where = {"line": line, "code": code}
        if level is None:
            errors.append(
                _("第%(line)s行：区划代码“%(code)s”应为 6 位（省、市、县）、9 位（乡镇）或 12 位（村）数字") % where
            )
            continue
        if not name:
            errors.append(_("第%(line)s行：区划代码“%(code)s”缺少名称") % where)
            continue
        if len(name) > NAME_MAX:
            errors.append(_("第%(line)s行：名称超过 %(max)s 个字") % {**where, "max": NAME_MAX})
            continue
        if code in seen:
            errors.append(_("第%(line)s行：区划代码“%(code)s”与第%(first)s行重复") % {**where, "first": seen[code]})
            continue
        seen[code] = line
        if not parent_code and level != Region.Level.PROVINCE:
            errors.append(
                _("第%(line)s行：%(name)s（%(code)s）缺少上级代码，只有省级区划可以没有上级") % {**where, "name": name}
            )
            continue
        if parent_code == code:
            errors.append(_("第%(line)s行：%(name)s（%(code)s）的上级代码不能是它自己") % {**where, "name": name})
            continue
        rows.append(RegionRow(line=line, code=code, name=name, parent_code=parent_code, level=level))
    if not rows and not errors:
        errors.append(_("文件中没有行政区划"))
    if errors:
        raise RegionFileError(errors)
    return rows


def parent_error(row: RegionRow, parent_level: str | None) -> str | None:
    """Why ``row``'s parent cannot be its parent (None if it can); ``parent_level`` None: no such region."""
    where = {"line": row.line, "code": row.code, "name": row.name, "parent": row.parent_code}
    if parent_level is None:
        return _("第%(line)s行：%(name)s（%(code)s）的上级代码“%(parent)s”既不在文件中，也不在系统中") % where
    if LEVEL_DEPTH[parent_level] >= LEVEL_DEPTH[row.level]:
        return _("第%(line)s行：%(name)s（%(code)s）的上级“%(parent)s”不是更高一级的区划") % where
    if not row.code.startswith(row.parent_code[: SIGNIFICANT[parent_level]]):
        return _("第%(line)s行：%(name)s（%(code)s）的区划代码与上级代码“%(parent)s”不对应") % where
    return None
