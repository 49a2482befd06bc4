from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from campaigns.models import Campaign, Village
from enrolment.models import DataImport, EnrolmentRecord, ImportStatus, Insurance
from targets.selectors import campaign_progress
from tests.targets.helpers import new_id_number, write_records_csv

JUNE_30 = datetime.date(2021, 6, 30)
RP, EP = "城乡居民基本养老保险", "企业职工基本养老保险"


@pytest.fixture
def ids() -> list[str]:
    return [new_id_number() for _ in range(6)]


@pytest.fixture
def export(tmp_path: Path, ids: list[str]) -> Path:
    return write_records_csv(
        tmp_path / "参保数据.csv",
        [
            ["张一", ids[0], RP, "2021-05-03", "凤麓街道", "东门社区", "300", ""],
            ["张二", ids[1], RP, "2021/6/4", "凤麓", "", "500", ""],
            ["张三", ids[2].lower(), RP, "2021年6月5日", "龙街", "", "200.5", "否"],
            ["张四", ids[3], EP, "2021-06-06", "右所镇", "", "", "是"],
            ["张五", ids[3], "失业保险", "2021-06-06", "右所镇", "", "", ""],
            ["张六", ids[4], "工伤保险", "2021-06-30", "海口镇", "", "", ""],
            ["张七", ids[5], EP, "2021-07-01", "海口镇", "", "", "否"],  # after as_of
            ["坏号", "530481199001011235", RP, "2021-06-01", "凤麓街道", "", "100", ""],
            ["无镇", new_id_number(), RP, "2021-06-01", "抚仙湖镇", "", "100", ""],
            ["坏险种", new_id_number(), "医疗保险", "2021-06-01", "凤麓街道", "", "100", ""],
            ["重复", ids[0], RP, "2021-05-03", "凤麓街道", "", "300", ""],
            ["坏日期", new_id_number(), RP, "2021-02-30", "凤麓街道", "", "", ""],
        ],
    )


def run(*args: str) -> list[str]:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def indicator(payload: dict, code: str) -> dict:
    return next(item for item in payload["indicators"] if item["code"] == code)


def town(payload: dict, code: str, name: str) -> dict:
    return next(row for row in indicator(payload, code)["towns"] if row["town"] == name)


def test_import_then_recompute_gives_exact_figures(chengjiang: Campaign, export: Path) -> None:
    lines = run("import_enrolments", str(export))
    assert lines[-1] == "created=7 updated=0 rejected=5"
    rejected = Path(lines[-2].removeprefix("rejected rows: "))
    assert rejected.is_file() and rejected.suffix == ".xlsx"
    run("recompute_progress", "--as-of", "2021-06-30")
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    assert indicator(payload, "resident_pension_insured")["city"]["actual"] == 3
    assert town(payload, "resident_pension_insured", "凤麓街道")["actual"] == 2
    assert town(payload, "resident_pension_insured", "龙街街道")["actual"] == 1
    assert indicator(payload, "employee_pension_insured")["city"]["actual"] == 12375 + 1
    assert indicator(payload, "unemployment_insured")["city"]["actual"] == 10801 + 1
    assert indicator(payload, "work_injury_insured")["city"]["actual"] == 23404 + 1
    assert indicator(payload, "resident_to_employee_transfer")["city"]["actual"] == 1
    assert town(payload, "resident_to_employee_transfer", "右所镇")["actual"] == 1
    assert indicator(payload, "resident_avg_contribution")["city"]["actual"] == round((300 + 500 + 200.5) / 3, 2)
    assert town(payload, "resident_avg_contribution", "凤麓街道")["actual"] == 400.0
    assert town(payload, "resident_avg_contribution", "龙街街道")["actual"] == 200.5


def test_importing_the_same_export_again_changes_nothing(chengjiang: Campaign, export: Path) -> None:
    run("import_enrolments", str(export))
    run("recompute_progress", "--as-of", "2021-06-30")
    before = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    lines = run("import_enrolments", str(export))
    assert lines[-1] == "created=0 updated=7 rejected=5"
    run("recompute_progress", "--as-of", "2021-06-30")
    after = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    for payload in (before, after):
        payload.pop("computed_at")
    assert after == before
    assert EnrolmentRecord.objects.count() == 7
    assert DataImport.objects.filter(status=ImportStatus.DONE).count() == 2


def test_the_next_cumulative_export_updates_records(chengjiang: Campaign, tmp_path: Path, ids: list[str]) -> None:
    first = write_records_csv(tmp_path / "may.csv", [["张一", ids[0], RP, "2021-05-03", "凤麓", "", "300", ""]])
    second = write_records_csv(
        tmp_path / "june.csv",
        [
            ["张一", ids[0], RP, "2021-05-03", "凤麓", "", "500", ""],
            ["张二", ids[1], RP, "2021-06-03", "凤麓", "", "300", ""],
        ],
    )
    assert run("import_enrolments", str(first))[-1] == "created=1 updated=0 rejected=0"
    assert run("import_enrolments", str(second))[-1] == "created=1 updated=1 rejected=0"
    assert EnrolmentRecord.objects.get(id_number=ids[0]).contribution == 500


def test_rejected_rows_come_back_with_their_reasons(chengjiang: Campaign, export: Path) -> None:
    lines = run("import_enrolments", str(export))
    sheet = load_workbook(lines[-2].removeprefix("rejected rows: ")).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "行号" and rows[0][-1] == "原因"
    reasons = {row[0]: row[-1] for row in rows[1:]}
    assert set(reasons) == {9, 10, 11, 12, 13}
    assert "校验位" in reasons[9]
    assert "抚仙湖镇" in reasons[10]
    assert "医疗保险" in reasons[11]
    assert "与第 2 行重复" in reasons[12]
    assert "参保日期" in reasons[13]


def test_an_unknown_village_is_created_under_its_town(chengjiang: Campaign, export: Path, fenglu) -> None:
    run("import_enrolments", str(export))
    village = Village.objects.get(name="东门社区")
    assert village.town == fenglu
    assert village.kind == Village.Kind.COMMUNITY
    assert EnrolmentRecord.objects.get(name="张一").village == village


def test_an_xlsx_export_with_a_title_row_and_date_cells(chengjiang: Campaign, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2021年参保人员名单"])
    sheet.append(["姓名", "身份证号码", "险种", "参保日期", "乡镇", "缴费金额"])
    sheet.append(["李一", new_id_number(), RP, datetime.datetime(2021, 6, 3), "九村", 330])
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    assert run("import_enrolments", str(path))[-1] == "created=1 updated=0 rejected=0"
    record = EnrolmentRecord.objects.get()
    assert (record.enrolled_on, record.insurance, record.town.name) == (
        datetime.date(2021, 6, 3),
        Insurance.RESIDENT_PENSION,
        "九村镇",
    )


def test_a_missing_required_column_stores_nothing(chengjiang: Campaign, tmp_path: Path) -> None:
    path = write_records_csv(tmp_path / "bad.csv", [["李一", new_id_number()]], header=["序号", "姓名", "身份证号"])
    with pytest.raises(CommandError, match="险种"):
        run("import_enrolments", str(path))
    assert not EnrolmentRecord.objects.exists()
    assert DataImport.objects.get().status == ImportStatus.FAILED


def test_projects_and_rosters_import(chengjiang: Campaign, tmp_path: Path) -> None:
    from enrolment.identifiers import make_uscc

    projects = write_records_csv(
        tmp_path / "projects.csv",
        [
            ["一号楼", "P-1", "住建", "凤麓街道", "2021-04-01", "是", "2021-04-02"],
            ["二号桥", "P-2", "交通", "龙街", "2021-05-01", "否", ""],
            ["三号渠", "P-3", "不存在", "龙街", "2021-05-01", "否", ""],
        ],
        header=[
            "序号",
            "项目名称",
            "施工许可证号",
            "主管部门",
            "所属镇(街道)",
            "施工许可日期",
            "是否参加工伤保险",
            "工伤保险参保日期",
        ],
    )
    assert run("import_projects", str(projects))[-1] == "created=2 updated=0 rejected=1"
    assert run("import_projects", str(projects))[-1] == "created=0 updated=2 rejected=1"
    rosters = write_records_csv(
        tmp_path / "rosters.csv",
        [
            ["矿业公司", make_uscc(7), "海口", "采矿", "100", "80", "2021-05-31"],
            ["石材厂", make_uscc(8), "海口", "石材", "10", "20", "2021-05-31"],
        ],
        header=[
            "序号",
            "企业名称",
            "统一社会信用代码",
            "镇(街道)",
            "行业",
            "劳动者人数",
            "参加工伤保险人数",
            "统计日期",
        ],
    )
    assert run("import_rosters", str(rosters))[-1] == "created=1 updated=0 rejected=1"
    run("recompute_progress", "--as-of", "2021-06-30")
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    assert indicator(payload, "construction_injury_rate")["city"]["actual"] == 0.5
    assert indicator(payload, "pneumoconiosis_injury_rate")["city"]["actual"] == 0.8
