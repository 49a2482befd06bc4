"""``python manage.py import_pushlist PATH --kind KIND [--batch LABEL] [--dry-run] [--campaign ID]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.commands import rejected_rows_line
from campaigns.selectors import campaign_for_command
from enrolment.models import ListKind
from enrolment.services.matching import matching_now
from enrolment.services.pushlist_import import ImportRefused, pushlist_import
from enrolment.tabular import FileProblem


class Command(BaseCommand):
    help = "导入一个推送清单文件（xlsx 或 csv）。最后一行输出 imported=N duplicates=D rejected=M。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="清单文件路径（.xlsx 或 .csv）")
        kinds = ", ".join(f"{value}={label}" for value, label in ListKind.choices)
        # Checked in handle(), not with argparse choices, so a wrong kind gets a Chinese message.
        parser.add_argument("--kind", required=True, help=f"清单类型：{kinds}")
        parser.add_argument("--batch", default="", help="批次名称（默认：文件名）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入数据库")
        parser.add_argument("--campaign", type=int, default=None, help="专项行动 ID（默认：当前专项行动）")
        parser.add_argument(
            "--region",
            default=None,
            help="市（州）下发的清单（含“所属县（市、区）”列）：区划代码，按县拆分导入各县当前专项行动",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": path})
        if options["region"]:
            self._split(path, options)
            return
        campaign = campaign_for_command(options["campaign"])
        try:
            result = pushlist_import(
                campaign=campaign,
                kind=options["kind"],
                path=path,
                label=options["batch"],
                dry_run=options["dry_run"],
            )
        except (ImportRefused, FileProblem) as problem:
            raise CommandError(problem.message) from problem
        if result.batch is not None:
            # The new entries meet the departments' lists and the business system's records before the command
            # returns (a worker would do the same once it sees the import's request).
            matching_now(campaign=campaign)
        if result.rejected_path:
            self.stdout.write(rejected_rows_line(result.rejected_path))
        self.stdout.write(result.counts_line)

    def _split(self, path: Path, options: dict[str, Any]) -> None:
        from campaigns.models import Region
        from enrolment.services.pushlist_split import pushlist_split_import

        region = Region.objects.filter(code=str(options["region"]).strip()).first()
        if region is None:
            raise CommandError(_("找不到区划代码为 %(code)s 的行政区划") % {"code": options["region"]})
        if options["dry_run"]:
            raise CommandError(_("按县拆分导入不支持 --dry-run"))
        try:
            result = pushlist_split_import(region=region, kind=options["kind"], path=path, label=options["batch"])
        except (ImportRefused, FileProblem) as problem:
            raise CommandError(problem.message) from problem
        for county, imported in result.by_county:
            self.stdout.write(f"{county.name}: {imported.counts_line}")
        for _row, reason in result.unplaced[:50]:
            self.stdout.write(reason)
        self.stdout.write(result.counts_line)
