from enrolment.management.commands._achieved import ImportCommand
from enrolment.services.records import projects_import


class Command(ImportCommand):
    help = (
        "导入新开工工程建设项目(xlsx 或 csv)。表头:项目名称/工程名称;施工许可证号/施工许可证编号/许可证号;"
        "主管部门/行业主管部门(可选,住建、交通、水利等);所属镇(街道)/镇(街道)/乡镇(街道)/乡镇;"
        "施工许可日期/发证日期/许可日期;是否参加工伤保险(是/否);工伤保险参保日期(可选)。"
        "同一镇(街道)同一施工许可证号再次导入时更新原记录。"
    )
    importer = staticmethod(projects_import)
