"""``python manage.py import_reference PATH --kind KIND [--as-of YYYY-MM-DD] [--campaign ID]``."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.commands import rejected_rows_line
from campaigns.selectors import campaign_for_command
from enrolment.models import ReferenceKind
from enrolment.services.matching import matching_now
from enrolment.services.references import ReferenceRefused, check_kind, owning_department, reference_import
from enrolment.tabular import FileProblem


class Command(BaseCommand):
    help = "导入一份部门比对数据（xlsx 或 csv）。最后一行输出 imported=N duplicates=D rejected=M。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="数据文件路径（.xlsx 或 .csv）")
        kinds = ", ".join(f"{value}={label}" for value, label in ReferenceKind.choices)
        # Checked in handle(), not with argparse choices, so a wrong kind gets a Chinese message.
        parser.add_argument("--kind", required=True, help=f"数据类型：{kinds}")
        parser.add_argument("--as-of", default=None, help="数据截止日期 YYYY-MM-DD（默认：今天）")
        parser.add_argument("--campaign", type=int, default=None, help="专项行动 ID（默认：当前专项行动）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            check_kind(options["kind"])
        except ReferenceRefused as refused:
            raise CommandError(refused.message) from refused
        as_of = None
        if options["as_of"]:
            try:
                as_of = datetime.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(
                    _("数据截止日期“%(value)s”无效，应为 YYYY-MM-DD") % {"value": options["as_of"]}
                ) from None
            if not 1900 <= as_of.year <= 2100:
                raise CommandError(
                    _("数据截止日期“%(value)s”无效，应在 1900—2100 年之间") % {"value": options["as_of"]}
                )
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": path})
        campaign = campaign_for_command(options["campaign"])
        try:
            owning_department(campaign, options["kind"])
            result = reference_import(campaign=campaign, kind=options["kind"], path=path, as_of=as_of)
        except (ReferenceRefused, FileProblem) as problem:
            raise CommandError(problem.message) from problem
        if result.reference_list.is_current:
            matching_now(campaign=campaign)
        if result.rejected_path:
            self.stdout.write(rejected_rows_line(result.rejected_path))
        self.stdout.write(result.counts_line)
