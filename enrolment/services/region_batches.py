"""A region's push list uploaded on the web: recorded and queued like a county's batch, then split by its county
column on a worker (`pushlist_split_import`), each county's share its own batch linked to this upload.

The whole file goes in or none of it: the split and the upload's own outcome are one transaction. Its counts are
the file's (imported + duplicates + rejected = rows), its rejected rows one workbook numbered as the file is.
"""

from __future__ import annotations

import tempfile

from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from campaigns.models import Region, User
from enrolment.models import ImportStatus, RegionBatch
from enrolment.services._claims import (
    import_claimed_run,
    import_fail,
    import_fail_crashed,
    import_files_delete,
    upload_digest,
    upload_record,
)
from enrolment.services._row_progress import RowProgress, row_progress
from enrolment.services.pushlist_import import ImportRefused, _default_label, check_kind
from enrolment.services.pushlist_split import SplitResult, pushlist_split_import
from enrolment.tabular import FileProblem, write_rejected_workbook


def region_batch_progress_key(region_batch_id: int) -> str:
    return f"region-batch-progress:{region_batch_id}"


def region_batch_progress(region_batch: RegionBatch) -> tuple[int, int]:
    """(rows done, rows total) of a region's upload: the freshest of its row and the cache."""
    running = region_batch.status == ImportStatus.RUNNING
    return row_progress(region_batch, region_batch_progress_key(region_batch.pk), running=running)


def region_batch_submit(
    *,
    region: Region,
    kind: str,
    upload: File,
    file_name: str,
    label: str = "",
    uploaded_by: User | None = None,
) -> RegionBatch:
    """Queue a region's push list: recorded now, split and imported by the Celery task once committed.

    Raises `ImportRefused` for an unknown kind or the same file of the same kind again (each county's share
    is refused again by its own county as well)."""
    from enrolment.tasks import region_batch_import_task

    check_kind(kind)
    region_batch = RegionBatch(region=region, kind=kind, file_name=file_name, uploaded_by=uploaded_by)
    region_batch.label, region_batch.sha256 = label or _default_label(file_name), upload_digest(upload)
    upload_record(
        region_batch,
        upload=upload,
        file_name=file_name,
        audit_as="regionbatch",
        user=uploaded_by,
        refused=ImportRefused,
    )
    transaction.on_commit(lambda: region_batch_import_task.delay(region_batch.pk))
    return region_batch


def region_batch_import(*, region_batch_id: int) -> RegionBatch | None:
    """Run a queued region upload once (claimed as a county's batch is); None when another runner has it."""
    return import_claimed_run(
        RegionBatch, region_batch_id, _run, related=("region", "uploaded_by"), imported=0, duplicates=0, rejected=0
    )


def _run(region_batch: RegionBatch) -> None:
    key = region_batch_progress_key(region_batch.pk)
    progress = RowProgress(RegionBatch, region_batch.pk, key)
    try:
        with transaction.atomic():
            result = pushlist_split_import(
                region=region_batch.region,
                kind=region_batch.kind,
                path=region_batch.file.path,
                file_name=region_batch.file_name,
                label=region_batch.label,
                uploaded_by=region_batch.uploaded_by,
                region_batch=region_batch,
                progress=progress,
            )
            progress.close()
            _record(region_batch, result)
    except (FileProblem, ImportRefused) as problem:
        import_files_delete(region_batch, "rejected_file")
        import_fail(RegionBatch, region_batch.pk, message=problem.message, rejected_file="")
    except Exception as error:  # noqa: BLE001 - whatever went wrong, the admin must see the upload failed
        import_files_delete(region_batch, "rejected_file")
        import_fail_crashed(RegionBatch, region_batch.pk, error, rejected_file="")
    finally:
        progress.close()
        cache.delete(key)


def _record(region_batch: RegionBatch, result: SplitResult) -> None:
    region_batch.rows_total = region_batch.rows_done = result.rows_total
    region_batch.imported, region_batch.duplicates = result.imported, result.duplicates
    region_batch.rejected = result.rejected
    region_batch.status, region_batch.error, region_batch.finished_at = ImportStatus.DONE, "", timezone.now()
    if result.rejected_rows:
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
            write_rejected_workbook(handle.name, result.headers, result.rejected_rows)
            region_batch.rejected_file.save(f"regionbatch-{region_batch.pk}-rejected.xlsx", File(handle), save=False)
    region_batch.save()
