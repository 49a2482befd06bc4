"""The column vocabulary: every header text staff use for each thing a spreadsheet holds.

Each importer declares its columns from these terms (``TOWN.column("town", required=True)``), so a
header that one importer recognises is recognised by every importer reading the same thing, and the
command help, the upload pages and the downloadable templates list the same headers.

The first header of a term is the one we write (templates, messages: "缺少必需的列：公民身份号码");
the others are the synonyms found in the prefecture's lists, the business system's exports and the
departments' own tables. Headers are compared after `campaigns.text.normalize_text`, so full-width
brackets and stray spaces in a file's header do not matter. Headers are data, not interface text: they
are matched against files and are therefore not translated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from enrolment.tabular import Column

__all__ = [
    "Term",
    "columns_help",
]


@dataclass(frozen=True)
class Term:
    """One thing a column can hold, with every header it goes by and an example value for templates."""

    headers: tuple[str, ...]
    example: object = ""

    @property
    def label(self) -> str:
        return self.headers[0]

    def column(self, field: str, *, required: bool = False) -> Column:
        return Column(field, self.headers, required=required)


# --- who and where -----------------------------------------------------------------------------------
PERSON_NAME = Term(("姓名",), "张三")
ID_NUMBER = Term(("公民身份号码", "身份证号码", "身份证号", "证件号码"), "530422198001010009")
EMPLOYER_NAME = Term(("单位名称", "企业名称"), "澄江市某某建材有限公司")
USCC = Term(("统一社会信用代码", "信用代码"), "9153000000049M302G")
COUNTY = Term(("所属县（市、区）", "县（市、区）", "县市区", "区县", "县区", "县（区）"), "澄江市")
TOWN = Term(("所属镇（街道）", "镇（街道）", "乡镇（街道）", "乡镇", "镇街"), "凤麓街道")
VILLAGE = Term(("所属村（社区）", "村（社区）", "村（居）委会", "社区"), "广龙社区")
PHONE = Term(("联系电话", "手机号码", "电话"), "13800000000")
ADDRESS = Term(("地址", "注册地址", "经营地址", "户籍地址"), "凤麓街道某某路 1 号")
WORKPLACE = Term(("工作单位", "就业单位"), "澄江市某某有限公司")
LEGAL_REP = Term(("法定代表人", "负责人"), "李四")
EMPLOYEES = Term(("从业人数", "职工人数", "用工人数"), 12)
INDUSTRY = Term(("行业", "行业类别", "所属行业"), "建材")

# --- insurance ---------------------------------------------------------------------------------------
INSURANCE = Term(("险种", "参保险种"), "企业职工基本养老保险")
INTERRUPTED_INSURANCE = Term(("中断险种", "险种"), "企业职工基本养老保险")
LAST_PAID = Term(("最后缴费年月", "中断缴费年月"), "2020-06")
ENROLLED_ON = Term(("参保日期",), "2021-06-15")
CONTRIBUTION = Term(("个人缴费金额", "缴费金额", "个人缴费档次"), 300)
TRANSFER = Term(("是否城乡居民转入",), "否")

# --- construction projects and pneumoconiosis rosters --------------------------------------------------
PROJECT_NAME = Term(("项目名称", "工程名称"), "澄江市某某道路改造工程")
PERMIT_NUMBER = Term(("施工许可证号", "施工许可证编号", "许可证号"), "530481202106010101")
COMPETENT_DEPARTMENT = Term(("主管部门", "行业主管部门"), "住建")
PERMIT_DATE = Term(("施工许可日期", "发证日期", "许可日期"), "2021-06-01")
INJURY_INSURED = Term(("是否参加工伤保险", "已参加工伤保险", "是否参保"), "是")
INJURY_INSURED_ON = Term(("工伤保险参保日期", "参保日期"), "2021-06-10")
ENTERPRISE = Term(("企业名称", "单位名称"), "澄江市某某磷化工有限公司")
WORKERS = Term(("劳动者人数", "职工人数", "从业人数"), 120)
COVERED_WORKERS = Term(("参加工伤保险人数", "工伤保险参保人数", "已参保人数"), 110)
STATISTICS_DATE = Term(("统计日期", "截至日期", "截止日期"), "2021-06-30")

# --- the departments' reference lists ----------------------------------------------------------------
DEATH_DATE = Term(("死亡日期", "死亡时间"), "2021-05-20")
SCHOOL = Term(("学校", "就读学校", "学校名称"), "澄江市第一中学")
GRADUATION = Term(("预计毕业时间", "预计毕业日期", "毕业时间", "毕业年月"), "2023-07")
INSURED_PLACE = Term(("参保地", "参保地区", "参保地点"), "本地")
POVERTY_CATEGORY = Term(("人员类别", "类别", "监测对象类别"), "脱贫人口")
ASSISTANCE_CATEGORY = Term(("救助类别", "人员类别", "类别"), "低保")
DISABILITY_GRADE = Term(("残疾等级", "等级"), "二级")
MOVED_OUT_ON = Term(("迁出日期", "户籍迁出日期", "迁出时间"), "2021-04-01")


# --- targets ------------------------------------------------------------------------------------------
INDICATOR = Term(("指标", "指标名称", "指标代码", "目标任务"), "城乡居民基本养老保险参保人数")
BASELINE = Term(("基数", "基数值", "起始值", "期初数"), 6000)


def columns_help(columns: Sequence[Column]) -> str:
    """The headers an importer reads, for help texts and upload pages.

    "姓名；公民身份号码（或 身份证号码、…）；…；所属村（社区）（或 …）（可选）"
    """
    parts = []
    for column in columns:
        text = column.label
        if len(column.headers) > 1:
            text += _("（或 %(others)s）") % {"others": "、".join(column.headers[1:])}
        if not column.required:
            text += _("（可选）")
        parts.append(text)
    return "；".join(parts)


def _terms() -> list[Term]:
    return [value for value in globals().values() if isinstance(value, Term)]


def example_for(column: Column) -> object:
    """The example value of the term a column was declared from ("" for a column of no term)."""
    for term in _terms():
        if term.headers == column.headers:
            return term.example
    return ""


TARGET_VALUE = Term(("目标值", "目标任务数", "目标数"), 17900)
NOTE = Term(("备注", "说明"), "")
