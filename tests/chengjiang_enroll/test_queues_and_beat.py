"""Workers per queue and beat exactly once: the routes each kind of task takes, and the beat lock."""

from __future__ import annotations

import uuid
from pathlib import Path
from unittest import mock

import pytest
from celery.beat import PersistentScheduler
from django.conf import settings

from chengjiang_enroll.beat import RENEW_EVERY, BeatLock, SingleBeatScheduler
from chengjiang_enroll.celery import app

ROUTES = {
    "enrolment.batch_import_task": "imports",
    "enrolment.data_import_run_task": "imports",
    "enrolment.reference_import_task": "imports",
    "enrolment.matching_run_task": "matching",
    "targets.progress_run_task": "recompute",
    "targets.progress_recompute_request_task": "recompute",
    "targets.progress_region_recompute_task": "recompute",
    "targets.progress_region_gathered_task": "recompute",
    "reporting.reminders_send_task": "notifications",
    "audit.audit_prune_task": "default",
    "chengjiang_enroll.ping": "default",
}


@pytest.mark.parametrize(("task", "queue"), sorted(ROUTES.items()))
def test_each_kind_of_work_goes_to_its_own_queue(task: str, queue: str) -> None:
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_a_worker_started_without_a_queue_consumes_every_queue() -> None:
    assert set(app.amqp.queues) == {"default", "imports", "recompute", "matching", "notifications"}


def test_every_scheduled_task_exists() -> None:
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


# --- the beat lock, on the real Redis --------------------------------------------------------------------


def _redis_url() -> str:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("no Redis broker configured")
    return settings.CELERY_BROKER_URL


@pytest.fixture
def key() -> str:
    return f"test:beat:{uuid.uuid4().hex}"


def test_one_beat_holds_the_lock_and_the_other_waits_until_it_is_released(key: str) -> None:
    first, second = BeatLock(_redis_url(), key=key), BeatLock(_redis_url(), key=key)
    assert first.hold()
    assert not second.hold()
    assert first.hold()  # renewed by its holder
    first.release()
    assert second.hold()
    assert not first.hold()
    second.release()


def test_a_dead_beats_lock_expires_and_the_standby_takes_over(key: str) -> None:
    first, second = BeatLock(_redis_url(), key=key, ttl=1), BeatLock(_redis_url(), key=key, ttl=1)
    assert first.hold()
    first.client.pexpire(key, 50)  # as if its holder had stopped renewing a while ago
    import time

    time.sleep(0.1)
    assert second.hold()
    second.release()


def test_the_standby_scheduler_sends_nothing_while_another_beat_leads(tmp_path: Path, key: str) -> None:
    url = _redis_url()
    leader = BeatLock(url, key=key)
    assert leader.hold()
    standby = SingleBeatScheduler(app=app, schedule_filename=str(tmp_path / "beat"), lazy=True)
    assert standby.lock is not None  # the broker is Redis
    standby.lock.key = key
    with mock.patch.object(PersistentScheduler, "tick", return_value=5.0) as sending:
        assert standby.tick() == RENEW_EVERY
        assert not sending.called
        leader.release()
        assert standby.tick() == 5.0
        assert sending.called
    standby.lock.release()
