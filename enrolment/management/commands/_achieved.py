"""The common shape of the achieved-work import commands: same arguments, same output convention."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.commands import rejected_rows_line
from campaigns.selectors import campaign_for_command
from enrolment.services._upsert import ImportOutcome
from enrolment.tabular import FileProblem


class ImportCommand(BaseCommand):
    """Prints, at the end: ``rejected rows: PATH`` (when rows were rejected),
    then exactly ``created=N updated=U rejected=M``."""

    importer: Callable[..., ImportOutcome]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="xlsx 或 csv 文件")
        parser.add_argument("--campaign", type=int, help="专项行动 ID(默认:当前专项行动)")

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["path"]))
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        campaign = campaign_for_command(options["campaign"])  # type: ignore[arg-type]
        try:
            outcome = type(self).importer(campaign=campaign, path=path, original_name=path.name)
        except FileProblem as problem:
            raise CommandError(problem.message) from problem
        data_import = outcome.data_import
        if outcome.unchanged:
            self.stdout.write(_("其中 %(unchanged)d 条与已有数据完全相同") % {"unchanged": outcome.unchanged})
        if outcome.rejected_path:
            self.stdout.write(rejected_rows_line(outcome.rejected_path))
        self.stdout.write(
            f"created={data_import.created} updated={data_import.updated} rejected={data_import.rejected}"
        )
