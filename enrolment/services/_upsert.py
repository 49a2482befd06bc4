"""Shared machinery of the "achieved work" imports: one DataImport per upload, set-based upserts.

Rows are validated first (rejected ones go to an xlsx with their reasons), then the valid rows are
compared with what is held in a few chunked lookups and written with bulk INSERT ... ON CONFLICT DO
UPDATE (PostgreSQL and SQLite both), in one transaction: a crash leaves the database as it was.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, User
from enrolment.models import DataImport, ImportStatus
from enrolment.services._claims import import_fail, import_fail_crashed
from enrolment.services._progress import progress_changed
from enrolment.tabular import Column, DataRow, FileProblem, open_table, write_rejected_workbook

CHUNK = 5000


class RowError(ValueError):
    """A row that cannot be imported; the message (Chinese) names the column and the reason."""


@dataclass
class ImportOutcome:
    data_import: DataImport
    unchanged: int = 0
    rejected_rows: list[tuple[int, Sequence[object], str]] = field(default_factory=list)

    @property
    def rejected_path(self) -> str | None:
        return self.data_import.rejected_file.path if self.data_import.rejected_file else None


def upsert(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    *,
    key_fields: Sequence[str],
    update_fields: Sequence[str],
    lookup_field: str,
    scope: dict[str, Any],
) -> tuple[int, int, int]:
    """Insert new rows, update changed ones, leave identical ones alone. Returns (created, updated, unchanged).

    ``updated`` counts every row whose key was already held (its values refreshed), so created + updated
    is the number of valid rows; ``unchanged`` says how many of those held exactly the same values.
    """
    created = updated = unchanged = 0
    compare = [name for name in update_fields if name != "data_import_id"]
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        held = {
            tuple(values[: len(key_fields)]): values[len(key_fields) :]
            for values in model.objects.filter(**scope, **{f"{lookup_field}__in": {row[lookup_field] for row in chunk}})
            .order_by()
            .values_list(*key_fields, *compare)
        }
        to_write = []
        for row in chunk:
            current = held.get(tuple(row[name] for name in key_fields))
            if current is None:
                created += 1
                to_write.append(row)
            else:
                updated += 1
                if tuple(current) == tuple(row[name] for name in compare):
                    unchanged += 1
                else:
                    to_write.append(row)
        if to_write:
            model.objects.bulk_create(
                [model(**row) for row in to_write],
                batch_size=1000,
                update_conflicts=True,
                unique_fields=[name.removesuffix("_id") for name in key_fields],
                update_fields=[name.removesuffix("_id") for name in update_fields],
            )
    return created, updated, unchanged


def run_import(
    *,
    campaign: Campaign,
    path: str | Path,
    source: str,
    columns: Sequence[Column],
    original_name: str | None,
    uploaded_by: User | None,
    validate: Callable[[DataRow], dict[str, Any]],
    store: Callable[[list[dict[str, Any]], DataImport], tuple[int, int, int]],
    key: Callable[[dict[str, Any]], tuple[object, ...]],
    key_label: str,
    data_import: DataImport | None = None,
) -> ImportOutcome:
    """Read, validate, dedup inside the file, store. Raises FileProblem (nothing stored but the failed upload).

    ``data_import``: an upload already saved and claimed (the web flow); otherwise one is recorded here.
    """
    path = Path(path)
    if data_import is None:
        name = original_name or path.name
        data_import = DataImport(
            campaign=campaign,
            source=source,
            file_name=name,
            sha256=DataImport.digest(path),
            uploaded_by=uploaded_by,
            status=ImportStatus.RUNNING,
            started_at=timezone.now(),
        )
        with path.open("rb") as fh:
            data_import.file.save(Path(name).name, File(fh), save=False)
        data_import.save()
    name = data_import.file_name
    outcome = ImportOutcome(data_import)
    try:
        with open_table(path, columns, original_name=name) as table:
            valid: list[dict[str, Any]] = []
            seen: dict[tuple[object, ...], int] = {}
            total = 0
            for row in table.rows:
                total += 1
                try:
                    values = validate(row)
                except (RowError, ValueError) as exc:
                    outcome.rejected_rows.append((row.number, row.cells, str(exc)))
                    continue
                row_key = key(values)
                if row_key in seen:
                    reason = _("与第 %(row)d 行重复（%(key)s相同），未导入") % {"row": seen[row_key], "key": key_label}
                    outcome.rejected_rows.append((row.number, row.cells, reason))
                    continue
                seen[row_key] = row.number
                values["_row"] = row.number
                valid.append(values)
            headers = table.headers
    except FileProblem as problem:
        import_fail(DataImport, data_import.pk, message=problem.message)
        raise
    except Exception as error:
        import_fail_crashed(DataImport, data_import.pk, error)
        raise

    try:
        with transaction.atomic():
            for values in valid:
                values.pop("_row")
            created, updated, unchanged = store(valid, data_import)
            outcome.unchanged = unchanged
            data_import.rows_total = data_import.rows_done = total
            data_import.created = created
            data_import.updated = updated
            data_import.rejected = len(outcome.rejected_rows)
            data_import.status = ImportStatus.DONE
            data_import.finished_at = timezone.now()
            if outcome.rejected_rows:
                _attach_rejected(data_import, headers, outcome.rejected_rows)
            data_import.save()
            progress_changed(campaign_id=campaign.pk)
    except Exception as error:
        import_fail_crashed(DataImport, data_import.pk, error)
        raise
    return outcome


def _attach_rejected(
    data_import: DataImport, headers: Sequence[str], rows: Iterable[tuple[int, Sequence[object], str]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        temporary = Path(folder) / "rejected.xlsx"
        write_rejected_workbook(temporary, headers, rows)
        stem = Path(data_import.file_name).stem
        with temporary.open("rb") as fh:
            data_import.rejected_file.save(f"{data_import.pk}-{stem}-未导入.xlsx", File(fh), save=False)
