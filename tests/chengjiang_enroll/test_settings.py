"""The settings read the environment and refuse to run insecurely."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k9#Vq2!mZr7@Lx4$Tw8^Pn3&Hs6*Jd1(Fb5)Gc0-Ny2+Ue7=Ra4_Qo9",
    "ALLOWED_HOSTS": "kuomian.chengjiang.gov.cn",
    "DATABASE_URL": "sqlite:////tmp/check-deploy.sqlite3",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "chengjiang_enroll.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_settings_pass_the_deployment_checklist() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_app_refuses_to_start_without_a_secret_key_when_debug_is_off() -> None:
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_bad_boolean_fails_loudly() -> None:
    result = manage("check", **{**PRODUCTION, "SECURE_SSL_REDIRECT": "perhaps"})
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT must be a boolean (1/0, true/false, yes/no, on/off), not 'perhaps'." in result.stderr


def test_without_a_broker_tasks_run_in_process_and_with_one_they_are_queued() -> None:
    """The embedded default (no CELERY_BROKER_URL) runs tasks eagerly in the calling process; a broker turns
    that off. Read from the real settings module, not the test settings (which force eager tasks)."""
    code = (
        "from django.conf import settings; from chengjiang_enroll.celery import ping; "
        "print(settings.CELERY_TASK_ALWAYS_EAGER, ping.delay().get() if settings.CELERY_TASK_ALWAYS_EAGER else '-')"
    )
    embedded = manage("shell", "--no-imports", "-c", code, **PRODUCTION, CELERY_BROKER_URL="")
    with_broker = manage(
        "shell",
        "--no-imports",
        "-c",
        code.replace("ping.delay().get()", "''"),
        **PRODUCTION,
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
    )
    assert embedded.stdout.split() == ["True", "pong"], embedded.stderr
    assert with_broker.stdout.split() == ["False", "-"], with_broker.stderr


def test_a_deployment_behind_a_tls_proxy_may_turn_the_redirect_off() -> None:
    code = "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT, settings.SECURE_PROXY_SSL_HEADER)"
    result = manage(
        "shell", "--no-imports", "-c", code, **PRODUCTION, SECURE_SSL_REDIRECT="0", USE_X_FORWARDED_PROTO="1"
    )
    assert result.stdout.split() == ["False", "('HTTP_X_FORWARDED_PROTO',", "'https')"]


def test_a_command_in_the_embedded_default_prints_no_celery_chatter(tmp_path: Path) -> None:
    """Eager tasks run inside the command: neither kombu's "No hostname was supplied" nor the tasks' INFO lines
    reach its output, which scripts read."""
    database = f"sqlite:///{tmp_path / 'embedded.sqlite3'}"
    env = {"DEBUG": "1", "DATABASE_URL": database, "CELERY_BROKER_URL": ""}
    code = (
        "from chengjiang_enroll.celery import ping; import logging; "
        "logging.getLogger('targets').info('an INFO line'); print(ping.delay().get())"
    )
    result = manage("shell", "--no-imports", "-c", code, **env)
    assert result.stdout.split() == ["pong"], result.stderr
    assert "No hostname" not in result.stderr and "INFO" not in result.stderr, result.stderr
