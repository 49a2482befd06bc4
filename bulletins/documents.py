"""A bulletin as a Word document laid out as an official notice (GB/T 9704-2012 党政机关公文格式).

A4 with the standard margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm); the issuing office's name in
red across the top (发文机关标志), the document number under it and a red rule; the title in 2号小标宋; the body in
3号仿宋 (the recipients, the month's progress, the praised and the criticised with why, the commentary), the
tables, and the issuing office and date at the end. The office edits and issues it from Word.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from bulletins.models import Bulletin, BulletinUnit, Verdict
from bulletins.selectors import settings_for
from targets.templatetags.measures import completion, measure, percent

if TYPE_CHECKING:
    from docx.document import Document

RED = "C00000"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"


def _run(
    paragraph: object, text: str, *, font: str = BODY_FONT, size: float = 16, bold: bool = False, red: bool = False
):
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    if red:
        run.font.color.rgb = RGBColor.from_string(RED)
    return run


def _paragraph(document: Document, text: str = "", *, align: str = "justify", indent: bool = True, **style):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.alignment = {
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }[align]
    fmt = paragraph.paragraph_format
    fmt.line_spacing = Pt(28)  # 22 lines a page at 3号
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(32)  # two characters of 3号
    if text:
        _run(paragraph, text, **style)
    return paragraph


def _red_rule(paragraph: object) -> None:
    """A red line under the paragraph (版头中的分隔线)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", RED)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _table(document: Document, header: list[str], rows: list[list[str]]) -> None:
    from docx.shared import Pt

    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for index, label in enumerate(header):
        cell = table.rows[0].cells[index]
        cell.paragraphs[0].text = ""
        _run(cell.paragraphs[0], label, font=HEADING_FONT, size=10.5)
    for values in rows:
        cells = table.add_row().cells
        for index, value in enumerate(values):
            cells[index].paragraphs[0].text = ""
            _run(cells[index].paragraphs[0], str(value), size=10.5)
    for row in table.rows:
        for cell in row.cells:
            cell.paragraphs[0].paragraph_format.space_after = Pt(0)


def write_bulletin_document(bulletin: Bulletin, units: list[BulletinUnit]) -> bytes:
    from docx import Document as new_document
    from docx.shared import Mm

    snapshot = bulletin.snapshot
    issuer = snapshot.get("issuer") or settings_for(bulletin.campaign).issuer
    document = new_document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    # 版头: the issuing office in red, the number, the red rule.
    _paragraph(document, issuer, align="center", indent=False, font=TITLE_FONT, size=26, red=True)
    number = _paragraph(document, bulletin.number or _("（草稿，发布时编号）"), align="center", indent=False, size=16)
    _red_rule(number)
    _paragraph(document)
    # 主体
    _paragraph(document, bulletin.title, align="center", indent=False, font=TITLE_FONT, size=22)
    _paragraph(document)
    _paragraph(document, _("各镇(街道)、市直各部门："), align="left", indent=False)
    city = [item for item in snapshot["indicators"] if item.get("city")]
    overview = _("截至%(day)s，专项行动时间进度为%(progress)s。") % {
        "day": snapshot["as_of"],
        "progress": percent(snapshot["time_progress"]),
    }
    overview += "；".join(
        _("%(name)s完成%(actual)s%(unit)s，完成率%(completion)s")
        % {
            "name": item["name"],
            "actual": measure(item["city"].get("actual"), item["kind"]),
            "unit": item["unit"],
            "completion": completion(item["city"]),
        }
        for item in city
    )
    _paragraph(document, overview + "。")
    ranked = [town for town in snapshot["towns"] if town["rank"]]
    if ranked:
        _paragraph(
            document,
            _("各镇(街道)综合完成率排名依次为：%(order)s。")
            % {"order": "、".join(f"{town['name']}（{percent(town['composite'])}）" for town in ranked)},
        )
    sections = ((Verdict.PRAISE, _("一、通报表扬")), (Verdict.CRITICISM, _("二、通报批评")))
    for verdict, heading in sections:
        chosen = [row for row in units if row.verdict == verdict]
        _paragraph(document, heading, font=HEADING_FONT)
        if not chosen:
            _paragraph(document, _("本月无。"))
        for row in chosen:
            reasons = "；".join(row.candidate_reasons + ([row.reason] if row.reason else []))
            _paragraph(document, f"{row.unit.name}：{reasons}。" if reasons else f"{row.unit.name}。")
    _paragraph(document, _("三、工作要求"), font=HEADING_FONT)
    for text in (bulletin.commentary or _("请各单位对照目标任务，加快工作进度。")).splitlines():
        if text.strip():
            _paragraph(document, text.strip())
    _paragraph(document)
    _paragraph(document, _("附件：各镇(街道)目标任务完成情况排名及月报报送情况"), indent=True)

    # 落款: the issuing office and the date, right-aligned.
    _paragraph(document)
    _paragraph(document, issuer, align="right", indent=False)
    day = timezone.localtime(bulletin.published_at).date() if bulletin.published_at else timezone.localdate()
    _paragraph(
        document,
        _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day},
        align="right",
        indent=False,
    )

    # 附件: the tables.
    document.add_page_break()
    _paragraph(document, _("附件"), align="left", indent=False, font=HEADING_FONT)
    _paragraph(
        document,
        _("%(month)s各镇(街道)目标任务完成情况排名") % {"month": snapshot["label"]},
        align="center",
        indent=False,
        font=TITLE_FONT,
        size=18,
    )
    cells: dict[str, dict[str, dict]] = {}
    for item in snapshot["indicators"]:
        for row in item["towns"]:
            cells.setdefault(row["town"], {})[item["code"]] = row
    with_targets = [
        item for item in snapshot["indicators"] if any(row.get("target") is not None for row in item["towns"])
    ]
    _table(
        document,
        [_("排名"), _("镇(街道)"), *(item["name"] for item in with_targets), _("综合完成率")],
        [
            [
                town["rank"] or "—",
                town["name"],
                *(completion(cells.get(town["name"], {}).get(item["code"], {})) for item in with_targets),
                percent(town["composite"]),
            ]
            for town in snapshot["towns"]
        ],
    )
    if snapshot.get("period"):
        _paragraph(document)
        _paragraph(
            document,
            _("%(month)s月报报送情况") % {"month": snapshot["label"]},
            align="center",
            indent=False,
            font=TITLE_FONT,
            size=18,
        )
        _table(
            document,
            [_("单位"), _("报送情况"), _("首次报送时间")],
            [
                [report["name"], report["label"], (report["submitted_at"] or "—").replace("T", " ")[:16]]
                for report in snapshot["reports"]
            ],
        )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
