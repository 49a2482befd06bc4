"""Every task of the project stops in bounded time: a soft limit it can clean up after, then a hard one."""

from __future__ import annotations

from celery import current_app


def test_every_project_task_has_a_soft_and_a_hard_time_limit() -> None:
    current_app.loader.import_default_modules()
    ours = {name: task for name, task in current_app.tasks.items() if not name.startswith("celery.")}
    assert {"enrolment.batch_import_task", "targets.progress_run_task", "reporting.reminders_send_task"} <= set(ours)
    unlimited = {
        name
        for name, task in ours.items()
        if not (task.soft_time_limit and task.time_limit and task.soft_time_limit < task.time_limit)
    }
    assert unlimited == set()
