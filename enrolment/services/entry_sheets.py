"""The Excel round-trip of the queue: keep a parsed upload until its owner confirms it, then apply it."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import Action, audit_record
from campaigns.files import private_tmp_prune
from campaigns.models import User
from enrolment.models import EntrySheetUpload
from enrolment.services.entries import CHANGE_PERMISSION, ChangePlan, entries_status_change_bulk
from enrolment.tabular import FileProblem, upload_on_disk
from enrolment.workbooks import change_requests, read_queue_workbook


def entry_sheet_upload(*, user: User, file: UploadedFile) -> EntrySheetUpload:
    """Parse a filled-in queue workbook and keep the result (entry ids and status fields only).

    Raises ValidationError naming the problem when the file is not such a workbook.
    """
    if not user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied(_("您没有修改推送清单条目的权限"))
    with upload_on_disk(file, default_suffix=".xlsx") as path:
        try:
            rows, problems = read_queue_workbook(path, original_name=file.name)
        except FileProblem as problem:
            raise ValidationError(problem.message) from None
    if not rows and not problems:
        raise ValidationError(_("文件中没有数据行"))
    upload = EntrySheetUpload.objects.create(user=user, file_name=file.name[:255], rows=rows, problems=problems)
    audit_record(action=Action.UPLOAD, what=f"entry_sheet:{upload.pk}", user=user, rows=len(rows) + len(problems))
    return upload


PREVIEW_KEPT = datetime.timedelta(days=1)


def previews_prune(*, now: datetime.datetime | None = None) -> int:
    """Remove what was uploaded for a preview and never confirmed: parsed queue workbooks, and any file left in
    the private temporary directory (the admin's import previews, a crashed read). Returns how many."""
    now = now or timezone.now()
    stale = EntrySheetUpload.objects.filter(applied_at__isnull=True, uploaded_at__lt=now - PREVIEW_KEPT)
    removed, _by_model = stale.delete()
    return removed + private_tmp_prune(older_than=PREVIEW_KEPT, now=now.timestamp())


@transaction.atomic
def entry_sheet_apply(*, upload: EntrySheetUpload, user: User) -> ChangePlan:
    """Apply every valid change of a stored upload in one transaction; conflicts and problems are skipped."""
    if upload.user_id != user.pk:
        raise PermissionDenied(_("只能确认自己上传的核查表"))
    # Claim the upload: of two confirmations racing (a double click), only one applies.
    claimed = EntrySheetUpload.objects.filter(pk=upload.pk, applied_at__isnull=True).update(applied_at=timezone.now())
    if not claimed:
        raise ValidationError(_("该核查表已经确认过，不能重复提交"))
    plan = entries_status_change_bulk(user=user, requests=change_requests(upload.rows))
    EntrySheetUpload.objects.filter(pk=upload.pk).update(applied=len(plan.changes))
    upload.refresh_from_db()
    return plan
