from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign
from enrolment.models import Insurance
from targets import tasks
from targets.models import ProgressSnapshot, ProgressState
from targets.services import (
    RecomputeBusy,
    progress_claim,
    progress_recompute_request,
    progress_release,
    progress_run,
)
from targets.services.progress import STALE_CLAIM
from tests.targets.helpers import record


def test_a_thousand_requests_enqueue_one_task(chengjiang: Campaign, django_capture_on_commit_callbacks) -> None:
    with mock.patch.object(tasks.progress_run_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            for _ in range(1000):
                progress_recompute_request(campaign=chengjiang)
        assert len(callbacks) == 1
        delay.assert_called_once_with(chengjiang.pk)
    state = ProgressState.objects.get(campaign=chengjiang)
    assert (state.status, state.dirty) == (ProgressState.Status.QUEUED, True)


def test_the_task_is_enqueued_only_after_commit(chengjiang: Campaign, django_capture_on_commit_callbacks) -> None:
    with mock.patch.object(tasks.progress_run_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False):
            progress_recompute_request(campaign=chengjiang)
        delay.assert_not_called()


def test_the_task_recomputes_and_goes_idle(chengjiang: Campaign, fenglu, time_machine) -> None:
    time_machine.move_to(datetime.datetime(2021, 6, 30, 12, 0, tzinfo=datetime.UTC))
    record(chengjiang, fenglu, Insurance.RESIDENT_PENSION, datetime.date(2021, 6, 1))
    progress_recompute_request(campaign=chengjiang)
    written = tasks.progress_run_task.apply(args=[chengjiang.pk]).get()
    assert written == 56
    state = ProgressState.objects.get(campaign=chengjiang)
    assert (state.status, state.dirty, state.runs) == (ProgressState.Status.IDLE, False, 1)
    assert ProgressSnapshot.objects.filter(as_of=datetime.date(2021, 6, 30)).count() == 56


def test_two_recomputes_of_one_campaign_cannot_run_at_once(chengjiang: Campaign) -> None:
    assert progress_claim(campaign=chengjiang, token="first")
    assert not progress_claim(campaign=chengjiang, token="second")
    with pytest.raises(RecomputeBusy):
        progress_run(campaign=chengjiang, token="third")
    # The task that finds the work claimed does nothing and says so.
    assert tasks.progress_run_task.apply(args=[chengjiang.pk]).get() is None
    assert not ProgressSnapshot.objects.exists()


def test_a_redelivered_task_takes_its_own_claim_back(chengjiang: Campaign) -> None:
    # acks_late: the worker died after claiming; the broker hands the same task (same id) out again.
    assert progress_claim(campaign=chengjiang, token="task-1")
    assert progress_claim(campaign=chengjiang, token="task-1")
    assert progress_run(campaign=chengjiang, token="task-1", as_of=datetime.date(2021, 6, 30)) == 56


def test_a_stale_claim_may_be_reclaimed(chengjiang: Campaign, time_machine) -> None:
    time_machine.move_to(timezone.now())
    assert progress_claim(campaign=chengjiang, token="dead-worker")
    time_machine.shift(STALE_CLAIM - datetime.timedelta(seconds=5))
    assert not progress_claim(campaign=chengjiang, token="other")
    time_machine.shift(datetime.timedelta(seconds=10))
    assert progress_claim(campaign=chengjiang, token="other")


def test_changes_during_a_run_cause_one_more_run(chengjiang: Campaign, django_capture_on_commit_callbacks) -> None:
    assert progress_claim(campaign=chengjiang, token="running")
    with mock.patch.object(tasks.progress_run_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(5):
                assert not progress_recompute_request(campaign=chengjiang)
        delay.assert_not_called()
        with django_capture_on_commit_callbacks(execute=True):
            assert progress_release(campaign=chengjiang, token="running") is True
            progress_recompute_request(campaign=chengjiang)
        delay.assert_called_once_with(chengjiang.pk)


def test_the_nightly_task_requests_running_campaigns(chengjiang: Campaign, time_machine) -> None:
    time_machine.move_to(datetime.datetime(2021, 6, 30, 1, 30, tzinfo=datetime.UTC))
    with mock.patch.object(tasks.progress_run_task, "delay"):
        assert tasks.progress_recompute_request_running_task.apply().get() == 1
    time_machine.move_to(datetime.datetime(2023, 6, 30, 1, 30, tzinfo=datetime.UTC))
    ProgressState.objects.update(status=ProgressState.Status.IDLE)
    assert tasks.progress_recompute_request_running_task.apply().get() == 0


def test_the_command_recomputes_one_date(chengjiang: Campaign, fenglu, capsys) -> None:
    record(chengjiang, fenglu, Insurance.EMPLOYEE_PENSION, datetime.date(2021, 6, 1))
    call_command("recompute_progress", "--as-of", "2021-06-30")
    assert capsys.readouterr().out.strip() == f"campaign={chengjiang.pk} as_of=2021-06-30 snapshots=56"
    city = ProgressSnapshot.objects.get(
        as_of=datetime.date(2021, 6, 30), town=None, indicator__code="employee_pension_insured"
    )
    assert city.actual == 12376


def test_the_command_refuses_a_bad_date(chengjiang: Campaign) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="日期格式错误"):
        call_command("recompute_progress", "--as-of", "2021-13-01")


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_request_is_recomputed_by_a_real_worker(celery_worker_on_broker, chengjiang: Campaign, fenglu) -> None:
    import time

    record(chengjiang, fenglu, Insurance.RESIDENT_PENSION, datetime.date(2021, 6, 1))
    with transaction.atomic():
        assert progress_recompute_request(campaign=chengjiang)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        state = ProgressState.objects.get(campaign=chengjiang)
        if state.runs:
            break
        time.sleep(0.2)
    assert state.runs == 1
    assert state.status == ProgressState.Status.IDLE
    # Today, within the campaign (after it, its last day).
    assert ProgressSnapshot.objects.filter(as_of=chengjiang.default_as_of(), town=None).count() == 8


def test_a_broker_outage_does_not_fail_the_change_that_asked(
    chengjiang: Campaign, django_capture_on_commit_callbacks
) -> None:
    with (
        mock.patch.object(tasks.progress_run_task, "delay", side_effect=ConnectionError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        progress_recompute_request(campaign=chengjiang)
    state = ProgressState.objects.get(campaign=chengjiang)
    assert (state.status, state.dirty) == (ProgressState.Status.IDLE, True)
