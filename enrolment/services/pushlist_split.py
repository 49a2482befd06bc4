"""A prefecture's push list for all its counties in one file: split by its county column, each county's rows
imported into that county's campaign as its own batch (the county sees only its rows, and its batch file holds
only them). One transaction: any county's import refused, none is kept.

A row whose county cell is blank, unknown or outside the region is rejected naming its row; the accounting
counts every row of the file: imported + duplicates + rejected = rows.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Campaign, County, Region, User
from campaigns.text import normalize_text
from campaigns.xlsx import CsvWriter
from enrolment import columns as terms
from enrolment.models import Batch, RegionBatch
from enrolment.services._row_progress import RowProgress
from enrolment.services.pushlist_import import (
    PROGRESS_EVERY,
    ImportResult,
    check_kind,
    columns_for,
    pushlist_import,
)
from enrolment.tabular import Column, open_table


@dataclass
class SplitResult:
    rows_total: int = 0
    by_county: list[tuple[County, ImportResult]] = field(default_factory=list)
    # (row number as Excel shows it, reason) of the rows no county took.
    unplaced: list[tuple[int, str]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    # Every rejected row of the file, unplaced or refused by its county: (row number in the file, cells, reason).
    rejected_rows: list[tuple[int, Sequence, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(result.imported for _county, result in self.by_county)

    @property
    def duplicates(self) -> int:
        return sum(result.duplicates for _county, result in self.by_county)

    @property
    def rejected(self) -> int:
        return sum(result.rejected for _county, result in self.by_county) + len(self.unplaced)

    @property
    def counts_line(self) -> str:
        return f"imported={self.imported} duplicates={self.duplicates} rejected={self.rejected}"


def split_columns(kind: str) -> tuple[Column, ...]:
    """The columns a region's push list is read with: the kind's own and its county."""
    return (*columns_for(kind), terms.COUNTY.column("county", required=True))


def _county_lookup(region: Region) -> tuple[dict[str, County], dict[int, Campaign]]:
    counties = list(County.objects.filter(region__path__startswith=region.path))
    lookup: dict[str, County] = {}
    for county in counties:
        lookup[normalize_text(county.name)] = county
        lookup[county.division_code] = county
    campaigns = {}
    for county in counties:
        campaign = Campaign.objects.filter(county=county).current()
        if campaign is not None:
            campaigns[county.pk] = campaign
    return lookup, campaigns


def pushlist_split_import(
    *,
    region: Region,
    kind: str,
    path: str | Path,
    file_name: str | None = None,
    label: str = "",
    uploaded_by: User | None = None,
    region_batch: RegionBatch | None = None,
    progress: RowProgress | None = None,
) -> SplitResult:
    """Import a region's push list into its counties' campaigns, split by the county column (name or code).

    ``region_batch`` (the upload page's record) is linked to each county's batch; ``progress`` is told the
    rows read, then the rows of the counties imported. Raises what `pushlist_import` raises (`FileProblem`,
    `ImportRefused`), for the whole file."""
    check_kind(kind)
    path = Path(path)
    file_name = file_name or path.name
    lookup, campaigns = _county_lookup(region)
    result = SplitResult()
    groups: dict[int, list[tuple]] = {}
    # Each county's rows' numbers in the file, to name a row its county refused as the file numbers it.
    numbers: dict[int, list[int]] = {}
    unplaced_cells: list[Sequence] = []
    with open_table(path, split_columns(kind), original_name=file_name) as table:
        headers = result.headers = table.headers
        for row in table.rows:
            result.rows_total += 1
            if progress is not None and result.rows_total % PROGRESS_EVERY == 0:
                progress(result.rows_total)
            text = normalize_text(row.values.get("county"))
            county = lookup.get(text)
            if not text:
                result.unplaced.append((row.number, _("第%(row)s行：缺少所属县（市、区）") % {"row": row.number}))
            elif county is None:
                result.unplaced.append(
                    (
                        row.number,
                        _("第%(row)s行：“%(county)s”不是%(region)s下属的县（市、区）")
                        % {"row": row.number, "county": text, "region": region.name},
                    )
                )
            elif county.pk not in campaigns:
                result.unplaced.append(
                    (
                        row.number,
                        _("第%(row)s行：%(county)s还没有专项行动") % {"row": row.number, "county": county.name},
                    )
                )
            else:
                groups.setdefault(county.pk, []).append(row.cells)
                numbers.setdefault(county.pk, []).append(row.number)
                continue
            unplaced_cells.append(row.cells)
    counties = {county.pk: county for county in lookup.values()}
    workdir = Path(tempfile.mkdtemp(prefix="pushlist-split-", dir=settings.PRIVATE_TMP))
    stem, suffix = Path(file_name).stem, ".csv"
    try:
        with transaction.atomic():
            for county_id in sorted(groups, key=lambda pk: counties[pk].division_code):
                county = counties[county_id]
                # CSV, not xlsx: the same rows make the same file, so the same list sent again is refused as
                # the same file by each county (a workbook carries the time it was written).
                part = workdir / f"{county.division_code}.csv"
                with part.open("w", encoding="utf-8", newline="") as handle:
                    writer = CsvWriter(handle)
                    writer.writerow(headers)
                    for cells in groups[county_id]:
                        writer.writerow(cells)
                imported = pushlist_import(
                    campaign=campaigns[county_id],
                    kind=kind,
                    path=part,
                    file_name=f"{stem}（{county.name}）{suffix}",
                    label=label,
                    uploaded_by=uploaded_by,
                )
                result.by_county.append((county, imported))
                if region_batch is not None and imported.batch is not None:
                    Batch.objects.filter(pk=imported.batch.pk).update(region_batch=region_batch)
                if progress is not None:
                    done = len(result.unplaced) + sum(part.rows_total for _county, part in result.by_county)
                    progress(done, result.rows_total)
                # A part's data rows start on its second line; the file's numbers are kept in the same order.
                result.rejected_rows += [
                    (numbers[county_id][number - 2], cells, reason)
                    for number, cells, reason in imported.analysis.rejected
                ]
    except BaseException:
        # The counties imported before the refusal are rolled back: their stored files go with them.
        for _county, imported in result.by_county:
            if imported.batch is not None:
                for stored in (imported.batch.file, imported.batch.rejected_file):
                    if stored:
                        stored.storage.delete(stored.name)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result.rejected_rows += [
        (number, cells, reason) for (number, reason), cells in zip(result.unplaced, unplaced_cells, strict=True)
    ]
    result.rejected_rows.sort(key=lambda rejected: rejected[0])
    return result
