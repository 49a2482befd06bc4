import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chengjiang_enroll.settings")

app = Celery("chengjiang_enroll")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="chengjiang_enroll.ping", soft_time_limit=10, time_limit=20)
def ping() -> str:
    """A trivial task: proves a worker is consuming from the broker."""
    return "pong"
