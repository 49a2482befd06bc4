"""Department data uploaded from the browser: saved and queued at once, imported by a Celery worker."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from audit.services import Action, audit_record
from campaigns.models import Campaign, User
from enrolment.models import DataImport, ImportStatus
from enrolment.services._claims import import_claim, import_release
from enrolment.services._upsert import ImportOutcome
from enrolment.services.records import (
    PROJECT_COLUMNS,
    RECORD_COLUMNS,
    ROSTER_COLUMNS,
    projects_import,
    records_import,
    rosters_import,
)
from enrolment.tabular import Column

IMPORTERS: dict[str, tuple[Sequence[Column], Callable[..., ImportOutcome]]] = {
    DataImport.Source.ENROLMENTS: (RECORD_COLUMNS, records_import),
    DataImport.Source.CONSTRUCTION_PROJECTS: (PROJECT_COLUMNS, projects_import),
    DataImport.Source.PNEUMOCONIOSIS_ROSTERS: (ROSTER_COLUMNS, rosters_import),
}


def columns_for_source(source: str) -> Sequence[Column]:
    return IMPORTERS[source][0]


@transaction.atomic
def data_import_submit(*, campaign: Campaign, source: str, upload: UploadedFile, uploaded_by: User) -> DataImport:
    """Save the upload as a queued import and hand it to a worker once the upload is committed."""
    from enrolment.tasks import data_import_run_task

    data_import = DataImport(
        campaign=campaign, source=source, file_name=upload.name, uploaded_by=uploaded_by, status=ImportStatus.QUEUED
    )
    data_import.file.save(upload.name, upload, save=False)
    data_import.sha256 = DataImport.digest(data_import.file.path)
    data_import.save()
    audit_record(action=Action.UPLOAD, what=f"data_import:{data_import.pk}", user=uploaded_by, rows=0)
    transaction.on_commit(lambda: data_import_run_task.delay(data_import.pk))
    return data_import


def data_import_run(*, data_import_id: int) -> DataImport | None:
    """Import a queued upload once: None when another runner holds it or it has finished already."""
    if not import_claim(DataImport, data_import_id, created=0, updated=0, rejected=0):
        return None
    try:
        data_import = DataImport.objects.select_related("campaign").get(pk=data_import_id)
        importer = IMPORTERS[data_import.source][1]
        # run_import has recorded any failure on the upload; the worker carries on with the next task.
        with contextlib.suppress(Exception):
            importer(campaign=data_import.campaign, path=data_import.file.path, data_import=data_import)
    finally:
        import_release(DataImport, data_import_id)
    data_import.refresh_from_db()
    return data_import
