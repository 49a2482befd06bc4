from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
Manage = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(scope="session")
def manage(tmp_path_factory: pytest.TempPathFactory) -> Manage:
    """``manage(*args)`` runs the real ``manage.py`` in a child process, as staff and the acceptance checks do.

    Its database is a SQLite file of its own, migrated and loaded with ``chengjiang_2021`` once per test
    run (the test database of pytest-django is not visible to another process).
    """
    folder = tmp_path_factory.mktemp("manage")
    kept = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV"}
    env = {key: value for key, value in os.environ.items() if key in kept}
    env |= {
        "DJANGO_SETTINGS_MODULE": "chengjiang_enroll.settings",
        "DEBUG": "0",
        "SECRET_KEY": "acceptance-" + "k" * 50,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "PYTHONIOENCODING": "utf-8",
    }

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )

    for args in (("migrate", "--verbosity", "0"), ("loaddata", "chengjiang_2021", "--verbosity", "0")):
        result = run(*args)
        assert result.returncode == 0, result.stderr
    return run
