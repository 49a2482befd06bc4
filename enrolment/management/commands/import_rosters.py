from enrolment.management.commands._achieved import ImportCommand
from enrolment.services.records import rosters_import


class Command(ImportCommand):
    help = (
        "导入尘肺病重点行业企业劳动者工伤保险参保情况(xlsx 或 csv)。表头:企业名称/单位名称;"
        "统一社会信用代码/信用代码;所属镇(街道)/镇(街道)/乡镇(街道)/乡镇;行业/所属行业/行业类别(可选);"
        "劳动者人数/职工人数/从业人数;参加工伤保险人数/工伤保险参保人数/已参保人数;统计日期/截至日期/截止日期。"
        "同一企业同一统计日期再次导入时更新原记录;覆盖率按每家企业截至统计日的最新一行计算。"
    )
    importer = staticmethod(rosters_import)
