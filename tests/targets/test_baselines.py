"""Baselines: the page's grid, the upload, ``import_baselines``, and the rules the service keeps itself."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from campaigns.models import Campaign, Role, Town
from enrolment.models import DataImport, Insurance
from targets.models import Target
from targets.selectors import campaign_progress, missing_baselines
from targets.services import BaselineError, baselines_set
from tests.factories import CampaignFactory, IndicatorFactory, TargetFactory
from tests.targets.helpers import records

PAGE = "/targets/baselines/"
UPLOAD = "/targets/baselines/upload/"
RP = "resident_pension_insured"
JUNE_30 = datetime.date(2021, 6, 30)


def target(campaign: Campaign, code: str, town: Town | None) -> Target:
    return Target.objects.get(campaign=campaign, indicator__code=code, town=town)


def grid_post(campaign: Campaign, **changes: str) -> dict[str, str]:
    """The grid form as the page sends it: every box with its shown value, some of them changed.

    ``changes`` are keyed by target id as ``t<id>``.
    """
    data = {}
    for item in Target.objects.filter(campaign=campaign).exclude(indicator__kind="rate"):
        shown = "" if item.baseline is None else f"{item.baseline.normalize():f}"
        data[f"b{item.pk}"] = shown
        data[f"o{item.pk}"] = shown
    for key, value in changes.items():
        data[f"b{key.removeprefix('t')}"] = value
    return data


def baselines_csv(tmp_path: Path, rows: list[list[object]], header=("镇(街道)", "指标", "基数")) -> Path:
    path = tmp_path / "基数.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# --- the page -----------------------------------------------------------------------------------------


def test_the_grid_lists_every_baselined_target_and_says_which_are_missing(login, office_user, chengjiang) -> None:
    response = login(office_user).get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    # Counts and averages; rates have no baseline.
    assert "城乡居民基本养老保险参保人数" in body and "新开工工程建设项目工伤保险参保率" not in body
    fenglu_rp = target(chengjiang, RP, Town.objects.get(name="凤麓街道"))
    assert f'name="b{fenglu_rp.pk}"' in body
    assert "基数未设置" in body
    # The city's resident pension and the six towns' are missing; the towns' averages use the city's 223.
    assert 'data-testid="baselines-missing"' in body and "还有 7 项基数未设置" in body
    assert "沿用全市 223.00" in body


def test_the_office_sets_a_baseline_and_the_town_is_judged_on_its_increment(
    login, office_user, chengjiang, fenglu, django_capture_on_commit_callbacks
) -> None:
    records(chengjiang, fenglu, 31, Insurance.RESIDENT_PENSION)
    before = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    row = next(
        r for item in before["indicators"] if item["code"] == RP for r in item["towns"] if r["town"] == "凤麓街道"
    )
    assert (row["completion"], row["status"]) == (None, "no_baseline")

    cell = target(chengjiang, RP, fenglu)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(office_user).post(PAGE, grid_post(chengjiang, **{f"t{cell.pk}": "5,000"}), follow=True)
    assert "已保存 1 个基数" in response.content.decode()
    cell.refresh_from_db()
    assert cell.baseline == Decimal(5000)
    latest = cell.history.first()
    assert (latest.baseline, latest.history_user, latest.history_change_reason) == (
        Decimal(5000),
        office_user,
        "在基数设置页面修改",
    )
    # The recompute the change asked for has replaced the stored snapshots: 31 of the 1,550 asked for.
    after = login(office_user).get("/api/progress/", {"as_of": "2021-06-30"}).json()
    row = next(
        r for item in after["indicators"] if item["code"] == RP for r in item["towns"] if r["town"] == "凤麓街道"
    )
    assert (row["baseline"], row["actual"], row["new"]) == (5000, 5031, 31)
    assert row["completion"] == round(31 / 1550, 3) == 0.02
    assert row["status"] == "behind"


def test_an_emptied_box_clears_the_baseline(login, office_user, chengjiang) -> None:
    transfer = target(chengjiang, "resident_to_employee_transfer", None)
    assert transfer.baseline == 0
    login(office_user).post(PAGE, grid_post(chengjiang, **{f"t{transfer.pk}": ""}))
    transfer.refresh_from_db()
    assert transfer.baseline is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "不能是负数"),
        ("12.5", "基数应为整数"),
        ("很多", "不是有效的数值"),
        ("99999999999", "过大"),
    ],
)
def test_a_bad_value_is_refused_beside_its_box_and_nothing_is_saved(
    login, office_user, chengjiang, fenglu, longjie, value, message
) -> None:
    good, bad = target(chengjiang, RP, longjie), target(chengjiang, RP, fenglu)
    response = login(office_user).post(PAGE, grid_post(chengjiang, **{f"t{good.pk}": "30000", f"t{bad.pk}": value}))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "is-invalid" in body
    # All or nothing: the good box is not saved either, and what was typed is still there.
    assert target(chengjiang, RP, longjie).baseline is None
    assert 'value="30000"' in body


def test_a_baseline_changed_meanwhile_by_someone_else_is_not_overwritten(login, office_user, chengjiang, fenglu):
    cell = target(chengjiang, RP, fenglu)
    form = grid_post(chengjiang, **{f"t{cell.pk}": "5000"})
    Target.objects.filter(pk=cell.pk).update(baseline=4800)  # another office user saved first
    response = login(office_user).post(PAGE, form)
    assert response.status_code == 400
    assert "已被他人改为 4800" in response.content.decode()
    assert target(chengjiang, RP, fenglu).baseline == 4800


@pytest.mark.parametrize("role", [Role.TOWN, Role.DEPARTMENT])
def test_units_can_neither_see_nor_set_baselines(login, users, chengjiang, fenglu, role) -> None:
    cell = target(chengjiang, RP, fenglu)
    client = login(users[role])
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, grid_post(chengjiang, **{f"t{cell.pk}": "1"})).status_code == 403
    upload = SimpleUploadedFile("基数.csv", "镇(街道),指标,基数\n凤麓,城乡居民基本养老保险参保人数,1\n".encode())
    assert client.post(UPLOAD, {"file": upload}).status_code == 403
    assert target(chengjiang, RP, fenglu).baseline is None


def test_admins_set_baselines_too(login, admin_user, chengjiang, fenglu) -> None:
    cell = target(chengjiang, RP, fenglu)
    login(admin_user).post(PAGE, grid_post(chengjiang, **{f"t{cell.pk}": "1.2万"}))
    assert target(chengjiang, RP, fenglu).baseline == 12000


# --- the service keeps its own rules ------------------------------------------------------------------


def test_the_service_refuses_a_user_without_the_permission(town_user, chengjiang, fenglu) -> None:
    cell = target(chengjiang, RP, fenglu)
    with pytest.raises(PermissionDenied):
        baselines_set(campaign=chengjiang, user=town_user, values={cell.pk: Decimal(1)})
    assert target(chengjiang, RP, fenglu).baseline is None


def test_the_service_refuses_another_countys_campaign_and_its_targets(office_user, chengjiang, fenglu) -> None:
    other = CampaignFactory()
    foreign = TargetFactory(campaign=other, indicator=IndicatorFactory(code=RP))
    office_user.county = chengjiang.county
    office_user.save()
    with pytest.raises(PermissionDenied):
        baselines_set(campaign=other, user=office_user, values={foreign.pk: Decimal(1)})
    with pytest.raises(BaselineError, match="不属于本专项行动"):
        baselines_set(campaign=chengjiang, user=office_user, values={foreign.pk: Decimal(1)})
    foreign.refresh_from_db()
    assert foreign.baseline is None


def test_a_rate_has_no_baseline(office_user, chengjiang) -> None:
    rate = target(chengjiang, "construction_injury_rate", None)
    with pytest.raises(BaselineError, match="比率指标，不设基数"):
        baselines_set(campaign=chengjiang, user=office_user, values={rate.pk: Decimal("0.5")})


def test_the_missing_baselines_are_the_targets_that_cannot_be_judged(chengjiang, fenglu) -> None:
    missing = {
        (item.indicator.code, item.town.name if item.town else "全市")
        for item in missing_baselines(campaign=chengjiang)
    }
    assert missing == {(RP, "全市")} | {(RP, town.name) for town in Town.objects.filter(county=chengjiang.county)}
    # Without the city's 223 the towns' averages cannot be judged either.
    Target.objects.filter(campaign=chengjiang, indicator__code="resident_avg_contribution", town=None).update(
        baseline=None
    )
    codes = [item.indicator.code for item in missing_baselines(campaign=chengjiang)]
    assert codes.count("resident_avg_contribution") == 7


def test_the_office_start_page_lists_the_missing_baselines_as_a_task(login, office_user, users, chengjiang) -> None:
    body = login(office_user).get("/start/office/").content.decode()
    assert 'data-testid="missing-baselines"' in body and "以下 7 项目标任务尚未设置基数" in body
    assert 'data-testid="missing-baselines"' not in login(users[Role.TOWN]).get("/start/town/").content.decode()
    Target.objects.filter(campaign=chengjiang, indicator__code=RP).update(baseline=0)
    assert 'data-testid="missing-baselines"' not in login(office_user).get("/start/office/").content.decode()


# --- the upload and the command -----------------------------------------------------------------------


def test_an_uploaded_file_sets_the_baselines_it_names(login, office_user, chengjiang, fenglu, longjie) -> None:
    content = "镇(街道),指标,基数\n凤麓,城乡居民基本养老保险参保人数,5000\n龙街街道,resident_pension_insured,3.6万\n"
    response = login(office_user).post(
        UPLOAD, {"file": SimpleUploadedFile("基数.csv", content.encode("utf-8-sig"))}, follow=True
    )
    assert "已导入“基数.csv”：2 个基数" in response.content.decode()
    assert (target(chengjiang, RP, fenglu).baseline, target(chengjiang, RP, longjie).baseline) == (5000, 36000)
    upload = DataImport.objects.get(source=DataImport.Source.BASELINES)
    assert (upload.updated, upload.rejected, upload.uploaded_by) == (2, 0, office_user)
    assert target(chengjiang, RP, fenglu).history.first().history_user == office_user


def test_an_upload_with_bad_rows_says_how_many_and_links_to_the_reasons(login, office_user, chengjiang) -> None:
    content = "镇(街道),指标,基数\n凤麓,城乡居民基本养老保险参保人数,5000\n东城,城乡居民基本养老保险参保人数,1\n"
    response = login(office_user).post(UPLOAD, {"file": SimpleUploadedFile("基数.csv", content.encode())}, follow=True)
    body = response.content.decode()
    upload = DataImport.objects.get(source=DataImport.Source.BASELINES)
    assert "1 行未导入" in body and f"/imports/{upload.pk}/" in body


def test_an_upload_without_the_columns_is_refused_on_the_form(login, office_user, chengjiang) -> None:
    content = "单位名称,数量\n凤麓,5000\n"
    response = login(office_user).post(UPLOAD, {"file": SimpleUploadedFile("基数.csv", content.encode())})
    assert response.status_code == 400
    assert "缺少" in response.content.decode()
    assert not DataImport.objects.exists()


def test_import_baselines_prints_the_rejected_rows_path_then_the_counts(chengjiang, fenglu, tmp_path, capsys) -> None:
    path = baselines_csv(
        tmp_path,
        [
            ["凤麓街道", "城乡居民基本养老保险参保人数", 5000],  # updated
            ["全市", "城乡居民基本养老保险参保人数", "90,000"],  # the city's row
            ["澄江市", "城乡居民基本养老保险人均个人年缴费", "223元"],  # updated, the value it held
            ["右所", "resident_to_employee_transfer", 0],  # updated, the value it held
            ["东城镇", "城乡居民基本养老保险参保人数", 1],  # unknown town
            ["九村镇", "企业职工基本养老保险参保人数", 100],  # no such town target
            ["海口镇", "某某指标", 100],  # unknown indicator
            ["全市", "新开工工程建设项目工伤保险参保率", "0.5"],  # a rate
            ["路居镇", "城乡居民基本养老保险参保人数", -3],  # negative
            ["路居镇", "城乡居民基本养老保险参保人数", 12.5],  # not whole
            ["凤麓", "城乡居民基本养老保险参保人数", 5001],  # the same target twice
            ["合计", "城乡居民基本养老保险参保人数", 106800],  # a total row
            ["九村镇", "城乡居民基本养老保险参保人数", ""],  # empty
        ],
    )
    call_command("import_baselines", str(path))
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "updated=4 rejected=9"
    rejected = Path(lines[-2].removeprefix("rejected rows: "))
    assert rejected.suffix == ".xlsx" and rejected.exists()
    reasons = [row[-1] for row in openpyxl.load_workbook(rejected).active.iter_rows(min_row=2, values_only=True)]
    assert reasons == [
        "所属镇（街道）“东城镇”不是澄江市的镇（街道）",
        "九村镇没有“企业职工基本养老保险参保人数”的目标任务",
        "指标：“某某指标”不是本系统的指标（请填写指标名称或代码）",
        "全市“新开工工程建设项目工伤保险参保率”是比率指标，不设基数",
        "路居镇“城乡居民基本养老保险参保人数”的基数不能是负数",
        "路居镇“城乡居民基本养老保险参保人数”是人数，基数应为整数",
        "与第 2 行重复（所属镇（街道）和指标相同），未导入",
        "合计行不导入（全市的基数请在所属镇（街道）填写“全市”）",
        "基数：未填写",
    ]
    assert target(chengjiang, RP, fenglu).baseline == 5000
    assert target(chengjiang, RP, None).baseline == 90000
    assert "其中 2 个基数与已有数值相同" in lines


def test_after_import_baselines_the_town_is_judged_on_its_increment(chengjiang, fenglu, tmp_path, capsys) -> None:
    records(chengjiang, fenglu, 155, Insurance.RESIDENT_PENSION)
    path = baselines_csv(tmp_path, [["凤麓", "城乡居民基本养老保险参保人数", 5000]])
    call_command("import_baselines", str(path))
    assert capsys.readouterr().out.strip().splitlines()[-1] == "updated=1 rejected=0"
    call_command("recompute_progress", "--as-of", "2021-06-30", verbosity=0)
    payload = campaign_progress(campaign=chengjiang, as_of=JUNE_30)
    row = next(
        r for item in payload["indicators"] if item["code"] == RP for r in item["towns"] if r["town"] == "凤麓街道"
    )
    assert (row["completion"], row["status"], row["rank"]) == (round(155 / 1550, 3), "behind", 1)


def test_import_baselines_reads_an_xlsx_with_a_title_row(chengjiang, fenglu, tmp_path, capsys) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2021年各镇（街道）城乡居民养老保险参保人数基数"])
    sheet.append(["序号", "镇（街道）", "指标名称", "基数"])
    sheet.append([1, "凤麓街道", "城乡居民基本养老保险参保人数", 5000])
    path = tmp_path / "基数.xlsx"
    book.save(path)
    call_command("import_baselines", str(path))
    assert capsys.readouterr().out.strip().splitlines()[-1] == "updated=1 rejected=0"
    assert target(chengjiang, RP, fenglu).baseline == 5000


def test_import_baselines_refuses_a_file_without_its_columns(chengjiang, tmp_path) -> None:
    from django.core.management.base import CommandError

    path = baselines_csv(tmp_path, [["凤麓", 5000]], header=("镇(街道)", "数量"))
    with pytest.raises(CommandError, match="指标"):
        call_command("import_baselines", str(path), stdout=io.StringIO())


def test_a_box_the_form_did_not_send_is_left_as_it_is(login, office_user, chengjiang, fenglu) -> None:
    cell = target(chengjiang, RP, fenglu)
    login(office_user).post(PAGE, {f"b{cell.pk}": "5000", f"o{cell.pk}": ""})
    assert target(chengjiang, RP, fenglu).baseline == 5000
    # Every other baseline of the grid is as the fixture set it.
    assert target(chengjiang, "employee_pension_insured", None).baseline == 12375
    assert target(chengjiang, "resident_to_employee_transfer", None).baseline == 0
