"""Run in a child process by test_hostile_uploads: feed every hostile file to one way in, report as JSON lines.

``python -m tests.acceptance.hostile_child WAY USERNAME DIRECTORY NAME...`` with DATABASE_URL naming the test
database. The parent measures nothing itself: this process reports its own peak memory after each file, and
that it is still alive to report it.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path


def _rows_written() -> int:
    from campaigns.models import Village
    from enrolment.models import Batch, DataImport, EnrolmentRecord, EntryPush, EntrySheetUpload, PushEntry

    return sum(
        model.objects.count()
        for model in (Batch, DataImport, EntrySheetUpload, PushEntry, EntryPush, EnrolmentRecord, Village)
    )


def _web(client: object, url: str, path: Path, data: dict[str, str]) -> tuple[int, str]:
    with path.open("rb") as handle:
        response = client.post(url, {**data, "file": handle})
    return response.status_code, response.content.decode("utf-8", "replace")


def main(way: str, username: str, directory: str, names: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.core.management import CommandError, call_command
    from django.test import Client

    from campaigns.models import User

    client = Client()
    client.force_login(User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
    for name in names:
        path = Path(directory) / name
        before = _rows_written()
        if way == "entry_sheet":
            status, text = _web(client, "/entries/import/", path, {})
        elif way == "batch":
            status, text = _web(client, "/batches/upload/", path, {"kind": "person", "label": "恶意文件"})
        elif way == "data_import":
            status, text = _web(client, "/imports/upload/", path, {"source": "enrolments"})
        elif way == "admin":
            status, text = _web(client, "/admin/enrolment/batch/import/", path, {"kind": "person", "label": "恶意"})
        else:
            out, err = io.StringIO(), io.StringIO()
            status, text = 0, ""
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    call_command("import_pushlist", str(path), "--kind", "person")
                except CommandError as error:
                    status, text = 1, str(error)
                except Exception as error:  # noqa: BLE001 - reported to the parent, which fails the test
                    status, text = -1, f"{type(error).__name__}: {error}"
            text += out.getvalue() + err.getvalue()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        report = {"file": name, "status": status, "text": text[-20000:], "written": _rows_written() - before}
        print(json.dumps({**report, "peak_mb": peak}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
