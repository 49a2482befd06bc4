from django.utils.translation import gettext as _

from enrolment.columns import columns_help
from enrolment.management.commands._achieved import ImportCommand
from enrolment.services.records import RECORD_COLUMNS, records_import


class Command(ImportCommand):
    help = _(
        "导入社保业务系统导出的参保记录（xlsx 或 csv）。表头：%(columns)s。险种为企业职工基本养老保险、失业保险、"
        "工伤保险或城乡居民基本养老保险；个人缴费金额用于城乡居民养老保险；是否城乡居民转入填“是”或“否”。"
        "同一人同一险种再次导入时更新原记录，不重复计数。"
    ) % {"columns": columns_help(RECORD_COLUMNS)}
    importer = staticmethod(records_import)
