"""Enrolment records: import of the social-insurance system's exports, manual entry, and the other
achieved-work sources (construction projects, pneumoconiosis rosters)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, Department, Town, User, Village
from enrolment.identifiers import IdentifierError, normalize_id_number, normalize_uscc
from enrolment.models import (
    ConstructionProject,
    DataImport,
    EnrolmentRecord,
    Insurance,
    PneumoconiosisRoster,
)
from enrolment.services._upsert import ImportOutcome, RowError, TownIndex, run_import, upsert
from enrolment.tabular import Column, DataRow, parse_date, parse_decimal, parse_whole_number, parse_yes_no
from enrolment.text import normalize_text

TOWN_HEADERS = ("所属镇(街道)", "镇(街道)", "乡镇(街道)", "乡镇", "镇街")

RECORD_COLUMNS = (
    Column("name", ("姓名",), required=True),
    Column("id_number", ("公民身份号码", "身份证号码", "身份证号"), required=True),
    Column("insurance", ("险种",), required=True),
    Column("enrolled_on", ("参保日期",), required=True),
    Column("town", TOWN_HEADERS, required=True),
    Column("village", ("所属村(社区)", "村(社区)")),
    Column("contribution", ("个人缴费金额", "缴费金额", "个人缴费档次")),
    Column("transfer", ("是否城乡居民转入",)),
)

# The insurance names of the business system, and the shorter ones staff type by hand.
_INSURANCE_NAMES: dict[str, str] = {normalize_text(choice.label): choice.value for choice in Insurance}
_INSURANCE_NAMES.update(
    {
        **{normalize_text(choice.value): choice.value for choice in Insurance},
        "企业职工养老保险": Insurance.EMPLOYEE_PENSION,
        "企业养老保险": Insurance.EMPLOYEE_PENSION,
        "城乡居民养老保险": Insurance.RESIDENT_PENSION,
        "城乡居民基本养老": Insurance.RESIDENT_PENSION,
        "居民养老保险": Insurance.RESIDENT_PENSION,
    }
)


def parse_insurance(value: object) -> str:
    name = normalize_text(value)
    if not name:
        raise RowError("险种:未填写")
    insurance = _INSURANCE_NAMES.get(name)
    if insurance is None:
        allowed = "、".join(str(choice.label) for choice in Insurance)
        raise RowError(f"险种:“{name}”不是可导入的险种(应为 {allowed} 之一)")
    return insurance


def _cell(label: str, parse: Any, value: object) -> Any:
    try:
        return parse(value)
    except (ValueError, IdentifierError) as exc:
        raise RowError(f"{label}:{exc}") from exc


def _required_text(label: str, value: object, max_length: int) -> str:
    text = normalize_text(value)
    if not text:
        raise RowError(f"{label}:未填写")
    if len(text) > max_length:
        raise RowError(f"{label}:超过 {max_length} 个字")
    return text


def _not_in_future(label: str, day: datetime.date) -> datetime.date:
    if day > timezone.localdate():
        raise RowError(f"{label}:{day:%Y-%m-%d} 晚于今天")
    return day


def records_import(
    *,
    campaign: Campaign,
    path: str | Path,
    original_name: str | None = None,
    uploaded_by: User | None = None,
    data_import: DataImport | None = None,
) -> ImportOutcome:
    """Import an enrolment export (xlsx/csv). Key = (campaign, ID number, insurance): a cumulative export
    imported again refreshes the records it already holds and never counts a person twice."""
    towns = TownIndex(campaign)

    def validate(row: DataRow) -> dict[str, Any]:
        values = row.values
        name = _required_text("姓名", values["name"], 100)
        id_number = _cell("公民身份号码", normalize_id_number, values["id_number"])
        insurance = parse_insurance(values["insurance"])
        enrolled_on = _not_in_future("参保日期", _cell("参保日期", parse_date, values["enrolled_on"]))
        town = towns.town(values["town"])
        village = towns.want_village(town, values.get("village"))
        contribution = values.get("contribution")
        if normalize_text(contribution) == "":
            contribution = None
        else:
            contribution = _cell("个人缴费金额", parse_decimal, contribution)
        if contribution is not None and contribution >= 10**8:
            raise RowError("个人缴费金额:数额过大")
        transfer = _cell("是否城乡居民转入", parse_yes_no, values.get("transfer"))
        return {
            "campaign_id": campaign.pk,
            "id_number": id_number,
            "insurance": insurance,
            "name": name,
            "enrolled_on": enrolled_on,
            "town_id": town.pk,
            "village": village,
            "contribution": contribution,
            "is_transfer": transfer,
        }

    def store(rows: list[dict[str, Any]], data_import: DataImport) -> tuple[int, int, int]:
        for row in rows:
            row["village_id"] = towns.village_id(row["town_id"], row.pop("village"))
            row["source"] = EnrolmentRecord.Source.IMPORT
            row["data_import_id"] = data_import.pk
        return upsert(
            EnrolmentRecord,
            rows,
            key_fields=("campaign_id", "id_number", "insurance"),
            update_fields=(
                "name",
                "enrolled_on",
                "town_id",
                "village_id",
                "contribution",
                "is_transfer",
                "data_import_id",
            ),
            lookup_field="id_number",
            scope={"campaign": campaign},
        )

    return run_import(
        campaign=campaign,
        path=path,
        source=DataImport.Source.ENROLMENTS,
        columns=RECORD_COLUMNS,
        original_name=original_name,
        uploaded_by=uploaded_by,
        data_import=data_import,
        validate=validate,
        store=store,
        key=lambda values: (values["id_number"], values["insurance"]),
        key_label="公民身份号码和险种",
        before_store=towns.create_missing_villages,
    )


PROJECT_COLUMNS = (
    Column("name", ("项目名称", "工程名称"), required=True),
    Column("permit_number", ("施工许可证号", "施工许可证编号", "许可证号"), required=True),
    Column("department", ("主管部门", "行业主管部门")),
    Column("town", TOWN_HEADERS, required=True),
    Column("permit_date", ("施工许可日期", "发证日期", "许可日期"), required=True),
    Column("injury_insured", ("是否参加工伤保险", "已参加工伤保险", "是否参保")),
    Column("insured_on", ("工伤保险参保日期", "参保日期")),
)


def projects_import(
    *,
    campaign: Campaign,
    path: str | Path,
    original_name: str | None = None,
    uploaded_by: User | None = None,
    data_import: DataImport | None = None,
) -> ImportOutcome:
    """Import new construction projects. Key = (town, permit number)."""
    towns = TownIndex(campaign)
    departments: dict[str, Department] = {}
    for department in Department.objects.filter(county_id=campaign.county_id):
        departments[normalize_text(department.name)] = department
        if department.full_name:
            departments[normalize_text(department.full_name)] = department

    def validate(row: DataRow) -> dict[str, Any]:
        values = row.values
        department_name = normalize_text(values.get("department"))
        department = departments.get(department_name) if department_name else None
        if department_name and department is None:
            raise RowError(f"主管部门:“{department_name}”不是本市的市直部门")
        insured = _cell("是否参加工伤保险", parse_yes_no, values.get("injury_insured"))
        insured_on = None
        if normalize_text(values.get("insured_on")):
            insured_on = _cell("工伤保险参保日期", parse_date, values["insured_on"])
            insured = True
        return {
            "name": _required_text("项目名称", values["name"], 200),
            "permit_number": _required_text("施工许可证号", values["permit_number"], 100),
            "department_id": department.pk if department else None,
            "town_id": towns.town(values["town"]).pk,
            "permit_date": _cell("施工许可日期", parse_date, values["permit_date"]),
            "injury_insured": insured,
            "insured_on": insured_on,
        }

    def store(rows: list[dict[str, Any]], data_import: DataImport) -> tuple[int, int, int]:
        return upsert(
            ConstructionProject,
            rows,
            key_fields=("town_id", "permit_number"),
            update_fields=("name", "department_id", "permit_date", "injury_insured", "insured_on"),
            lookup_field="permit_number",
            scope={"town__county_id": campaign.county_id},
        )

    return run_import(
        campaign=campaign,
        path=path,
        source=DataImport.Source.CONSTRUCTION_PROJECTS,
        columns=PROJECT_COLUMNS,
        original_name=original_name,
        uploaded_by=uploaded_by,
        data_import=data_import,
        validate=validate,
        store=store,
        key=lambda values: (values["town_id"], values["permit_number"]),
        key_label="镇(街道)和施工许可证号",
    )


ROSTER_COLUMNS = (
    Column("enterprise", ("企业名称", "单位名称"), required=True),
    Column("uscc", ("统一社会信用代码", "信用代码"), required=True),
    Column("town", TOWN_HEADERS, required=True),
    Column("industry", ("行业", "所属行业", "行业类别")),
    Column("workers", ("劳动者人数", "职工人数", "从业人数"), required=True),
    Column("covered_workers", ("参加工伤保险人数", "工伤保险参保人数", "已参保人数"), required=True),
    Column("as_of", ("统计日期", "截至日期", "截止日期"), required=True),
)


def rosters_import(
    *,
    campaign: Campaign,
    path: str | Path,
    original_name: str | None = None,
    uploaded_by: User | None = None,
    data_import: DataImport | None = None,
) -> ImportOutcome:
    """Import pneumoconiosis key-industry enterprise rosters. Key = (USCC, date)."""
    towns = TownIndex(campaign)

    def validate(row: DataRow) -> dict[str, Any]:
        values = row.values
        workers = _cell("劳动者人数", parse_whole_number, values["workers"])
        covered = _cell("参加工伤保险人数", parse_whole_number, values["covered_workers"])
        if covered > workers:
            raise RowError(f"参加工伤保险人数:{covered} 大于劳动者人数 {workers}")
        return {
            "uscc": _cell("统一社会信用代码", normalize_uscc, values["uscc"]),
            "enterprise": _required_text("企业名称", values["enterprise"], 200),
            "town_id": towns.town(values["town"]).pk,
            "industry": normalize_text(values.get("industry"))[:100],
            "workers": workers,
            "covered_workers": covered,
            "as_of": _not_in_future("统计日期", _cell("统计日期", parse_date, values["as_of"])),
        }

    def store(rows: list[dict[str, Any]], data_import: DataImport) -> tuple[int, int, int]:
        return upsert(
            PneumoconiosisRoster,
            rows,
            key_fields=("uscc", "as_of"),
            update_fields=("enterprise", "town_id", "industry", "workers", "covered_workers"),
            lookup_field="uscc",
            scope={"town__county_id": campaign.county_id},
        )

    return run_import(
        campaign=campaign,
        path=path,
        source=DataImport.Source.PNEUMOCONIOSIS_ROSTERS,
        columns=ROSTER_COLUMNS,
        original_name=original_name,
        uploaded_by=uploaded_by,
        data_import=data_import,
        validate=validate,
        store=store,
        key=lambda values: (values["uscc"], values["as_of"]),
        key_label="统一社会信用代码和统计日期",
    )


@transaction.atomic
def record_create(
    *,
    campaign: Campaign,
    user: User,
    id_number: str,
    name: str,
    insurance: str,
    enrolled_on: datetime.date,
    town: Town,
    village: Village | None = None,
    contribution: Any = None,
    is_transfer: bool = False,
) -> EnrolmentRecord:
    """Manual entry by town staff (their own town only: the caller's form restricts the choices) or admins."""
    from targets.services import progress_recompute_request

    record = EnrolmentRecord(
        campaign=campaign,
        id_number=id_number,
        name=name,
        insurance=insurance,
        enrolled_on=enrolled_on,
        town=town,
        village=village,
        contribution=contribution,
        is_transfer=is_transfer,
        source=EnrolmentRecord.Source.MANUAL,
    )
    record._history_user = user
    record.full_clean()
    record.save()
    progress_recompute_request(campaign=campaign)
    return record
