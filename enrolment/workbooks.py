"""The queue as a workbook village staff fill in offline, and reading it back.

Hidden columns carry each entry's id and the version it had when downloaded; the status, reason
and insurance columns have drop-down lists. Reading goes through `enrolment.tabular`, the one
spreadsheet reader, so the header may be moved, retyped in full-width, or have rows above it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from io import BytesIO
from pathlib import Path
from typing import IO, TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.text import normalize_text
from enrolment import columns as terms
from enrolment.identifiers import mask_id_number, mask_personal_text, mask_phone
from enrolment.models import EntryStatus, Insurance, NotDueReason, PushEntry
from enrolment.selectors import shown_key, shown_phone
from enrolment.services.entries import StatusChange
from enrolment.tabular import (
    REJECTED_SHEET,
    Column,
    FileProblem,
    open_table,
    parse_date,
    parse_whole_number,
    write_rejected_workbook,
)

if TYPE_CHECKING:
    from campaigns.models import User

SHEET_TITLE = gettext_lazy("核查表")

# The columns read back on upload: their headers are the file's format (what the reader recognises in a sheet
# downloaded months ago), so they stay as written here rather than follow the catalogue.
ID_HEADER = "系统编号"
VERSION_HEADER = "版本"
STATUS_HEADER = "核查状态"
REASON_HEADER = "无需参保原因"
INSURANCE_HEADER = "参保险种"
DATE_HEADER = "参保日期"
NOTE_HEADER = "备注"

HEADERS = (
    ID_HEADER,
    VERSION_HEADER,
    gettext_lazy("清单类型"),
    gettext_lazy("姓名/单位名称"),
    gettext_lazy("证件号码/统一社会信用代码"),
    gettext_lazy("镇(街道)"),
    gettext_lazy("村(社区)"),
    gettext_lazy("联系电话"),
    gettext_lazy("推送批次"),
    gettext_lazy("推送次数"),
    STATUS_HEADER,
    REASON_HEADER,
    INSURANCE_HEADER,
    DATE_HEADER,
    NOTE_HEADER,
)
_WIDTHS = (8, 6, 16, 22, 22, 12, 16, 14, 14, 8, 12, 20, 24, 12, 40)
_STATUS_COLUMN, _REASON_COLUMN, _INSURANCE_COLUMN, _DATE_COLUMN = "K", "L", "M", "N"

COLUMNS = (
    Column("entry_id", (ID_HEADER,), required=True),
    Column("version", (VERSION_HEADER,), required=True),
    Column("status", (STATUS_HEADER,), required=True),
    Column("not_due_reason", (REASON_HEADER,)),
    Column("insurance", (INSURANCE_HEADER,)),
    Column("enrolled_on", (DATE_HEADER,)),
    Column("note", (NOTE_HEADER,)),
)

EXPORT_FIELDS = (
    "id",
    "kind",
    "key",
    "name",
    "phone",
    "pushed_times",
    "status",
    "not_due_reason",
    "enrolled_insurance",
    "enrolled_on",
    "note",
    "version",
    "town__name",
    "village__name",
    "batch__label",
)


def _lookup(choices: type[EntryStatus] | type[NotDueReason] | type[Insurance]) -> dict[str, str]:
    # Labels are what the drop-down offers; codes are accepted too (someone may paste from the API).
    table = {normalize_text(str(choice.label)): choice.value for choice in choices}
    table.update({choice.value: choice.value for choice in choices})
    return table


_STATUSES = _lookup(EntryStatus)
_REASONS = _lookup(NotDueReason)
_INSURANCES = _lookup(Insurance)


def _list_validation(labels: Iterable[str], column: str, title: str) -> object:
    from openpyxl.worksheet.datavalidation import DataValidation

    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(labels) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=title,
        error=_("请从下拉列表中选择%(title)s") % {"title": title},
    )
    validation.add(f"{column}2:{column}1048576")
    return validation


def write_queue_workbook(
    entries: Iterable[PushEntry], target: IO[bytes] | Path, *, unmasked: bool, author: object = None
) -> int:
    """Write the entries (masked unless ``unmasked``) and return how many rows were written."""
    from campaigns.xlsx import Styled, XlsxWriter

    writer = XlsxWriter(title=str(SHEET_TITLE), author=author)
    sheet = writer.sheet(str(SHEET_TITLE))
    sheet.widths(_WIDTHS)
    # The id and the version are for the upload, not for people.
    sheet.hide_columns("A", "B")
    sheet.freeze("D2")
    validations = (
        ([str(s.label) for s in EntryStatus], _STATUS_COLUMN, STATUS_HEADER),
        ([str(r.label) for r in NotDueReason], _REASON_COLUMN, REASON_HEADER),
        ([str(i.label) for i in Insurance], _INSURANCE_COLUMN, INSURANCE_HEADER),
    )
    for labels, column, title in validations:
        sheet.worksheet.data_validations.append(_list_validation(labels, column, title))
    sheet.header(HEADERS)

    rows = 0
    for entry in entries:
        sheet.append(
            [
                entry.pk,
                entry.version,
                entry.get_kind_display(),
                entry.name,
                shown_key(entry, unmasked=unmasked),
                entry.town.name,
                entry.village.name if entry.village_id else "",
                shown_phone(entry.phone, unmasked=unmasked),
                entry.batch.label,
                entry.pushed_times,
                entry.get_status_display(),
                entry.get_not_due_reason_display() if entry.not_due_reason else None,
                entry.get_enrolled_insurance_display() if entry.enrolled_insurance else None,
                Styled(entry.enrolled_on, number_format="yyyy-mm-dd") if entry.enrolled_on else None,
                entry.note or None,
            ]
        )
        rows += 1
    writer.save(target)
    return rows


def _choice(value: object, table: dict[str, str], what: str) -> str:
    text = normalize_text(value)
    if not text:
        return ""
    try:
        return table[text]
    except KeyError:
        raise ValueError(_("%(what)s“%(text)s”无效，请从下拉列表中选择") % {"what": what, "text": text}) from None


def read_queue_workbook(path: Path, *, original_name: str) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Parse a filled-in workbook into change requests (JSON-ready dicts) and unreadable rows.

    Raises FileProblem when the file is not such a workbook.
    """
    requests: list[dict[str, object]] = []
    problems: list[dict[str, object]] = []
    with open_table(path, COLUMNS, original_name=original_name) as table:
        for row in table.rows:
            values = row.values
            try:
                entry_id = parse_whole_number(values["entry_id"])
            except ValueError:
                problems.append(
                    {"row": row.number, "entry_id": None, "reason": _("系统编号缺失或无效，请勿修改隐藏列")}
                )
                continue
            try:
                version = parse_whole_number(values["version"])
                status = _choice(values["status"], _STATUSES, STATUS_HEADER)
                if not status:
                    raise ValueError(_("未填写核查状态"))
                reason = _choice(values["not_due_reason"], _REASONS, REASON_HEADER)
                insurance = _choice(values["insurance"], _INSURANCES, INSURANCE_HEADER)
                enrolled_on = None
                if normalize_text(values["enrolled_on"]):
                    try:
                        enrolled_on = parse_date(values["enrolled_on"])
                    except ValueError as error:
                        raise ValueError(_("参保日期：%(error)s") % {"error": error}) from None
            except ValueError as error:
                problems.append({"row": row.number, "entry_id": entry_id, "reason": str(error)})
                continue
            note = values["note"]
            if isinstance(note, float) and note.is_integer():
                note = int(note)  # a note of digits typed into a number cell comes back as 123.0
            requests.append(
                {
                    "row": row.number,
                    "entry_id": entry_id,
                    "version": version,
                    "status": status,
                    "not_due_reason": reason,
                    "insurance": insurance,
                    "enrolled_on": enrolled_on.isoformat() if enrolled_on else None,
                    "note": "" if note is None else str(note).strip(),
                }
            )
    return requests, problems


def change_requests(rows: Iterable[dict[str, object]]) -> list[StatusChange]:
    """The stored rows of an upload as service requests."""
    return [
        StatusChange(
            entry_id=int(row["entry_id"]),
            status=str(row["status"]),
            not_due_reason=str(row["not_due_reason"] or ""),
            insurance=str(row["insurance"] or ""),
            enrolled_on=datetime.date.fromisoformat(row["enrolled_on"]) if row["enrolled_on"] else None,
            note=str(row["note"] or ""),
            version=int(row["version"]),
            row=int(row["row"]),
        )
        for row in rows
    ]


# The columns of a rejected row that hold an ID number or a phone, by header.
_MASKERS: dict[str, Callable[[str], str]] = {
    **{normalize_text(header): mask_id_number for header in terms.ID_NUMBER.headers},
    **{normalize_text(header): mask_phone for header in terms.PHONE.headers},
}


def copy_rejected_workbook(source: Path, target: IO[bytes], *, unmasked: bool, author: object) -> int:
    """A stored rejected-rows workbook as its downloader may see it: ID numbers and phones masked unless
    ``unmasked``, and the downloader's name and the time in the file. Returns the rows copied.

    The stored file is our own (written by `write_rejected_workbook` from a checked upload), so it is read
    directly; its columns are found by header (the column vocabulary) and every text is also searched for
    ID-like and mobile-like numbers, since a rejected row may hold them in the wrong column.
    """
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(source)
    try:
        rows = workbook.get_sheet_by_index(0).iter_rows()
        header = [str(cell) for cell in next(rows, [])]
        original = header[1:-1]  # 行号 first, 原因 last
        id_columns = {normalize_text(h) for h in terms.ID_NUMBER.headers}
        phone_columns = {normalize_text(h) for h in terms.PHONE.headers}
        maskers = [
            mask_id_number
            if normalize_text(h) in id_columns
            else mask_phone
            if normalize_text(h) in phone_columns
            else None
            for h in original
        ]

        def shown(value: object, masker: object) -> object:
            if unmasked or value == "" or value is None:
                return None if value == "" else value
            if isinstance(value, float) and value.is_integer():
                value = f"{value:.0f}"
            if masker is not None:
                return masker(str(value))
            return mask_personal_text(value) if isinstance(value, str) else value

        def copied() -> Iterable[tuple[int, list[object], str]]:
            for row in rows:
                number, cells, reason = row[0], row[1:-1], row[-1]
                number = int(number) if isinstance(number, float) else number
                yield (
                    number,
                    [shown(cell, masker) for cell, masker in zip(cells, maskers, strict=False)],
                    str(shown(str(reason), None) or ""),
                )

        return write_rejected_workbook(target, original, copied(), author=author, title=REJECTED_SHEET)
    finally:
        workbook.close()


__all__ = ["FileProblem", "change_requests", "copy_rejected_workbook", "read_queue_workbook", "write_queue_workbook"]


def write_import_template(*, title: str, columns: Sequence[Column], author: User | None) -> bytes:
    """An importer's template: the headers it reads, required ones first-class, one example row; and a sheet
    saying which columns are required and what other headers are accepted for each."""
    from campaigns.xlsx import Styled, XlsxWriter

    writer = XlsxWriter(title=title, author=author)
    sheet = writer.sheet(title)
    sheet.widths([max(12, 2.2 * len(column.label) + 4) for column in columns])
    sheet.header(Styled(column.label, bold=True, fill="fff3cd" if column.required else None) for column in columns)
    sheet.append(terms.example_for(column) for column in columns)
    sheet.freeze("A2")
    notes = writer.sheet(_("填写说明"))
    notes.widths([24, 10, 60])
    notes.header([_("列名"), _("是否必填"), _("也可使用的表头")])
    for column in columns:
        notes.append([column.label, _("必填") if column.required else _("选填"), "、".join(column.headers[1:])])
    notes.append([])
    notes.append(
        [
            _(
                "第一行为表头（必填列在模板中以黄色标出），第二行为示例，请删除示例行后填写；列的顺序不限，其他列会被忽略。"
            )
        ]
    )
    buffer = BytesIO()
    writer.save(buffer)
    return buffer.getvalue()
