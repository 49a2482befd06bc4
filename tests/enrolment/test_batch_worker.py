"""The upload queues a Celery task that a real worker runs (not eager mode)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import User
from enrolment.models import Batch, ImportStatus, PushEntry
from tests.enrolment.pushlist_files import PERSON_HEADER, person_rows, write_xlsx

pytestmark = pytest.mark.broker


def test_an_upload_is_imported_by_a_real_worker(
    celery_worker_on_broker: object, login, admin_user: User, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "worker.xlsx", PERSON_HEADER, person_rows(0, 50))
    upload = SimpleUploadedFile(path.name, path.read_bytes())

    response = login(admin_user).post(reverse("batch-upload"), {"file": upload, "kind": "person"})

    assert response.status_code == 302
    batch = Batch.objects.get()
    deadline = time.monotonic() + 30
    while batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.2)
        batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE, batch.error
    assert (batch.imported, batch.rows_total) == (50, 50)
    assert PushEntry.objects.filter(batch=batch).count() == 50
