import contextlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.commands import rejected_rows_line
from campaigns.selectors import campaign_for_command
from enrolment.columns import columns_help
from enrolment.tabular import FileProblem
from targets.services import RecomputeBusy, baselines_import, progress_run
from targets.services.baselines import BASELINE_COLUMNS


class Command(BaseCommand):
    help = (
        "导入各镇（街道）目标任务的基数（专项行动开始时的数值），xlsx 或 csv。表头："
        f"{columns_help(BASELINE_COLUMNS)}。全市的基数在所属镇（街道）一列填写“全市”；指标填写名称或代码，"
        "例如“城乡居民基本养老保险参保人数”或 resident_pension_insured；比率指标不设基数。"
        "最后一行输出 updated=N rejected=M；有未导入的行时，其前一行为 rejected rows: 未导入行清单（xlsx）的路径。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="xlsx 或 csv 文件")
        parser.add_argument("--campaign", type=int, help="专项行动 ID（默认：当前专项行动）")

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["path"]))
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        campaign = campaign_for_command(options["campaign"])  # type: ignore[arg-type]
        try:
            outcome = baselines_import(campaign=campaign, path=path, original_name=path.name)
        except FileProblem as problem:
            raise CommandError(problem.message) from problem
        data_import = outcome.data_import
        if data_import.updated > outcome.unchanged:
            # The figures follow at once, whether or not a worker is running to take the queued recompute.
            with contextlib.suppress(RecomputeBusy):  # the running one sees the change and runs again
                progress_run(campaign=campaign)
        if outcome.unchanged:
            self.stdout.write(_("其中 %(unchanged)d 个基数与已有数值相同") % {"unchanged": outcome.unchanged})
        if outcome.rejected_path:
            self.stdout.write(rejected_rows_line(outcome.rejected_path))
        self.stdout.write(f"updated={data_import.updated} rejected={data_import.rejected}")
