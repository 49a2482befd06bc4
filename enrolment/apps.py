from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrolmentConfig(AppConfig):
    name = "enrolment"
    verbose_name = _("推送清单与参保记录")

    def ready(self) -> None:
        from campaigns.files import files_follow_rows
        from enrolment.models import Batch, DataImport

        for model in (Batch, DataImport):
            files_follow_rows(model, "file", "rejected_file")
