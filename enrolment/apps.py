from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class EnrolmentConfig(AppConfig):
    name = "enrolment"
    verbose_name = _("推送清单与参保记录")

    def ready(self) -> None:
        from campaigns.files import files_follow_rows
        from enrolment.models import Batch, DataImport

        for model in (Batch, DataImport):
            files_follow_rows(model, "file", "rejected_file")
        post_migrate.connect(_entry_count_triggers, sender=self)


def _entry_count_triggers(*, using: str = DEFAULT_DB_ALIAS, **kwargs: object) -> None:
    """Put the counters' and reference checks' triggers back after every migrate: SQLite drops a table's
    triggers when a migration rebuilds it."""
    from enrolment.entry_counts import entry_count_triggers_install
    from enrolment.entry_references import entry_reference_triggers_install

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if {"enrolment_pushentry", "enrolment_entrycount"} <= tables:
        entry_count_triggers_install(connection)
        entry_reference_triggers_install(connection)
