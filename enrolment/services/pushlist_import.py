"""Importing a push list (推送清单): parse, normalise, validate and deduplicate every row, then store the batch.

One code path serves the command line, the Celery task behind the upload page and the Django admin.

The work is split in two:

* `pushlist_analyse` reads the file and checks every row in Python, writing nothing. It keeps only what
  will be stored (normalised values) and the rejected rows (with their original cells), one row at a time,
  so memory stays bounded by the size of the list rather than the size of the spreadsheet's Python objects.
* `_store` writes the result in one transaction with a constant number of set-based statements: on
  PostgreSQL the keys are COPYed into a temporary table and ONE ``UPDATE … FROM … RETURNING`` both finds
  the entries already held and records that they were pushed again; the new entries and the push records
  are COPYed in. Other databases (SQLite in the embedded mode) use bulk_create and chunked ``IN`` lookups.

Progress: the import runs inside one transaction, so a progress figure written inside it would be invisible
to the batch page until the end. It is written outside: always to the cache, and on PostgreSQL also to the
batch row through a second, autocommit database connection (the worker and the web server rarely share a
local-memory cache, but they always share the database). The main transaction never touches the batch row
until it has finished reading, so the two connections cannot wait on each other's row lock.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from django.core.cache import cache
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, User
from campaigns.places import PlaceError, Places
from campaigns.text import normalize_spaced_text, normalize_text
from enrolment import columns as terms
from enrolment.identifiers import IdentifierError, normalize_id_number, normalize_uscc
from enrolment.models import Batch, EntryPush, ImportStatus, ListKind, PushEntry
from enrolment.services._claims import (
    import_claimed_run,
    import_fail,
    import_fail_crashed,
    import_files_delete,
    upload_digest,
    upload_record,
)
from enrolment.services._progress import progress_changed
from enrolment.services._row_progress import RowProgress, row_progress
from enrolment.services.matching import matching_request
from enrolment.tabular import Column, DataRow, FileProblem, open_table, parse_month, parse_whole_number

logger = logging.getLogger(__name__)

__all__ = [
    "PROGRESS_EVERY",
    "Analysis",
    "ImportRefused",
    "ImportResult",
    "batch_create",
    "batch_import",
    "batch_progress",
    "batch_submit",
    "columns_for",
    "pushlist_analyse",
    "pushlist_import",
]

PROGRESS_EVERY = 5000
# How many rows a preview keeps to show the user what the file looked like.
PREVIEW_ROWS = 20
_SQLITE_CHUNK = 500
# How many distinct town and village cells a row check remembers (a hostile file may spell each differently).
_RESOLVED_MAX = 10_000


class ImportRefused(Exception):
    """The upload is refused before anything is read (same file twice, unknown kind); a Chinese message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- columns -----------------------------------------------------------------------------------------


def columns_for(kind: str) -> tuple[Column, ...]:
    """The columns read for a kind of list; ``key`` is the ID number or the credit code."""
    employer = kind in ListKind.employer_kinds()
    columns = [
        (terms.EMPLOYER_NAME if employer else terms.PERSON_NAME).column("name", required=True),
        (terms.USCC if employer else terms.ID_NUMBER).column("key", required=True),
        terms.TOWN.column("town", required=True),
        terms.VILLAGE.column("village"),
        terms.PHONE.column("phone"),
        terms.ADDRESS.column("address"),
    ]
    if kind == ListKind.EMPLOYED_PERSON:
        columns.append(terms.WORKPLACE.column("employer_name"))
    if kind == ListKind.INTERRUPTED:
        columns += [terms.LAST_PAID.column("last_paid"), terms.INTERRUPTED_INSURANCE.column("insurance")]
    if employer:
        columns += [
            terms.LEGAL_REP.column("legal_rep"),
            terms.EMPLOYEES.column("employees"),
            terms.INDUSTRY.column("industry"),
        ]
    return tuple(columns)


# --- analysis (reads, writes nothing) ------------------------------------------------------------------


class CheckedRow(NamedTuple):
    """The normalised values of one row to store (a tuple underneath: 100,000 of them must stay small)."""

    row_number: int
    key: str
    name: str
    town_id: int
    village: str
    phone: str
    address: str
    employer_name: str
    last_paid: date | None
    interrupted_insurance: str
    legal_rep: str
    employees: int | None
    industry: str


# Text columns and the CheckedRow field each is stored in, with its label for messages.
_TEXT_FIELDS = (
    ("phone", "phone", terms.PHONE.label),
    ("address", "address", terms.ADDRESS.label),
    ("employer_name", "employer_name", terms.WORKPLACE.label),
    ("insurance", "interrupted_insurance", terms.INTERRUPTED_INSURANCE.label),
    ("legal_rep", "legal_rep", terms.LEGAL_REP.label),
    ("industry", "industry", terms.INDUSTRY.label),
)


@dataclass
class Analysis:
    """What a file holds, row by row, before anything is stored."""

    kind: str
    headers: tuple[str, ...]
    rows_total: int = 0
    # First occurrence of each valid key, in file order.
    rows: list[CheckedRow] = field(default_factory=list)
    # Later rows repeating a key of `rows`: (row number, key).
    repeats: list[tuple[int, str]] = field(default_factory=list)
    rejected: list[tuple[int, tuple[Any, ...], str]] = field(default_factory=list)
    # The first rows of the file as read, for a preview: (row number, cells).
    preview: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    # Keys already held from earlier batches (filled in by the held-key lookup).
    held: set[str] = field(default_factory=set)
    # The county's towns and villages the rows were resolved against.
    places: Places | None = field(default=None, repr=False)

    @property
    def duplicates(self) -> int:
        return len(self.repeats) + sum(1 for row in self.rows if row.key in self.held)

    @property
    def imported(self) -> int:
        return len(self.rows) - len(self.held)


def _text(value: object) -> str:
    """A free-text cell: whitespace runs collapsed to one space, full-width ASCII folded."""
    if value is None:
        return ""
    if type(value) is str:
        return " ".join(value.split()) if value.isascii() else normalize_spaced_text(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a number cell
    return normalize_spaced_text(str(value))


class _RowChecker:
    def __init__(self, *, kind: str, places: Places) -> None:
        self.employer = kind in ListKind.employer_kinds()
        self.normalize_key = normalize_uscc if self.employer else normalize_id_number
        self.name_label = terms.EMPLOYER_NAME.label if self.employer else terms.PERSON_NAME.label
        self.places = places
        self.max_length = {f.name: f.max_length for f in PushEntry._meta.concrete_fields if f.max_length}
        declared = {column.field for column in columns_for(kind)}
        # Only the text columns this kind reads: a person list has no legal representative to clean.
        self.text_fields = [spec for spec in _TEXT_FIELDS if spec[0] in declared]
        self.no_texts = dict.fromkeys((model_field for _c, model_field, _l in _TEXT_FIELDS), "")

        # A list names a handful of towns and villages over and over: each cell text is resolved once.
        # Keyed by type too, since 1, 1.0 and True are equal keys but different cells.
        self.town_ids: dict[tuple[type, object], int] = {}
        self.villages: dict[tuple[type, object], str] = {}

    def _town_id(self, value: object) -> int:
        found = self.town_ids.get((type(value), value))
        if found is None:
            found = self.places.town(value).pk
            if len(self.town_ids) < _RESOLVED_MAX:
                self.town_ids[type(value), value] = found
        return found

    def _village(self, value: object) -> str:
        found = self.villages.get((type(value), value))
        if found is None:
            found = self.places.village(value)
            if len(self.villages) < _RESOLVED_MAX:  # a file of all-different villages resolves each row
                self.villages[type(value), value] = found
        return found

    def too_long(self, label: str, limit: int) -> str:
        return _("%(label)s过长（超过 %(n)d 个字）") % {"label": label, "n": limit}

    def check(self, row: DataRow) -> tuple[CheckedRow | None, str]:
        values = row.values
        reasons: list[str] = []
        try:
            key = self.normalize_key(values["key"])
        except IdentifierError as error:
            key = ""
            reasons.append(error.message)
        # Person names lose every space ("张 三" is 张三); employer names keep single spaces between words.
        name = _text(values["name"]) if self.employer else normalize_text(values["name"])
        if not name:
            reasons.append(_("缺少%(label)s") % {"label": self.name_label})
        elif len(name) > self.max_length["name"]:
            reasons.append(self.too_long(self.name_label, self.max_length["name"]))
        town_id = 0
        village = ""
        try:
            town_id = self._town_id(values["town"])
            village = self._village(values.get("village"))
        except PlaceError as error:
            reasons.append(error.message)
        texts = self.no_texts.copy()
        for column, model_field, label in self.text_fields:
            text = _text(values[column])
            if len(text) > self.max_length[model_field]:
                reasons.append(self.too_long(label, self.max_length[model_field]))
            texts[model_field] = text
        employees = None
        if values.get("employees") is not None and normalize_text(values["employees"]):
            try:
                employees = parse_whole_number(values["employees"])
            except ValueError as error:
                reasons.append(f"{terms.EMPLOYEES.label}：{error}")
        last_paid = None
        if values.get("last_paid") is not None and normalize_text(values["last_paid"]):
            try:
                last_paid = parse_month(values["last_paid"])
            except ValueError as error:
                reasons.append(f"{terms.LAST_PAID.label}：{error}")
        if reasons:
            return None, "；".join(reasons)
        checked = CheckedRow(row.number, key, name, town_id, village, employees=employees, last_paid=last_paid, **texts)
        return checked, ""


def _progress(batch_id: int | None) -> RowProgress:
    return RowProgress(Batch, batch_id, progress_cache_key(batch_id) if batch_id is not None else "")


def progress_cache_key(batch_id: int) -> str:
    return f"pushlist-import-progress:{batch_id}"


def batch_progress(batch: Batch) -> tuple[int, int]:
    """(rows done, rows total) of a batch: the freshest of the batch row and the cache."""
    return row_progress(batch, progress_cache_key(batch.pk), running=batch.status == ImportStatus.RUNNING)


def pushlist_analyse(
    *,
    campaign: Campaign,
    kind: str,
    path: str | Path,
    file_name: str | None = None,
    progress: RowProgress | None = None,
) -> Analysis:
    """Read and check every row of a push list; raises `FileProblem` for a file that cannot be imported."""
    places = Places(campaign.county_id)
    checker = _RowChecker(kind=kind, places=places)
    first_of: dict[str, int] = {}
    with open_table(path, columns_for(kind), original_name=file_name) as table:
        analysis = Analysis(kind=kind, headers=table.headers, places=places)
        rows, repeats, rejected, preview = analysis.rows, analysis.repeats, analysis.rejected, analysis.preview
        count = 0
        for row in table.rows:
            count += 1
            if count <= PREVIEW_ROWS:
                preview.append((row.number, row.cells))
            checked, reason = checker.check(row)
            if checked is None:
                rejected.append((row.number, row.cells, reason))
            elif checked.key in first_of:
                repeats.append((row.number, checked.key))
            else:
                first_of[checked.key] = row.number
                rows.append(checked)
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
        analysis.rows_total = count
    return analysis


# --- storing ---------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    batch: Batch | None
    rows_total: int
    imported: int
    duplicates: int
    rejected: int
    # The rejected-rows workbook on disk (the batch's file, or a temporary file for a dry run).
    rejected_path: str | None
    analysis: Analysis

    @property
    def counts_line(self) -> str:
        return f"imported={self.imported} duplicates={self.duplicates} rejected={self.rejected}"


def _copy_value(value: object) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# COPY's text format: backslash, tab, newline and carriage return escaped (str.translate: one pass in C).
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_expert(cursor: Any, sql: str, buffer: io.StringIO) -> None:
    """Every COPY goes through here (the raw psycopg2 cursor: Django's query log does not see it)."""
    cursor.copy_expert(sql, buffer)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _lock_kind(cursor: Any, campaign: Campaign, kind: str) -> None:
    # Two imports of the same kind into the same campaign take turns, so neither can insert a key the
    # other has just found missing; imports of other kinds run side by side.
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [campaign.pk, ListKind.values.index(kind)])


def _held_keys_postgresql(
    cursor: Any, *, campaign: Campaign, analysis: Analysis, batch: Batch | None
) -> dict[str, int]:
    """Keys of this file already held, as key → entry id, found in one set operation.

    With a batch, the same statement records the new push on each held entry (pushed_times, last batch).
    """
    counts = Counter(row.key for row in analysis.rows)
    counts.update(key for _number, key in analysis.repeats)
    cursor.execute("CREATE TEMPORARY TABLE pushlist_keys (key varchar(18) PRIMARY KEY, n integer) ON COMMIT DROP")
    # Normalised keys are digits and capital letters: nothing to escape in COPY's text format.
    buffer = io.StringIO("".join([f"{key}\t{n}\n" for key, n in counts.items()]))
    copy_expert(cursor, "COPY pushlist_keys (key, n) FROM STDIN", buffer)
    # Without statistics the planner guesses the table's size and hash-joins a scan of every held entry;
    # with them it looks each key up in the (campaign, kind, key) index.
    cursor.execute("ANALYZE pushlist_keys")
    entry = _quote(PushEntry._meta.db_table)
    if batch is None:
        cursor.execute(
            f"SELECT e.key, e.id FROM {entry} e JOIN pushlist_keys k ON k.key = e.key "
            "WHERE e.campaign_id = %s AND e.kind = %s",
            [campaign.pk, analysis.kind],
        )
    else:
        cursor.execute(
            f"UPDATE {entry} e SET pushed_times = e.pushed_times + k.n, last_pushed_batch_id = %s "
            "FROM pushlist_keys k WHERE e.campaign_id = %s AND e.kind = %s AND e.key = k.key "
            "RETURNING e.key, e.id",
            [batch.pk, campaign.pk, analysis.kind],
        )
    held = dict(cursor.fetchall())
    # Dropped now rather than at commit: inside a caller's transaction another import may follow.
    cursor.execute("DROP TABLE pushlist_keys")
    return held


def _held_keys_portable(*, campaign: Campaign, analysis: Analysis, batch: Batch | None) -> dict[str, int]:
    keys = [row.key for row in analysis.rows]
    held: dict[str, int] = {}
    entries = PushEntry.objects.filter(campaign=campaign, kind=analysis.kind)
    for start in range(0, len(keys), _SQLITE_CHUNK):
        held.update(entries.filter(key__in=keys[start : start + _SQLITE_CHUNK]).values_list("key", "id"))
    if batch is not None and held:
        counts = Counter(key for key in (row.key for row in analysis.rows) if key in held)
        counts.update(key for _number, key in analysis.repeats if key in held)
        by_count: dict[int, list[int]] = {}
        for key, n in counts.items():
            by_count.setdefault(n, []).append(held[key])
        for n, ids in by_count.items():
            for start in range(0, len(ids), _SQLITE_CHUNK):
                PushEntry.objects.filter(pk__in=ids[start : start + _SQLITE_CHUNK]).update(
                    pushed_times=F("pushed_times") + n, last_pushed_batch=batch
                )
    return held


def _held_keys(*, campaign: Campaign, analysis: Analysis, batch: Batch | None) -> dict[str, int]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            return _held_keys_postgresql(cursor.cursor, campaign=campaign, analysis=analysis, batch=batch)
    return _held_keys_portable(campaign=campaign, analysis=analysis, batch=batch)


def _villages(places: Places, rows: Sequence[CheckedRow]) -> dict[tuple[int, str], int]:
    """(town id, village name) → village id for every village the rows name, creating the unknown ones."""
    places.villages_create_missing((row.town_id, row.village) for row in rows)
    return {(row.town_id, row.village): places.village_id(row.town_id, row.village) for row in rows if row.village}


# The PushEntry columns a CheckedRow fills in, in the order they are COPYed.
_FROM_ROW = (
    "key",
    "name",
    "town_id",
    "phone",
    "address",
    "employer_name",
    "last_paid",
    "interrupted_insurance",
    "legal_rep",
    "employees",
    "industry",
)
# Computed per row by the importer.
_PER_ROW = ("village_id", "pushed_times")


def _entry_constants(batch: Batch, campaign: Campaign) -> tuple[list[str], list[object]]:
    """The PushEntry columns that are the same for every new entry of a batch, and their values.

    Taken from the model (defaults, auto_now_add), so a field added later gets its default instead of
    breaking the COPY.
    """
    template = PushEntry(campaign=campaign, kind=batch.kind, batch=batch, last_pushed_batch=batch)
    columns: list[str] = []
    values: list[object] = []
    for model_field in PushEntry._meta.concrete_fields:
        if model_field.primary_key or model_field.column in _FROM_ROW or model_field.column in _PER_ROW:
            continue
        columns.append(model_field.column)
        values.append(model_field.get_db_prep_save(model_field.pre_save(template, add=True), connection))
    return columns, values


def _insert_postgresql(
    cursor: Any, *, batch: Batch, campaign: Campaign, rows: Sequence[CheckedRow], times: Counter[str], places: Places
) -> dict[str, int]:
    villages = _villages(places, rows)
    const_columns, constants = _entry_constants(batch, campaign)
    const_text = "\t".join(_copy_value(value) for value in constants)
    table = _quote(PushEntry._meta.db_table)

    buffer = io.StringIO()
    write = buffer.write
    escape = _COPY_ESCAPES
    null = "\\N"
    for row in rows:
        # The columns of _FROM_ROW, then _PER_ROW, typed as CheckedRow declares them (one pass, no dispatch).
        village_id = villages.get((row.town_id, row.village)) if row.village else None
        write(
            f"{row.key}\t{row.name.translate(escape)}\t{row.town_id}\t{row.phone.translate(escape)}\t"
            f"{row.address.translate(escape)}\t{row.employer_name.translate(escape)}\t"
            f"{null if row.last_paid is None else row.last_paid.isoformat()}\t"
            f"{row.interrupted_insurance.translate(escape)}\t{row.legal_rep.translate(escape)}\t"
            f"{null if row.employees is None else row.employees}\t{row.industry.translate(escape)}\t"
            f"{null if village_id is None else village_id}\t{1 + times[row.key]}\t{const_text}\n"
        )
    buffer.seek(0)
    columns = [*_FROM_ROW, *_PER_ROW, *const_columns]
    copy_expert(cursor, f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
    repeated = sorted(times)
    if not repeated:
        return {}
    cursor.execute(f"SELECT key, id FROM {table} WHERE batch_id = %s AND key = ANY(%s)", [batch.pk, repeated])
    return dict(cursor.fetchall())


def _insert_portable(
    *, batch: Batch, campaign: Campaign, rows: Sequence[CheckedRow], times: Counter[str], places: Places
) -> dict[str, int]:
    villages = _villages(places, rows)
    PushEntry.objects.bulk_create(
        (
            PushEntry(
                campaign=campaign,
                kind=batch.kind,
                batch=batch,
                last_pushed_batch=batch,
                village_id=villages.get((row.town_id, row.village)) if row.village else None,
                pushed_times=1 + times[row.key],
                **{name: getattr(row, name) for name in _FROM_ROW},
            )
            for row in rows
        ),
        batch_size=1000,
    )
    repeated = sorted(times)
    created: dict[str, int] = {}
    for start in range(0, len(repeated), _SQLITE_CHUNK):
        keys = repeated[start : start + _SQLITE_CHUNK]
        created.update(PushEntry.objects.filter(batch=batch, key__in=keys).values_list("key", "id"))
    return created


def _store(*, batch: Batch, campaign: Campaign, analysis: Analysis) -> None:
    """Write the checked rows of a batch. Runs inside the caller's transaction."""
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor
            _lock_kind(cursor, campaign, analysis.kind)
            # Django's foreign keys are deferred: checked at commit, ~700,000 queued trigger events for a
            # 100,000-row list. Checked as each row goes in instead, they cost less and hold no queue.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            held = _held_keys_postgresql(cursor, campaign=campaign, analysis=analysis, batch=batch)
    else:
        held = _held_keys_portable(campaign=campaign, analysis=analysis, batch=batch)
    analysis.held = set(held)

    new_rows = [row for row in analysis.rows if row.key not in held]
    times = Counter(key for _number, key in analysis.repeats if key not in held)
    if postgresql:
        with connection.cursor() as wrapper:
            created = _insert_postgresql(
                wrapper.cursor, batch=batch, campaign=campaign, rows=new_rows, times=times, places=analysis.places
            )
    else:
        created = _insert_portable(batch=batch, campaign=campaign, rows=new_rows, times=times, places=analysis.places)

    # A push record for every push of a key after its first: the first is the entry's own batch (and row 1
    # of its pushed_times). So: each row of a key already held, and each later row repeating a key in the file.
    entry_of = {**held, **created}
    pushes = [(held[row.key], batch.pk, row.row_number) for row in analysis.rows if row.key in held]
    pushes += [(entry_of[key], batch.pk, number) for number, key in analysis.repeats]
    if postgresql:
        with connection.cursor() as wrapper:
            buffer = io.StringIO("".join([f"{entry}\t{batch_id}\t{number}\n" for entry, batch_id, number in pushes]))
            table = _quote(EntryPush._meta.db_table)
            copy_expert(wrapper.cursor, f"COPY {table} (entry_id, batch_id, row_number) FROM STDIN", buffer)
            # Back to Django's default for whatever else the caller's transaction does.
            wrapper.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        EntryPush.objects.bulk_create(
            (EntryPush(entry_id=entry, batch_id=batch_id, row_number=number) for entry, batch_id, number in pushes),
            batch_size=1000,
        )
    # The push-list work is counted with the progress figures: new entries ask for a (coalesced) recompute.
    progress_changed(campaign_id=campaign.pk)
    # New entries are matched against the departments' lists (and the business system's records), coalesced.
    matching_request(campaign_id=campaign.pk)


def _write_rejected(analysis: Analysis, path: str | Path) -> None:
    from enrolment.tabular import write_rejected_workbook

    write_rejected_workbook(path, analysis.headers, analysis.rejected)


def _finish(batch: Batch, analysis: Analysis) -> None:
    batch.rows_total = batch.rows_done = analysis.rows_total
    batch.imported = analysis.imported
    batch.duplicates = analysis.duplicates
    batch.rejected = len(analysis.rejected)
    batch.status = ImportStatus.DONE
    batch.error = ""
    batch.finished_at = timezone.now()
    if analysis.rejected:
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
            _write_rejected(analysis, handle.name)
            batch.rejected_file.save(f"batch-{batch.pk}-rejected.xlsx", File(handle), save=False)
    batch.save()


def _refuse_same_file(*, campaign: Campaign, kind: str, sha256: str) -> None:
    earlier = (
        Batch.objects.filter(campaign=campaign, kind=kind, sha256=sha256).exclude(status=ImportStatus.FAILED).first()
    )
    if earlier is not None:
        raise ImportRefused(
            _("该文件已于 %(when)s 作为“%(label)s”导入（同一清单类型、内容完全相同），不能重复导入")
            % {"when": timezone.localtime(earlier.uploaded_at).strftime("%Y-%m-%d %H:%M"), "label": earlier.label}
        )


def check_kind(kind: str) -> None:
    if kind not in ListKind.values:
        choices = "、".join(f"{value}（{label}）" for value, label in ListKind.choices)
        raise ImportRefused(_("未知的清单类型“%(kind)s”，可选：%(choices)s") % {"kind": kind, "choices": choices})


def _default_label(file_name: str) -> str:
    return Path(file_name).stem[:100] or timezone.localdate().isoformat()


def pushlist_import(
    *,
    campaign: Campaign,
    kind: str,
    path: str | Path,
    file_name: str | None = None,
    label: str = "",
    uploaded_by: User | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import a push list at once (the command line): all of it, or on any error none of it.

    Raises `ImportRefused` (unknown kind, the same file again) or `FileProblem` before writing anything.
    A dry run checks every row and counts duplicates against the entries held, and writes nothing in the
    database; its rejected rows go to a temporary workbook.
    """
    check_kind(kind)
    path = Path(path)
    file_name = file_name or path.name
    sha256 = Batch.digest(path)
    _refuse_same_file(campaign=campaign, kind=kind, sha256=sha256)
    analysis = pushlist_analyse(campaign=campaign, kind=kind, path=path, file_name=file_name)

    if dry_run:
        with transaction.atomic():
            analysis.held = set(_held_keys(campaign=campaign, analysis=analysis, batch=None))
            transaction.set_rollback(True)
        rejected_path = None
        if analysis.rejected:
            handle, rejected_path = tempfile.mkstemp(prefix="pushlist-rejected-", suffix=".xlsx")
            os.close(handle)
            _write_rejected(analysis, rejected_path)
        return _result(None, analysis, rejected_path)

    batch = Batch(
        campaign=campaign,
        kind=kind,
        label=label or _default_label(file_name),
        file_name=file_name,
        sha256=sha256,
        uploaded_by=uploaded_by,
        status=ImportStatus.RUNNING,
        started_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            with path.open("rb") as handle:
                batch.file.save(file_name, File(handle), save=False)
            batch.save()
            _store(batch=batch, campaign=campaign, analysis=analysis)
            _finish(batch, analysis)
    except IntegrityError as error:
        import_files_delete(batch, "file", "rejected_file")
        if (
            Batch.objects.filter(campaign=campaign, kind=kind, sha256=sha256)
            .exclude(status=ImportStatus.FAILED)
            .exists()
        ):
            raise ImportRefused(_("该文件正在由另一个导入任务处理或已导入，不能重复导入")) from error
        raise
    except BaseException:
        import_files_delete(batch, "file", "rejected_file")
        raise
    return _result(batch, analysis, batch.rejected_file.path if batch.rejected_file else None)


def _result(batch: Batch | None, analysis: Analysis, rejected_path: str | None) -> ImportResult:
    return ImportResult(
        batch=batch,
        rows_total=analysis.rows_total,
        imported=analysis.imported,
        duplicates=analysis.duplicates,
        rejected=len(analysis.rejected),
        rejected_path=rejected_path,
        analysis=analysis,
    )


@transaction.atomic
def batch_create(
    *,
    campaign: Campaign,
    kind: str,
    upload: File,
    file_name: str,
    label: str = "",
    uploaded_by: User | None = None,
) -> Batch:
    """Record an upload as a queued batch (the upload page and the admin); `batch_import` does the work."""
    check_kind(kind)
    sha256 = upload_digest(upload)
    _refuse_same_file(campaign=campaign, kind=kind, sha256=sha256)
    batch = Batch(
        campaign=campaign,
        kind=kind,
        label=label or _default_label(file_name),
        file_name=file_name,
        sha256=sha256,
        uploaded_by=uploaded_by,
        status=ImportStatus.QUEUED,
    )
    upload_record(batch, upload=upload, file_name=file_name, audit_as="batch", user=uploaded_by, refused=ImportRefused)
    return batch


def batch_submit(
    *,
    campaign: Campaign,
    kind: str,
    upload: File,
    file_name: str,
    label: str = "",
    uploaded_by: User | None = None,
) -> Batch:
    """Queue an upload for import: the batch is recorded now, the Celery task runs once it is committed."""
    from enrolment.tasks import batch_import_task

    batch = batch_create(
        campaign=campaign, kind=kind, upload=upload, file_name=file_name, label=label, uploaded_by=uploaded_by
    )
    transaction.on_commit(lambda: batch_import_task.delay(batch.pk))
    return batch


def batch_import(*, batch_id: int) -> Batch | None:
    """Run a queued batch: claim it (queued → running), import it all or nothing, record the outcome.

    Returns None when the batch cannot be claimed (being imported by another worker, or finished): a
    task delivered twice does the work once. A file-level problem or a crash marks the batch failed, with
    the reason, outside the import transaction; the same file may then be uploaded again.
    """
    return import_claimed_run(Batch, batch_id, _run, related=("campaign",))


def _run(batch: Batch) -> None:
    progress = _progress(batch.pk)
    try:
        analysis = pushlist_analyse(
            campaign=batch.campaign,
            kind=batch.kind,
            path=batch.file.path,
            file_name=batch.file_name,
            progress=progress,
        )
        progress(analysis.rows_total, analysis.rows_total)
        progress.close()
        with transaction.atomic():
            _store(batch=batch, campaign=batch.campaign, analysis=analysis)
            _finish(batch, analysis)
    except FileProblem as problem:
        import_files_delete(batch, "rejected_file")
        import_fail(Batch, batch.pk, message=problem.message, rejected_file="")
    except Exception as error:  # noqa: BLE001 - whatever went wrong, the admin must see the batch failed
        import_files_delete(batch, "rejected_file")
        import_fail_crashed(Batch, batch.pk, error, rejected_file="")
    finally:
        progress.close()
        cache.delete(progress_cache_key(batch.pk))
