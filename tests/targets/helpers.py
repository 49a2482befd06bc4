"""Builders of achieved-work data for the progress tests."""

from __future__ import annotations

import csv
import datetime
import itertools
from decimal import Decimal
from pathlib import Path

from campaigns.models import Campaign, Town
from enrolment.identifiers import make_id_number
from enrolment.models import ConstructionProject, EnrolmentRecord, Insurance, PneumoconiosisRoster

_sequence = itertools.count(1)

RECORD_HEADER = [
    "序号",
    "姓名",
    "公民身份号码",
    "险种",
    "参保日期",
    "所属镇(街道)",
    "所属村(社区)",
    "个人缴费金额",
    "是否城乡居民转入",
]
INSURANCE_NAMES = {choice.value: str(choice.label) for choice in Insurance}


def new_id_number() -> str:
    n = next(_sequence)
    return make_id_number("530481", datetime.date(1960, 1, 1) + datetime.timedelta(days=n // 1000), n % 1000)


def record(
    campaign: Campaign,
    town: Town,
    insurance: str = Insurance.RESIDENT_PENSION,
    enrolled_on: datetime.date = datetime.date(2021, 6, 1),
    contribution: Decimal | int | None = None,
    is_transfer: bool = False,
) -> EnrolmentRecord:
    return EnrolmentRecord.objects.create(
        campaign=campaign,
        id_number=new_id_number(),
        name="测试",
        insurance=insurance,
        enrolled_on=enrolled_on,
        town=town,
        contribution=contribution,
        is_transfer=is_transfer,
        source=EnrolmentRecord.Source.IMPORT,
    )


def records(
    campaign: Campaign,
    town: Town,
    n: int,
    insurance: str = Insurance.RESIDENT_PENSION,
    enrolled_on: datetime.date = datetime.date(2021, 6, 1),
    contribution: Decimal | int | None = None,
    is_transfer: bool = False,
) -> None:
    """``n`` records at once (one INSERT), for figures that need hundreds of enrolments."""
    EnrolmentRecord.objects.bulk_create(
        EnrolmentRecord(
            campaign=campaign,
            id_number=new_id_number(),
            name="测试",
            insurance=insurance,
            enrolled_on=enrolled_on,
            town=town,
            contribution=contribution,
            is_transfer=is_transfer,
            source=EnrolmentRecord.Source.IMPORT,
        )
        for _ in range(n)
    )


def project(
    town: Town, permit_date: datetime.date, insured: bool, insured_on: datetime.date | None = None
) -> ConstructionProject:
    return ConstructionProject.objects.create(
        name="工程",
        permit_number=f"P{next(_sequence)}",
        town=town,
        permit_date=permit_date,
        injury_insured=insured,
        insured_on=insured_on,
    )


def roster(town: Town, uscc: str, as_of: datetime.date, workers: int, covered: int) -> PneumoconiosisRoster:
    return PneumoconiosisRoster.objects.create(
        uscc=uscc, enterprise="企业", town=town, workers=workers, covered_workers=covered, as_of=as_of
    )


def write_records_csv(path: Path, rows: list[list[object]], header: list[str] = RECORD_HEADER) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for number, row in enumerate(rows, start=1):
            writer.writerow([number, *row])
    return path
