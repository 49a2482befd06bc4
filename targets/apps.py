from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("目标任务与进度")

    def ready(self) -> None:
        # The apps below this one ask for a recompute by task name (they never import targets): the task
        # must be registered in every process, web and worker alike.
        from targets import tasks  # noqa: F401
