from enrolment.management.commands._achieved import ImportCommand
from enrolment.services.records import records_import


class Command(ImportCommand):
    help = (
        "导入社保业务系统导出的参保记录(xlsx 或 csv)。表头:姓名;公民身份号码/身份证号码/身份证号;"
        "险种(企业职工基本养老保险、失业保险、工伤保险、城乡居民基本养老保险);参保日期;"
        "所属镇(街道)/镇(街道)/乡镇(街道)/乡镇;所属村(社区)/村(社区)(可选);"
        "个人缴费金额/缴费金额/个人缴费档次(城乡居民养老保险,可选);是否城乡居民转入(是/否,可选)。"
        "同一人同一险种再次导入时更新原记录,不重复计数。"
    )
    importer = staticmethod(records_import)
