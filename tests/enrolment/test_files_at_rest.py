"""Files at rest: 0600 in MEDIA_ROOT, temporary files in a private directory, unconfirmed previews removed."""

from __future__ import annotations

import datetime
import os
import stat
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from enrolment.models import EntrySheetUpload, ListKind
from enrolment.services.entry_sheets import previews_prune
from enrolment.services.pushlist_import import pushlist_import
from tests.enrolment.pushlist_files import PERSON_HEADER, person_rows, write_xlsx

pytestmark = pytest.mark.django_db


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_temporary_files_never_go_to_the_shared_tmp():
    assert Path(tempfile.gettempdir()) == Path(settings.PRIVATE_TMP)
    assert _mode(Path(settings.PRIVATE_TMP)) == 0o700
    with tempfile.NamedTemporaryFile() as handle:
        assert Path(handle.name).parent == Path(settings.PRIVATE_TMP)


def test_uploaded_and_rejected_files_are_readable_by_the_application_only(chengjiang, tmp_path):
    rows = [*person_rows(0, 2), [9, "错号", "男", "530422199001011230", "凤麓", "", "", ""]]
    batch = pushlist_import(
        campaign=chengjiang, kind=ListKind.PERSON, path=write_xlsx(tmp_path / "批.xlsx", PERSON_HEADER, rows)
    ).batch
    assert _mode(Path(batch.file.path)) == 0o600
    assert _mode(Path(batch.rejected_file.path)) == 0o600


def test_unconfirmed_previews_and_leftover_files_are_removed(town_user):
    old = EntrySheetUpload.objects.create(user=town_user, file_name="a.xlsx", rows=[])
    EntrySheetUpload.objects.filter(pk=old.pk).update(uploaded_at=timezone.now() - datetime.timedelta(days=2))
    EntrySheetUpload.objects.create(user=town_user, file_name="b.xlsx", rows=[])
    confirmed = EntrySheetUpload.objects.create(user=town_user, file_name="c.xlsx", rows=[], applied_at=timezone.now())
    EntrySheetUpload.objects.filter(pk=confirmed.pk).update(uploaded_at=timezone.now() - datetime.timedelta(days=2))
    leftover = Path(settings.PRIVATE_TMP) / "pushlist-admin-old.xlsx"
    leftover.write_bytes(b"PK")
    two_days_ago = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(leftover, (two_days_ago, two_days_ago))
    recent = Path(settings.PRIVATE_TMP) / "pushlist-admin-new.xlsx"
    recent.write_bytes(b"PK")
    previews_prune()
    assert set(EntrySheetUpload.objects.values_list("file_name", flat=True)) == {"b.xlsx", "c.xlsx"}
    assert not leftover.exists() and recent.exists()
    recent.unlink()
