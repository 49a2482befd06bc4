import pytest
from django.test import Client

from chengjiang_enroll.celery import ping

pytestmark = pytest.mark.broker


def test_the_trivial_task_runs_on_a_real_worker(celery_worker_on_broker: object) -> None:
    assert ping.delay().get(timeout=20) == "pong"


def test_healthz_checks_the_real_broker(celery_worker_on_broker: object) -> None:
    response = Client().get("/healthz")
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}
    assert response.status_code == 200
