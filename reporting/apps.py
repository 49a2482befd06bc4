from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("月度调度报告")

    def ready(self) -> None:
        from campaigns.files import files_follow_rows
        from reporting.models import ReportAttachment

        files_follow_rows(ReportAttachment, "file")
