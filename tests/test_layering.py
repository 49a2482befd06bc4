"""The apps' imports run one way: home → reporting → targets → enrolment → audit → campaigns.

Read from the source (every import statement, also those inside functions), so a lazy import that
hides an upward arrow is caught too. ``chengjiang_enroll`` (settings, URLs, Celery) wires them all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["campaigns", "audit", "enrolment", "targets", "reporting", "home"]


def imported_apps(app: str) -> dict[str, set[str]]:
    """For each module of an app (migrations aside), the project apps it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names & set(LAYERS)
    return found


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_only_the_apps_below_it(app: str) -> None:
    above = set(LAYERS[LAYERS.index(app) + 1 :])
    upward = {module: sorted(names & above) for module, names in imported_apps(app).items() if names & above}
    assert upward == {}


def test_the_apps_below_ask_the_progress_engine_by_task_name() -> None:
    from celery import current_app

    from enrolment.services._progress import PROGRESS_REQUEST_TASK

    assert PROGRESS_REQUEST_TASK in current_app.tasks
