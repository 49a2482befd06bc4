"""Enrolment records: import of the social-insurance system's exports, manual entry, and the other
achieved-work sources (construction projects, pneumoconiosis rosters)."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Department, Town, User, Village
from campaigns.places import Places
from campaigns.scoping import writable_towns
from campaigns.text import normalize_text
from enrolment import columns as terms
from enrolment.identifiers import IdentifierError, normalize_id_number, normalize_uscc
from enrolment.models import (
    ConstructionProject,
    DataImport,
    EnrolmentRecord,
    Insurance,
    PneumoconiosisRoster,
)
from enrolment.services._progress import progress_changed
from enrolment.services._upsert import ImportOutcome, RowError, run_import, upsert
from enrolment.services.matching import entries_close_by_records
from enrolment.tabular import DataRow, parse_date, parse_decimal, parse_whole_number, parse_yes_no

logger = logging.getLogger(__name__)

RECORD_COLUMNS = (
    terms.PERSON_NAME.column("name", required=True),
    terms.ID_NUMBER.column("id_number", required=True),
    terms.INSURANCE.column("insurance", required=True),
    terms.ENROLLED_ON.column("enrolled_on", required=True),
    terms.TOWN.column("town", required=True),
    terms.VILLAGE.column("village"),
    terms.CONTRIBUTION.column("contribution"),
    terms.TRANSFER.column("transfer"),
)

# The insurance names of the business system, and the shorter ones staff type by hand: input vocabulary,
# compared with cell text, so not translated (the labels shown are the TextChoices labels).
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
        raise RowError(_("%(label)s：未填写") % {"label": terms.INSURANCE.label})
    insurance = _INSURANCE_NAMES.get(name)
    if insurance is None:
        allowed = "、".join(str(choice.label) for choice in Insurance)
        raise RowError(
            _("%(label)s：“%(name)s”不是可导入的险种（应为 %(allowed)s 之一）")
            % {"label": terms.INSURANCE.label, "name": name, "allowed": allowed}
        )
    return insurance


def _cell(label: str, parse: Any, value: object) -> Any:
    try:
        return parse(value)
    except (ValueError, IdentifierError) as exc:
        raise RowError(f"{label}：{exc}") from exc


def _required_text(label: str, value: object, max_length: int) -> str:
    text = normalize_text(value)
    if not text:
        raise RowError(_("%(label)s：未填写") % {"label": label})
    if len(text) > max_length:
        raise RowError(_("%(label)s：超过 %(n)d 个字") % {"label": label, "n": max_length})
    return text


def _not_in_future(label: str, day: datetime.date) -> datetime.date:
    if day > timezone.localdate():
        raise RowError(_("%(label)s：%(day)s 晚于今天") % {"label": label, "day": f"{day:%Y-%m-%d}"})
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
    places = Places(campaign.county_id)

    def validate(row: DataRow) -> dict[str, Any]:
        values = row.values
        name = _required_text(terms.PERSON_NAME.label, values["name"], 100)
        id_number = _cell(terms.ID_NUMBER.label, normalize_id_number, values["id_number"])
        insurance = parse_insurance(values["insurance"])
        enrolled_label = terms.ENROLLED_ON.label
        enrolled_on = _not_in_future(enrolled_label, _cell(enrolled_label, parse_date, values["enrolled_on"]))
        town = places.town(values["town"])
        village = places.village(values.get("village"))
        contribution = values.get("contribution")
        if normalize_text(contribution) == "":
            contribution = None
        else:
            contribution = _cell(terms.CONTRIBUTION.label, parse_decimal, contribution)
        if contribution is not None and contribution >= 10**8:
            raise RowError(_("%(label)s：数额过大") % {"label": terms.CONTRIBUTION.label})
        transfer = _cell(terms.TRANSFER.label, parse_yes_no, values.get("transfer"))
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
        places.villages_create_missing((row["town_id"], row["village"]) for row in rows)
        for row in rows:
            row["village_id"] = places.village_id(row["town_id"], row.pop("village"))
            row["source"] = EnrolmentRecord.Source.IMPORT
            row["data_import_id"] = data_import.pk
        counts = upsert(
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
        # The business system is the system of record: its pension records close the open entries they name.
        entries_close_by_records(campaign=campaign, data_import=data_import)
        return counts

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
        key_label=_("%(id)s和%(insurance)s") % {"id": terms.ID_NUMBER.label, "insurance": terms.INSURANCE.label},
    )


PROJECT_COLUMNS = (
    terms.PROJECT_NAME.column("name", required=True),
    terms.PERMIT_NUMBER.column("permit_number", required=True),
    terms.COMPETENT_DEPARTMENT.column("department"),
    terms.TOWN.column("town", required=True),
    terms.PERMIT_DATE.column("permit_date", required=True),
    terms.INJURY_INSURED.column("injury_insured"),
    terms.INJURY_INSURED_ON.column("insured_on"),
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
    places = Places(campaign.county_id)
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
            raise RowError(
                _("%(label)s：“%(name)s”不是%(county)s的市直部门")
                % {"label": terms.COMPETENT_DEPARTMENT.label, "name": department_name, "county": places.county_name}
            )
        insured = _cell(terms.INJURY_INSURED.label, parse_yes_no, values.get("injury_insured"))
        insured_on = None
        if normalize_text(values.get("insured_on")):
            insured_on = _cell(terms.INJURY_INSURED_ON.label, parse_date, values["insured_on"])
            insured = True
        return {
            "name": _required_text(terms.PROJECT_NAME.label, values["name"], 200),
            "permit_number": _required_text(terms.PERMIT_NUMBER.label, values["permit_number"], 100),
            "department_id": department.pk if department else None,
            "town_id": places.town(values["town"]).pk,
            "permit_date": _cell(terms.PERMIT_DATE.label, parse_date, values["permit_date"]),
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
        key_label=_("%(town)s和%(permit)s") % {"town": terms.TOWN.label, "permit": terms.PERMIT_NUMBER.label},
    )


ROSTER_COLUMNS = (
    terms.ENTERPRISE.column("enterprise", required=True),
    terms.USCC.column("uscc", required=True),
    terms.TOWN.column("town", required=True),
    terms.INDUSTRY.column("industry"),
    terms.WORKERS.column("workers", required=True),
    terms.COVERED_WORKERS.column("covered_workers", required=True),
    terms.STATISTICS_DATE.column("as_of", required=True),
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
    places = Places(campaign.county_id)

    def validate(row: DataRow) -> dict[str, Any]:
        values = row.values
        workers = _cell(terms.WORKERS.label, parse_whole_number, values["workers"])
        covered = _cell(terms.COVERED_WORKERS.label, parse_whole_number, values["covered_workers"])
        if covered > workers:
            raise RowError(
                _("%(covered_label)s：%(covered)d 大于%(workers_label)s %(workers)d")
                % {
                    "covered_label": terms.COVERED_WORKERS.label,
                    "covered": covered,
                    "workers_label": terms.WORKERS.label,
                    "workers": workers,
                }
            )
        as_of_label = terms.STATISTICS_DATE.label
        return {
            "uscc": _cell(terms.USCC.label, normalize_uscc, values["uscc"]),
            "enterprise": _required_text(terms.ENTERPRISE.label, values["enterprise"], 200),
            "town_id": places.town(values["town"]).pk,
            "industry": normalize_text(values.get("industry"))[:100],
            "workers": workers,
            "covered_workers": covered,
            "as_of": _not_in_future(as_of_label, _cell(as_of_label, parse_date, values["as_of"])),
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
        key_label=_("%(uscc)s和%(date)s") % {"uscc": terms.USCC.label, "date": terms.STATISTICS_DATE.label},
    )


ADD_RECORD_PERMISSION = "enrolment.add_enrolmentrecord"


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
    """Enter one enrolment record by hand: town staff for their own town, admins for any town of their county.

    Checks its own rules, whoever calls it: the permission and the town's scope (PermissionDenied, nothing
    written), then the values (ValidationError keyed by field: the ID number, a date not after today, the
    village in the town, a transfer only into the employee pension, no second record of the same person and
    insurance in the campaign: when the campaign already holds that person under that insurance in another
    town, the answer is the same as for a new record and nothing is written — telling the user would reveal, to
    anyone who can type an ID number, whether that person is insured and recorded elsewhere).
    """
    if not user.has_perm(ADD_RECORD_PERMISSION):
        raise PermissionDenied(_("您没有录入参保记录的权限"))
    in_scope = writable_towns(user).filter(pk=town.pk, county_id=campaign.county_id).exists()
    if not in_scope or not Campaign.objects.for_user(user).filter(pk=campaign.pk).exists():
        raise PermissionDenied(_("该镇（街道）不在您的管辖范围内"))
    errors: dict[str, str] = {}
    try:
        id_number = normalize_id_number(id_number)
    except IdentifierError as error:
        errors["id_number"] = error.message
    name = " ".join(str(name or "").split())
    if not name:
        errors["name"] = _("请填写姓名")
    if insurance not in Insurance.values:
        errors["insurance"] = _("请选择险种")
    if enrolled_on > timezone.localdate():
        errors["enrolled_on"] = _("参保日期不能晚于今天")
    if village is not None and village.town_id != town.pk:
        errors["village"] = _("该村（社区）不属于所选镇（街道）")
    if is_transfer and insurance != Insurance.EMPLOYEE_PENSION:
        errors["is_transfer"] = _("只有企业职工基本养老保险可标记为城乡居民转入")
    if errors:
        raise ValidationError(errors)
    existing = EnrolmentRecord.objects.filter(campaign=campaign, id_number=id_number, insurance=insurance).first()
    if existing is not None:
        if EnrolmentRecord.objects.for_user(user).filter(pk=existing.pk).exists():
            raise ValidationError(_("该人员已有此险种的参保记录，无需重复录入"))
        logger.info("manual record for a person recorded outside the user's scope: kept record %s", existing.pk)
        return existing
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
    entries_close_by_records(campaign=campaign, record=record)
    progress_changed(campaign_id=campaign.pk)
    return record
