from django.utils.translation import gettext as _

from enrolment.columns import columns_help
from enrolment.management.commands._achieved import ImportCommand
from enrolment.services.records import ROSTER_COLUMNS, rosters_import


class Command(ImportCommand):
    help = _(
        "导入尘肺病重点行业企业劳动者工伤保险参保情况（xlsx 或 csv）。表头：%(columns)s。"
        "同一企业同一统计日期再次导入时更新原记录；覆盖率按每家企业截至统计日的最新一行计算。"
    ) % {"columns": columns_help(ROSTER_COLUMNS)}
    importer = staticmethod(rosters_import)
