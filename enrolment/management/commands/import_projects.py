from django.utils.translation import gettext as _

from enrolment.columns import columns_help
from enrolment.management.commands._achieved import ImportCommand
from enrolment.services.records import PROJECT_COLUMNS, projects_import


class Command(ImportCommand):
    help = _(
        "导入新开工工程建设项目（xlsx 或 csv）。表头：%(columns)s。主管部门为住建、交通、水利等市直部门；"
        "是否参加工伤保险填“是”或“否”。同一镇（街道）同一施工许可证号再次导入时更新原记录。"
    ) % {"columns": columns_help(PROJECT_COLUMNS)}
    importer = staticmethod(projects_import)
