"""Acceptance of `import_enrolments` + `recompute_progress` + `/api/progress/` (issue 4).

The export is built row by row with what each row means (or None for a row the issue says to reject);
the expected figures per town and for the city are computed here from those meanings, following the
issue's definitions, not with the code under test.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from campaigns.models import Campaign, Village
from enrolment.models import EnrolmentRecord
from tests.acceptance.files import full_width, id_number, write_csv, write_xlsx

AS_OF = datetime.date(2021, 6, 30)
START = datetime.date(2021, 3, 18)
CJK = re.compile(r"[\u4e00-\u9fff]")
HEADER = (
    "序号",
    "姓名",
    "性别",
    "公民身份号码",
    "险种",
    "参保日期",
    "所属镇（街道）",
    "所属村（社区）",
    "个人缴费金额",
    "是否城乡居民转入",
    "备注",
)
EP, UI, WI, RP = "企业职工基本养老保险", "失业保险", "工伤保险", "城乡居民基本养老保险"
COUNT_CODES = {
    EP: "employee_pension_insured",
    UI: "unemployment_insured",
    WI: "work_injury_insured",
    RP: "resident_pension_insured",
}
# City baselines of the shipped fixture (澄政办发〔2021〕32号: the totals minus the new enrolments).
CITY_BASELINES = {
    "employee_pension_insured": 12375,
    "unemployment_insured": 10801,
    "work_injury_insured": 23404,
    "resident_pension_insured": 0,
    "resident_to_employee_transfer": 0,
}
TOWNS = ("凤麓街道", "龙街街道", "右所镇", "海口镇", "九村镇", "路居镇")


@dataclass(frozen=True)
class Meaning:
    insurance: str
    enrolled_on: datetime.date
    town: str
    contribution: Decimal | None = None
    transfer: bool = False


def person(n: int) -> str:
    return id_number("530481", "19700101", n)


def export_rows() -> list[tuple[Meaning | None, list[object] | None]]:
    """(what the row means or None if it must be rejected, cells)."""
    d = datetime.date
    return [
        (
            Meaning(RP, d(2021, 6, 3), "凤麓街道", Decimal(300)),
            [1, "甲", "男", person(1), RP, d(2021, 6, 3), "凤麓街道", "东龙社区", 300, "", ""],
        ),
        (
            Meaning(RP, d(2021, 6, 3), "凤麓街道", Decimal(500)),
            [2, "乙", "女", person(2), RP, "2021-06-03", "凤麓", "", "500", "否", ""],
        ),
        (
            Meaning(RP, d(2021, 6, 3), "龙街街道", Decimal(200)),
            [3, "丙", "男", person(3), RP, "2021/6/3", " 龙街 ", "", "200元", "", ""],
        ),
        (
            Meaning(RP, d(2021, 6, 3), "龙街街道", Decimal(1000)),
            [4, "丁", "男", person(4), RP, "2021年6月3日", "龙街街道", "", "1,000", "", ""],
        ),
        (
            Meaning(RP, d(2021, 4, 1), "右所镇", None),
            [5, "戊", "男", person(5), RP, "2021.4.1", "右所镇", "", "", "", "未填缴费"],
        ),
        (
            Meaning(RP, d(2021, 2, 1), "右所镇", Decimal(100)),
            [6, "己", "男", person(6), RP, "2021-02-01", "右所", "", 100, "", "活动开始前"],
        ),
        (
            Meaning(RP, d(2020, 12, 15), "右所镇", Decimal(900)),
            [7, "庚", "男", person(7), RP, "2020-12-15", "右所", "", 900, "", "上一年"],
        ),
        (
            Meaning(RP, d(2021, 7, 1), "凤麓街道", Decimal(2000)),
            [8, "辛", "男", person(8), RP, "2021-07-01", "凤麓", "", 2000, "", "截止日后"],
        ),
        (
            Meaning(EP, d(2021, 6, 10), "右所镇", transfer=True),
            [9, "壬", "男", person(9), EP, d(2021, 6, 10), "右所镇", "", "", "是", "转入"],
        ),
        (
            Meaning(UI, d(2021, 6, 10), "右所镇"),
            [10, "壬", "男", person(9), UI, d(2021, 6, 10), "右所镇", "", "", "", ""],
        ),
        (
            Meaning(WI, d(2021, 6, 10), "右所镇"),
            [11, "壬", "男", person(9), WI, d(2021, 6, 10), "右所镇", "", "", "", ""],
        ),
        (
            Meaning(EP, d(2021, 6, 30), "海口镇", transfer=True),
            [
                12,
                "癸",
                "男",
                person(10),
                EP,
                datetime.datetime(2021, 6, 30, 0, 0),
                "海口镇",
                "",
                "",
                "是",
                "截止日当天",
            ],
        ),
        (
            Meaning(EP, d(2021, 5, 5), "九村镇"),
            [13, "子", "男", full_width(person(11)), "企业职工基本养老保险 ", "20210505", "九村", "", "", "否", ""],
        ),
        (
            Meaning(EP, d(2021, 7, 2), "路居镇", transfer=True),
            [14, "丑", "男", person(12), EP, "2021-07-02", "路居", "", "", "是", "截止日后"],
        ),
        (
            Meaning(RP, d(2021, 3, 18), "路居镇", Decimal("330.50"), transfer=True),
            [15, "寅", "男", person(13), RP, "2021-03-18", "路居镇", "新村", "330.5", "是", "居民险不算转入"],
        ),
        (
            Meaning(WI, d(2021, 3, 17), "海口镇"),
            [16, "卯", "男", person(14), WI, "2021-03-17", "海口", "", "", "", "开始前一天"],
        ),
        (
            None,
            [
                17,
                "坏号",
                "男",
                person(15)[:17] + ("1" if person(15)[17] != "1" else "2"),
                RP,
                "2021-06-01",
                "凤麓",
                "",
                100,
                "",
                "",
            ],
        ),
        (None, [18, "数字号", "男", int(person(16).replace("X", "9")), RP, "2021-06-01", "凤麓", "", 100, "", ""]),
        (None, [19, "医保", "男", person(17), "医疗保险", "2021-06-01", "凤麓", "", "", "", ""]),
        (None, [20, "坏日期", "男", person(18), RP, "2021-02-30", "凤麓", "", "", "", ""]),
        (None, [21, "无镇", "男", person(19), RP, "2021-06-01", "抚仙湖镇", "", "", "", ""]),
        (None, [22, "", "男", person(20), RP, "2021-06-01", "凤麓", "", "", "", "无姓名"]),
        (None, [23, "将来", "男", person(21), RP, "2099-01-01", "凤麓", "", "", "", ""]),
        (None, [24, "甲", "男", person(1), RP, "2021-06-03", "凤麓", "", 300, "", "同一文件重复"]),
        (None, [25, "坏金额", "男", person(22), RP, "2021-06-01", "凤麓", "", "abc", "", ""]),
        (None, [26, "坏转入", "男", person(23), EP, "2021-06-01", "凤麓", "", "", "也许", ""]),
        (None, [27, "无日期", "男", person(24), EP, None, "凤麓", "", "", "", ""]),
        (None, [28]),
        ("empty", None),
    ]


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def meanings(rows: list[tuple[Meaning | None, list[object] | None]]) -> list[Meaning]:
    return [meaning for meaning, _cells in rows if isinstance(meaning, Meaning)]


def rejected_count(rows: list[tuple[Meaning | None, list[object] | None]]) -> int:
    return sum(1 for meaning, _cells in rows if meaning is None)


def expected_figures(records: list[Meaning]) -> dict[str, dict[str, float]]:
    """indicator code → {town name or "city": actual}, by the issue's definitions."""
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(int))
    contributions: dict[str, list[Decimal]] = defaultdict(list)
    for record in records:
        in_campaign = START <= record.enrolled_on <= AS_OF
        if in_campaign:
            counts[COUNT_CODES[record.insurance]][record.town] += 1
            if record.insurance == EP and record.transfer:
                counts["resident_to_employee_transfer"][record.town] += 1
        in_year = datetime.date(2021, 1, 1) <= record.enrolled_on <= AS_OF
        if record.insurance == RP and in_year and record.contribution is not None:
            contributions[record.town].append(record.contribution)
            contributions["city"].append(record.contribution)
    figures: dict[str, dict[str, float]] = {}
    for code, baseline in CITY_BASELINES.items():
        by_town = counts[code]
        figures[code] = {town: by_town.get(town, 0) for town in TOWNS}
        figures[code]["city"] = baseline + sum(by_town.values())
    figures["resident_avg_contribution"] = {
        place: float((sum(amounts) / len(amounts)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        for place, amounts in contributions.items()
    }
    for town in TOWNS:
        figures["resident_avg_contribution"].setdefault(town, 0)
    return figures


def api_figures(client: object) -> tuple[dict[str, object], dict[str, dict[str, float]]]:
    response = client.get("/api/progress/", {"as_of": AS_OF.isoformat()})
    assert response.status_code == 200
    payload = response.json()
    assert payload["as_of"] == "2021-06-30"
    found: dict[str, dict[str, float]] = {}
    for indicator in payload["indicators"]:
        found[indicator["code"]] = {"city": indicator["city"]["actual"]} | {
            row["town"]: row["actual"] for row in indicator["towns"]
        }
    return payload, found


def without_timestamps(payload: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in payload.items() if key != "computed_at"}


@pytest.mark.django_db
def test_an_export_gives_exact_progress_and_importing_it_again_changes_nothing(
    chengjiang: Campaign, office_user: object, login: object, tmp_path: Path
) -> None:
    rows = export_rows()
    path = write_xlsx(tmp_path / "6月参保数据.xlsx", HEADER, [cells for _meaning, cells in rows], text_columns=(3,))
    valid, rejected = len(meanings(rows)), rejected_count(rows)
    assert (valid, rejected) == (16, 12)

    lines = run("import_enrolments", str(path))
    assert lines[-1] == f"created={valid} updated=0 rejected={rejected}"
    assert lines[-2].removeprefix("rejected rows: ").endswith(".xlsx")
    sheet = load_workbook(lines[-2].removeprefix("rejected rows: "), read_only=True).worksheets[0]
    header, *rejected_rows = sheet.iter_rows(values_only=True)
    assert list(header) == ["行号", *HEADER, "原因"]
    header_row = 4
    expected_numbers = [header_row + i for i, (meaning, _c) in enumerate(rows, start=1) if meaning is None]
    assert [row[0] for row in rejected_rows] == expected_numbers
    assert all(CJK.search(row[-1]) for row in rejected_rows)
    assert "文本" in rejected_rows[1][-1]  # the ID that Excel turned into a number
    assert Village.objects.filter(name="新村", town__name="路居镇").exists()

    assert run("recompute_progress", "--as-of", AS_OF.isoformat())
    client = login(office_user)
    payload, found = api_figures(client)
    expected = expected_figures(meanings(rows))
    for code, places in expected.items():
        for place, value in places.items():
            assert found[code][place] == value, (code, place)
    # Spelled out once, so the derivation above is checked too.
    assert found["resident_pension_insured"]["city"] == 6
    assert found["resident_pension_insured"]["凤麓街道"] == 2
    assert found["resident_to_employee_transfer"]["city"] == 2
    assert found["resident_avg_contribution"]["city"] == 405.08  # (300+500+200+1000+100+330.5) / 6
    assert found["resident_avg_contribution"]["龙街街道"] == 600
    assert found["employee_pension_insured"]["city"] == 12375 + 3

    # The same export again: every valid row is held already, nothing is counted twice.
    records_before = list(EnrolmentRecord.objects.order_by("pk").values())
    lines = run("import_enrolments", str(path))
    assert lines[-1] == f"created=0 updated={valid} rejected={rejected}"
    assert list(EnrolmentRecord.objects.order_by("pk").values()) == records_before
    run("recompute_progress", "--as-of", AS_OF.isoformat())
    payload_again, _found = api_figures(client)
    assert without_timestamps(payload_again) == without_timestamps(payload)


@pytest.mark.django_db
def test_the_next_cumulative_export_updates_records_and_never_counts_a_person_twice(
    chengjiang: Campaign, office_user: object, login: object, tmp_path: Path
) -> None:
    june = export_rows()[:4]
    write_csv(tmp_path / "6月.csv", HEADER, [cells for _m, cells in june], encoding="gb18030", title="6月导出")
    assert run("import_enrolments", str(tmp_path / "6月.csv"))[-1] == "created=4 updated=0 rejected=0"
    # July's export holds June's people again (one with a higher contribution) and one new person.
    d = datetime.date
    july = [
        *june[:3],
        (
            Meaning(RP, d(2021, 6, 3), "龙街街道", Decimal(1500)),
            [4, "丁", "男", person(4), RP, "2021-06-03", "龙街", "", 1500, "", "改档"],
        ),
        (
            Meaning(RP, d(2021, 6, 20), "海口镇", Decimal(400)),
            [5, "新", "女", person(30), RP, "2021-06-20", "海口", "", 400, "", ""],
        ),
    ]
    write_csv(tmp_path / "7月.csv", HEADER, [cells for _m, cells in july], encoding="utf-8-sig", title=None)
    assert run("import_enrolments", str(tmp_path / "7月.csv"))[-1] == "created=1 updated=4 rejected=0"
    assert EnrolmentRecord.objects.count() == 5
    run("recompute_progress", "--as-of", AS_OF.isoformat())
    _payload, found = api_figures(login(office_user))
    expected = expected_figures(meanings(july))
    for code in ("resident_pension_insured", "resident_avg_contribution"):
        for place, value in expected[code].items():
            assert found[code][place] == value, (code, place)
    assert found["resident_pension_insured"]["city"] == 5
    assert found["resident_avg_contribution"]["龙街街道"] == 850


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_an_export_in_csv_in_every_encoding(chengjiang: Campaign, tmp_path: Path, encoding: str) -> None:
    rows = [(m, c) for m, c in export_rows() if c is None or len(c) < 4 or not isinstance(c[3], int)]
    path = write_csv(tmp_path / "export.csv", HEADER, [cells for _m, cells in rows], encoding=encoding)
    lines = run("import_enrolments", str(path))
    assert lines[-1] == f"created={len(meanings(rows))} updated=0 rejected={rejected_count(rows)}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (("序号", "姓名", "险种", "参保日期", "所属镇(街道)"), "公民身份号码"),
        (("序号", "姓名", "身份证号", "参保日期", "乡镇"), "险种"),
        (("序号", "姓名", "身份证号码", "险种", "镇(街道)"), "参保日期"),
    ],
)
def test_a_file_without_a_required_column_names_it_and_stores_no_record(
    chengjiang: Campaign, tmp_path: Path, header: tuple[str, ...], missing: str
) -> None:
    path = write_xlsx(tmp_path / "export.xlsx", header, [[1, "甲", person(1), RP, "凤麓"]])
    with pytest.raises(CommandError, match=missing):
        run("import_enrolments", str(path))
    assert not EnrolmentRecord.objects.exists()


@pytest.mark.django_db
def test_a_corrupt_export_exits_non_zero_and_stores_no_record(chengjiang: Campaign, tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"\x00" * 100 + "姓名".encode())
    with pytest.raises(CommandError, match="损坏"):
        run("import_enrolments", str(path))
    assert not EnrolmentRecord.objects.exists()


def test_the_real_commands_print_the_counts_and_a_second_import_changes_nothing(manage: object, tmp_path: Path) -> None:
    rows = export_rows()
    path = write_xlsx(tmp_path / "参保数据.xlsx", HEADER, [cells for _meaning, cells in rows], text_columns=(3,))
    valid, rejected = len(meanings(rows)), rejected_count(rows)
    result = manage("import_enrolments", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"created={valid} updated=0 rejected={rejected}"
    assert Path(lines[-2].removeprefix("rejected rows: ")).is_file()
    result = manage("recompute_progress", "--as-of", AS_OF.isoformat())
    assert result.returncode == 0, result.stderr

    again = manage("import_enrolments", str(path))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == f"created=0 updated={valid} rejected={rejected}"

    missing = write_xlsx(tmp_path / "缺列.xlsx", ("序号", "姓名", "身份证号码", "险种"), [[1, "甲", person(1), RP]])
    result = manage("import_enrolments", str(missing))
    assert result.returncode != 0
    assert "参保日期" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("as_of", ["2021-06-30", "2021-06-15"])
def test_progress_follows_a_later_import_without_an_explicit_recompute(
    chengjiang: Campaign,
    office_user: object,
    login: object,
    tmp_path: Path,
    as_of: str,
    django_capture_on_commit_callbacks: object,
) -> None:
    first = export_rows()[:2]  # 凤麓: 300 and 500 on 2021-06-03
    write_csv(tmp_path / "a.csv", HEADER, [cells for _m, cells in first], encoding="utf-8")
    # Every write asks for a recompute once it has committed: run those callbacks, as autocommit would.
    with django_capture_on_commit_callbacks(execute=True):
        run("import_enrolments", str(tmp_path / "a.csv"))
    with django_capture_on_commit_callbacks(execute=True):
        run("recompute_progress", "--as-of", as_of)
    client = login(office_user)

    def fenglu(code: str) -> float:
        payload = client.get("/api/progress/", {"as_of": as_of}).json()
        indicator = next(item for item in payload["indicators"] if item["code"] == code)
        return next(row["actual"] for row in indicator["towns"] if row["town"] == "凤麓街道")

    assert (fenglu("resident_pension_insured"), fenglu("resident_avg_contribution")) == (2, 400)
    later = [
        *first,
        (None, [3, "新", "男", person(40), RP, "2021-06-01", "凤麓", "", 700, "", ""]),
    ]
    write_csv(tmp_path / "b.csv", HEADER, [cells for _m, cells in later], encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        assert run("import_enrolments", str(tmp_path / "b.csv"))[-1] == "created=1 updated=2 rejected=0"
    assert (fenglu("resident_pension_insured"), fenglu("resident_avg_contribution")) == (3, 500)
