"""Importing a push list (推送清单): parse, normalise, validate and deduplicate every row, then store the batch.

One code path serves the command line, the Celery task behind the upload page and the Django admin.

* `_Reading` reads the file and checks every row in Python, writing nothing, a chunk of rows at a time. It
  keeps only what will be stored (normalised values) and the rejected rows (with their original cells), so
  memory stays bounded by the size of the list rather than the size of the spreadsheet's Python objects.
  `pushlist_analyse` is a whole read (the dry run, the admin's preview).
* `_import_rows` stores the batch in the caller's transaction while the file is being read: the reading runs
  one chunk ahead in a thread of its own, and each chunk costs two set-based statements (the keys already held,
  locked; a COPY of the new entries), so the database indexes one chunk while Python checks the next. The keys
  held are read once while the file opens (the database is idle then), so a chunk looks up only the few of its
  keys that are held. Once the file is through, ONE ``UPDATE … FROM … RETURNING`` records every later push of a
  key (pushed_times, the latest batch) and one COPY the push records. Other databases (SQLite in the embedded
  mode) use bulk_create and chunked ``IN`` lookups in the same order.

Progress: the import runs inside one transaction, so a progress figure written inside it would be invisible
to the batch page until the end. It is written outside: always to the cache, and on PostgreSQL also to the
batch row through a second, autocommit database connection (the worker and the web server rarely share a
local-memory cache, but they always share the database). The main transaction never writes the batch row
until it has finished reading (the entries only lock it FOR KEY SHARE, which a progress update does not wait
on), so the two connections cannot wait on each other's row lock.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
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

from campaigns.copying import NULL, copy_expert, copy_value
from campaigns.models import Campaign, User
from campaigns.places import PlaceError, Places
from campaigns.text import normalize_spaced_text, normalize_text
from enrolment import columns as terms
from enrolment.identifiers import IdentifierError, normalize_id_number, normalize_uscc
from enrolment.models import Batch, EntryCount, EntryPush, ImportStatus, ListKind, PushEntry
from enrolment.services._claims import (
    import_claimed_run,
    import_fail,
    import_fail_crashed,
    import_files_delete,
    upload_digest,
    upload_record,
)
from enrolment.services._progress import progress_changed
from enrolment.services._read_ahead import read_ahead
from enrolment.services._row_progress import RowProgress, row_progress
from enrolment.services.matching import matching_request
from enrolment.tabular import (
    Column,
    DataRow,
    FileProblem,
    RejectedWorkbook,
    open_table,
    parse_month,
    parse_whole_number,
    write_rejected_workbook,
)

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

PROGRESS_EVERY = 10_000
_FIRST_CHUNK = 2_000
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
    reading = _Reading(kind=kind, places=Places(campaign.county_id), path=path, file_name=file_name)
    for _rows, _prepared, read, last in reading.chunks():
        if progress is not None and not last:
            progress(read)
    return reading.analysis


class _Reading:
    """One read of a file: its rows checked a chunk at a time, the whole `Analysis` once the last is through.

    Touches no database (it may run in a thread of its own, see `_read_ahead`): the county's places are
    loaded by the caller.
    """

    def __init__(
        self,
        *,
        kind: str,
        places: Places,
        path: str | Path,
        file_name: str | None,
        rejected_path: Path | None = None,
        prepare: Callable[[list[CheckedRow]], list[Any]] | None = None,
    ) -> None:
        self.kind = kind
        self.places = places
        self.path = path
        self.file_name = file_name
        # Where the rejected rows are written as they are found (the workbook is saved after the last chunk).
        self.rejected_path = rejected_path
        # What the store makes of each chunk's rows without the database, made here, ahead (its COPY lines).
        self.prepare = prepare
        self.analysis = Analysis(kind=kind, headers=(), places=places)

    def chunks(self) -> Iterator[tuple[list[CheckedRow], list[Any] | None, int, bool]]:
        """(the new keys' first rows of the next `PROGRESS_EVERY` rows — of the first 2,000 the first time —, what
        `prepare` made of them, rows read so far, whether it is the last)."""
        prepare = self.prepare
        every = PROGRESS_EVERY
        # A short first chunk, so that storing starts soon after the file is opened rather than a chunk later.
        first = min(every, _FIRST_CHUNK)
        checker = _RowChecker(kind=self.kind, places=self.places)
        seen: set[str] = set()
        with open_table(self.path, columns_for(self.kind), original_name=self.file_name) as table:
            analysis = self.analysis
            analysis.headers = table.headers
            rows, repeats, rejected, preview = analysis.rows, analysis.repeats, analysis.rejected, analysis.preview
            workbook: RejectedWorkbook | None = None
            chunk: list[CheckedRow] = []
            count = 0
            for row in table.rows:
                count += 1
                if count <= PREVIEW_ROWS:
                    preview.append((row.number, row.cells))
                checked, reason = checker.check(row)
                if checked is None:
                    rejected.append((row.number, row.cells, reason))
                    if self.rejected_path is not None:
                        if workbook is None:
                            workbook = RejectedWorkbook(analysis.headers)
                        workbook.append(row.number, row.cells, reason)
                elif checked.key in seen:
                    repeats.append((row.number, checked.key))
                else:
                    seen.add(checked.key)
                    chunk.append(checked)
                if count % every == 0 or count == first:
                    rows += chunk
                    yield chunk, prepare(chunk) if prepare else None, count, False
                    chunk = []
            rows += chunk
            analysis.rows_total = count
        yield chunk, prepare(chunk) if prepare else None, count, True
        if workbook is not None:
            workbook.save(self.rejected_path)


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


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _held_keys(*, campaign: Campaign, analysis: Analysis) -> dict[str, int]:
    """Keys of this file already held, as key → entry id (a dry run: nothing is written, nothing locked)."""
    keys = [row.key for row in analysis.rows]
    if connection.vendor != "postgresql":
        return _PortableStore.held_of(campaign=campaign, kind=analysis.kind, keys=keys)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT key, id FROM {_quote(PushEntry._meta.db_table)} "
            "WHERE campaign_id = %s AND kind = %s AND key = ANY(%s)",
            [campaign.pk, analysis.kind, keys],
        )
        return dict(cursor.fetchall())


def _villages(places: Places, rows: Sequence[CheckedRow]) -> dict[tuple[int, str], int]:
    """(town id, village name) → village id for every village the rows name, creating the unknown ones."""
    places.villages_create_missing((row.town_id, row.village) for row in rows)
    return {(row.town_id, row.village): places.village_id(row.town_id, row.village) for row in rows if row.village}


# The PushEntry columns a CheckedRow fills in, in the order they are COPYed: the text ones first, so that a
# row's text is escaped in one go.
_TEXT_FROM_ROW = (
    "key",
    "name",
    "phone",
    "address",
    "employer_name",
    "interrupted_insurance",
    "legal_rep",
    "industry",
)
_FROM_ROW = (*_TEXT_FROM_ROW, "town_id", "last_paid", "employees")
# Set by the importer: the village's id, and pushed_times (1; the pushes after the first are recorded once
# the whole file is read).
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


# The keys already held are read while the file opens when there are at most this many of them, or at most
# twice as many as the rows the file may hold (an xlsx row of a push list takes ~45 bytes): beyond that,
# reading them would take longer, and hold more memory, than looking up the file's own keys.
_HELD_READ_ALWAYS = 20_000
_HELD_READ_PER_FILE_ROW = 2
_XLSX_BYTES_PER_ROW = 40


class _PostgresStore:
    """A batch's rows stored on PostgreSQL: set-based statements a chunk at a time, the new entries COPYed."""

    def __init__(self, cursor: Any, *, batch: Batch, campaign: Campaign, places: Places) -> None:
        self.cursor = cursor
        self.batch = batch
        self.campaign = campaign
        self.places = places
        self.entry_table = _quote(PushEntry._meta.db_table)
        const_columns, constants = _entry_constants(batch, campaign)
        self.const_text = "\t".join(copy_value(value) for value in constants)
        self.copy_sql = f"COPY {self.entry_table} ({', '.join([*_FROM_ROW, *_PER_ROW, *const_columns])}) FROM STDIN"
        # The keys of this kind already held, once `read_held` has read them (else every key is looked up).
        self.held_keys: frozenset[str] | None = None

    def begin(self) -> None:
        # Two imports of the same kind into the same campaign take turns, so neither can insert a key the
        # other has just found missing; imports of other kinds run side by side.
        self.cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [self.campaign.pk, ListKind.values.index(self.batch.kind)]
        )
        # Django's foreign keys are deferred: checked at commit, a queued trigger event a row. Checked as each
        # row goes in instead, they cost less and hold no queue.
        self.cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def read_held(self, *, file_bytes: int) -> None:
        """Read the keys of this kind already held while the file is being opened, so that each chunk looks up
        (and locks) only those of its keys that are held (a few per cent), not all of them.

        Runs after `begin`: under its lock no other import adds a key of this kind before this one commits, and
        nothing but an import adds entries; an entry deleted meanwhile is not found by the lookup, which locks
        the ones it finds. Skipped where the held keys far outnumber the rows the file may hold.
        """
        self.cursor.execute(
            f"SELECT coalesce(sum(entries), 0) FROM {_quote(EntryCount._meta.db_table)} "
            "WHERE campaign_id = %s AND kind = %s",
            [self.campaign.pk, self.batch.kind],
        )
        (held,) = self.cursor.fetchone()
        if held > max(_HELD_READ_ALWAYS, _HELD_READ_PER_FILE_ROW * file_bytes // _XLSX_BYTES_PER_ROW):
            return
        # One string (keys hold no comma): no row object per key on the way.
        self.cursor.execute(
            f"SELECT string_agg(key, ',') FROM {self.entry_table} WHERE campaign_id = %s AND kind = %s",
            [self.campaign.pk, self.batch.kind],
        )
        (keys,) = self.cursor.fetchone()
        self.held_keys = frozenset(keys.split(",")) if keys else frozenset()

    def held(self, keys: Sequence[str]) -> dict[str, int]:
        """The entries already held for these keys, locked as the update recording their push will lock them;
        only the keys `read_held` found held are looked up, where it read them."""
        if self.held_keys is not None:
            held_keys = self.held_keys
            keys = [key for key in keys if key in held_keys]
            if not keys:
                return {}
        # The keys as one string (digits and capital letters, no comma): quicker to send than an array.
        self.cursor.execute(
            f"SELECT key, id FROM {self.entry_table} WHERE campaign_id = %s AND kind = %s "
            "AND key = ANY(string_to_array(%s, ',')) FOR NO KEY UPDATE",
            [self.campaign.pk, self.batch.kind, ",".join(keys)],
        )
        return dict(self.cursor.fetchall())

    def line(self, row: CheckedRow, villages: dict[tuple[int, str], int]) -> str | None:
        """A new entry's COPY line (pushed_times 1), or None while its village has no id yet."""
        village_id = None
        if row.village:
            village_id = villages.get((row.town_id, row.village))
            if village_id is None:
                return None
        # Checked text holds no tab, newline or carriage return (every run of whitespace became one space, or
        # none): only a backslash needs escaping in COPY's text format, and it is rare.
        text = (
            f"{row.key}\t{row.name}\t{row.phone}\t{row.address}\t{row.employer_name}\t"
            f"{row.interrupted_insurance}\t{row.legal_rep}\t{row.industry}"
        )
        if "\\" in text:
            text = text.replace("\\", "\\\\")
        null = NULL
        return (
            f"{text}\t{row.town_id}\t{null if row.last_paid is None else row.last_paid.isoformat()}\t"
            f"{null if row.employees is None else row.employees}\t{null if village_id is None else village_id}\t"
            f"1\t{self.const_text}\n"
        )

    def lines(self, rows: Sequence[CheckedRow]) -> list[str | None]:
        """Every line that can be made without the database (run by the reading, ahead of the store)."""
        villages = self.places.villages_known()
        return [self.line(row, villages) for row in rows]

    def insert(self, rows: Sequence[CheckedRow], lines: Sequence[str | None] | None = None) -> None:
        """COPY new entries, from the ``lines`` made ahead where given; those waiting for a village made here."""
        if not rows:
            return
        made = list(lines) if lines is not None else [None] * len(rows)
        waiting = [i for i, line in enumerate(made) if line is None]
        if waiting:
            villages = _villages(self.places, [rows[i] for i in waiting])
            for i in waiting:
                made[i] = self.line(rows[i], villages)
        copy_expert(self.cursor, self.copy_sql, io.StringIO("".join(made)))

    def pushes(self, counts: Counter[str]) -> dict[str, int]:
        """Record the pushes after a key's first (``counts``: key → how many) on its entry, pushed_times and the
        latest batch, in ONE ``UPDATE … FROM unnest(…) … RETURNING``; the entries' ids by key."""
        if not counts:
            return {}
        keys = list(counts)
        # The arrays are constants, so the planner knows how many keys come and looks each one up in the
        # (campaign, kind, key) index rather than scanning every entry held.
        self.cursor.execute(
            f"UPDATE {self.entry_table} e SET pushed_times = e.pushed_times + k.n, last_pushed_batch_id = %s "
            "FROM unnest(%s::varchar[], %s::integer[]) AS k (key, n) "
            "WHERE e.campaign_id = %s AND e.kind = %s AND e.key = k.key "
            "RETURNING e.key, e.id",
            [self.batch.pk, keys, [counts[key] for key in keys], self.campaign.pk, self.batch.kind],
        )
        return dict(self.cursor.fetchall())

    def push_records(self, pushes: Sequence[tuple[int, int]]) -> None:
        """An `EntryPush` for each (entry id, row number)."""
        batch_id = self.batch.pk
        buffer = io.StringIO("".join([f"{entry_id}\t{batch_id}\t{number}\n" for entry_id, number in pushes]))
        copy_expert(
            self.cursor, f"COPY {_quote(EntryPush._meta.db_table)} (entry_id, batch_id, row_number) FROM STDIN", buffer
        )

    def end(self) -> None:
        # Back to Django's default for whatever else the caller's transaction does.
        self.cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class _PortableStore:
    """The same steps through the ORM (SQLite, the embedded mode): bulk inserts and chunked ``IN`` lookups."""

    def __init__(self, *, batch: Batch, campaign: Campaign, places: Places) -> None:
        self.batch = batch
        self.campaign = campaign
        self.places = places

    def begin(self) -> None:
        pass

    @staticmethod
    def held_of(*, campaign: Campaign, kind: str, keys: Sequence[str]) -> dict[str, int]:
        held: dict[str, int] = {}
        entries = PushEntry.objects.filter(campaign=campaign, kind=kind)
        for start in range(0, len(keys), _SQLITE_CHUNK):
            held.update(entries.filter(key__in=keys[start : start + _SQLITE_CHUNK]).values_list("key", "id"))
        return held

    def read_held(self, *, file_bytes: int) -> None:
        pass

    def held(self, keys: Sequence[str]) -> dict[str, int]:
        return self.held_of(campaign=self.campaign, kind=self.batch.kind, keys=keys)

    def lines(self, rows: Sequence[CheckedRow]) -> None:
        return None

    def insert(self, rows: Sequence[CheckedRow], lines: object = None) -> None:
        villages = _villages(self.places, rows)
        PushEntry.objects.bulk_create(
            (
                PushEntry(
                    campaign=self.campaign,
                    kind=self.batch.kind,
                    batch=self.batch,
                    last_pushed_batch=self.batch,
                    village_id=villages.get((row.town_id, row.village)) if row.village else None,
                    **{name: getattr(row, name) for name in _FROM_ROW},
                )
                for row in rows
            ),
            batch_size=1000,
        )

    def pushes(self, counts: Counter[str]) -> dict[str, int]:
        entry_of = self.held(sorted(counts))
        by_count: dict[int, list[int]] = {}
        for key, n in counts.items():
            by_count.setdefault(n, []).append(entry_of[key])
        for n, ids in by_count.items():
            for start in range(0, len(ids), _SQLITE_CHUNK):
                PushEntry.objects.filter(pk__in=ids[start : start + _SQLITE_CHUNK]).update(
                    pushed_times=F("pushed_times") + n, last_pushed_batch=self.batch
                )
        return entry_of

    def push_records(self, pushes: Sequence[tuple[int, int]]) -> None:
        EntryPush.objects.bulk_create(
            (EntryPush(entry_id=entry_id, batch=self.batch, row_number=number) for entry_id, number in pushes),
            batch_size=1000,
        )

    def end(self) -> None:
        pass


def _import_rows(
    *,
    batch: Batch,
    campaign: Campaign,
    path: str | Path,
    file_name: str,
    rejected_path: Path,
    progress: RowProgress | None = None,
) -> Analysis:
    """Read, check and store every row of a batch's file; runs inside the caller's transaction.

    The file is read one chunk of rows ahead in a thread of its own (`read_ahead`) while each chunk read is
    stored: its keys already held looked up (and locked), its new entries inserted; the keys held are read while
    the file opens, so that a chunk looks up only those it holds. Once the file is through, every push after a
    key's first is recorded in one statement (pushed_times and the latest batch, on the entries held before and
    on the new ones repeated in the file), with an `EntryPush` row for each. The rejected rows are written to
    ``rejected_path`` (when there are any) by the reading, as it finds them.
    """
    places = Places(campaign.county_id)
    with connection.cursor() as wrapper:
        store: _PostgresStore | _PortableStore
        if connection.vendor == "postgresql":
            store = _PostgresStore(wrapper.cursor, batch=batch, campaign=campaign, places=places)
        else:
            store = _PortableStore(batch=batch, campaign=campaign, places=places)
        store.begin()
        reading = _Reading(
            kind=batch.kind,
            places=places,
            path=path,
            file_name=file_name,
            rejected_path=rejected_path,
            prepare=store.lines,
        )
        analysis = reading.analysis
        held: dict[str, int] = {}
        file_bytes = os.path.getsize(path)
        for rows, lines, read, last in read_ahead(
            reading.chunks, meanwhile=lambda: store.read_held(file_bytes=file_bytes)
        ):
            if rows:
                found = store.held([row.key for row in rows])
                held.update(found)
                if found:
                    kept = [i for i, row in enumerate(rows) if row.key not in found]
                    rows = [rows[i] for i in kept]
                    lines = [lines[i] for i in kept] if lines is not None else None
                store.insert(rows, lines)
            if progress is not None and not last:
                progress(read)
        analysis.held = set(held)
        # Every push of a key after its first: each row of a key held before (its first row in this file
        # too), and each later row repeating a key in the file. A new key's first push is its entry's batch.
        counts = Counter(row.key for row in analysis.rows if row.key in held)
        counts.update(key for _number, key in analysis.repeats)
        entry_of = store.pushes(counts)
        pushes = [(entry_of[row.key], row.row_number) for row in analysis.rows if row.key in held]
        pushes += [(entry_of[key], number) for number, key in analysis.repeats]
        store.push_records(pushes)
        store.end()
    # The push-list work is counted with the progress figures: new entries ask for a (coalesced) recompute.
    progress_changed(campaign_id=campaign.pk)
    # New entries are matched against the departments' lists (and the business system's records), coalesced.
    matching_request(campaign_id=campaign.pk)
    return analysis


def _write_rejected(analysis: Analysis, path: str | Path) -> None:
    write_rejected_workbook(path, analysis.headers, analysis.rejected)


def _finish(batch: Batch, analysis: Analysis, rejected_path: Path) -> None:
    """The batch's counts and outcome, and the rejected-rows workbook `_import_rows` wrote, on the batch."""
    batch.rows_total = batch.rows_done = analysis.rows_total
    batch.imported = analysis.imported
    batch.duplicates = analysis.duplicates
    batch.rejected = len(analysis.rejected)
    batch.status = ImportStatus.DONE
    batch.error = ""
    batch.finished_at = timezone.now()
    if analysis.rejected:
        with rejected_path.open("rb") as handle:
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

    Raises `ImportRefused` (unknown kind, the same file again) before reading, `FileProblem` for a file that
    cannot be imported; either way nothing is written. A dry run checks every row and counts duplicates
    against the entries held, and writes nothing in the database; its rejected rows go to a temporary workbook.
    """
    check_kind(kind)
    path = Path(path)
    file_name = file_name or path.name
    sha256 = Batch.digest(path)
    _refuse_same_file(campaign=campaign, kind=kind, sha256=sha256)

    if dry_run:
        analysis = pushlist_analyse(campaign=campaign, kind=kind, path=path, file_name=file_name)
        analysis.held = set(_held_keys(campaign=campaign, analysis=analysis))
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
        with tempfile.TemporaryDirectory(prefix="pushlist-") as scratch, transaction.atomic():
            with path.open("rb") as handle:
                batch.file.save(file_name, File(handle), save=False)
            batch.save()
            rejected_path = Path(scratch) / "rejected.xlsx"
            analysis = _import_rows(
                batch=batch, campaign=campaign, path=path, file_name=file_name, rejected_path=rejected_path
            )
            _finish(batch, analysis, rejected_path)
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
        with tempfile.TemporaryDirectory(prefix="pushlist-") as scratch, transaction.atomic():
            rejected_path = Path(scratch) / "rejected.xlsx"
            analysis = _import_rows(
                batch=batch,
                campaign=batch.campaign,
                path=batch.file.path,
                file_name=batch.file_name,
                rejected_path=rejected_path,
                progress=progress,
            )
            progress(analysis.rows_total, analysis.rows_total)
            # Done with the batch row before this transaction writes it.
            progress.close()
            _finish(batch, analysis, rejected_path)
    except FileProblem as problem:
        import_files_delete(batch, "rejected_file")
        import_fail(Batch, batch.pk, message=problem.message, rejected_file="")
    except Exception as error:  # noqa: BLE001 - whatever went wrong, the admin must see the batch failed
        import_files_delete(batch, "rejected_file")
        import_fail_crashed(Batch, batch.pk, error, rejected_file="")
    finally:
        progress.close()
        cache.delete(progress_cache_key(batch.pk))
