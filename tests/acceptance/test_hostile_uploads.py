"""No hostile upload takes the server down or above 500 MB, and each gets a clear Chinese refusal, writing nothing.

Every shape of tests/acceptance/hostile_files.py goes through every way a file comes in (the three upload
pages, the admin's import preview, the import_pushlist command) in a child process that reports its own peak
memory after each file — and so proves it survived them all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from campaigns.models import Role
from tests.acceptance.hostile_files import SHAPES
from tests.conftest import unavailable
from tests.factories import UserFactory

PEAK_LIMIT_MB = 500
XLSX_ONLY = {"entry_sheet"}  # the queue workbook upload takes .xlsx only: CSV is refused by its type


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("hostile")
    for builder, name, _phrase in SHAPES.values():
        builder(directory / name)
    return directory


def _child(way: str, username: str, directory: Path, names: list[str]) -> list[dict]:
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings", "ALLOWED_HOSTS": "testserver"}
    env.pop("CELERY_BROKER_URL", None)  # tasks eager: a queued batch would be imported in the same process
    done = subprocess.run(
        [sys.executable, "-m", "tests.acceptance.hostile_child", way, username, str(directory), *names],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"the process went down on {way}: {done.returncode}\n{done.stderr[-3000:]}"
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("way", ["entry_sheet", "batch", "data_import", "admin", "command"])
def test_every_hostile_file_is_refused_in_bounded_memory_writing_nothing(
    transactional_db, chengjiang, way, hostile_dir
):
    if connection.vendor != "postgresql":
        unavailable("the child process needs the PostgreSQL test database")
    role = Role.TOWN if way == "entry_sheet" else Role.ADMIN
    town = chengjiang.county.towns.get(short_name="凤麓") if role == Role.TOWN else None
    user = UserFactory(username=f"hostile-{way}", role=role, town=town, is_staff=role == Role.ADMIN)
    shapes = {name: spec for name, spec in SHAPES.items() if not (way in XLSX_ONLY and spec[1].endswith(".csv"))}
    reports = {
        report["file"]: report for report in _child(way, user.username, hostile_dir, [s[1] for s in shapes.values()])
    }
    assert len(reports) == len(shapes), sorted(reports)
    for name, (_builder, file_name, phrase) in shapes.items():
        report = reports[file_name]
        assert report["written"] == 0, (way, name)
        assert report["peak_mb"] < PEAK_LIMIT_MB, (way, name, report["peak_mb"])
        if way == "command":
            assert report["status"] == 1, (way, name, report["status"], report["text"][-500:])
        else:
            assert report["status"] in {200, 400}, (way, name, report["status"])
        assert phrase in report["text"], (way, name, report["text"][-1500:])
