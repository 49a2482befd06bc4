"""Every importer reads a thing by every header the vocabulary knows for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaigns.models import Campaign, Village
from enrolment import columns as terms
from enrolment.models import EnrolmentRecord, ListKind, PushEntry
from enrolment.services.pushlist_import import pushlist_import
from enrolment.services.records import records_import
from tests.enrolment.pushlist_files import write_xlsx
from tests.targets.helpers import new_id_number


@pytest.mark.django_db
@pytest.mark.parametrize("id_header", terms.ID_NUMBER.headers)
@pytest.mark.parametrize("village_header", terms.VILLAGE.headers)
def test_the_push_list_and_the_records_importers_read_the_same_headers(
    chengjiang: Campaign, tmp_path: Path, id_header: str, village_header: str
) -> None:
    person, record = new_id_number(), new_id_number()
    pushlist = write_xlsx(
        tmp_path / "push.xlsx",
        ("姓名", id_header, "镇（街道）", village_header),
        [["张一", person, "凤麓", "东门社区"]],
        text_columns=(1,),
    )
    records = write_xlsx(
        tmp_path / "records.xlsx",
        ("姓名", id_header, "参保险种", "参保日期", "镇（街道）", village_header),
        [["张二", record, "失业保险", "2021-06-01", "凤麓", "东门社区"]],
        text_columns=(1,),
    )

    assert pushlist_import(campaign=chengjiang, kind=ListKind.PERSON, path=pushlist).imported == 1
    assert records_import(campaign=chengjiang, path=records).data_import.created == 1
    village = Village.objects.get(name="东门社区")
    assert village.kind == Village.Kind.COMMUNITY
    assert PushEntry.objects.get(key=person).village == village
    assert EnrolmentRecord.objects.get(id_number=record).village == village


@pytest.mark.django_db
def test_a_rejected_row_creates_no_village_in_either_importer(chengjiang: Campaign, tmp_path: Path) -> None:
    pushlist = write_xlsx(
        tmp_path / "push.xlsx",
        ("姓名", "公民身份号码", "所属镇（街道）", "所属村（社区）"),
        [["", new_id_number(), "凤麓", "幽灵村"]],
        text_columns=(1,),
    )
    records = write_xlsx(
        tmp_path / "records.xlsx",
        ("姓名", "公民身份号码", "险种", "参保日期", "所属镇（街道）", "所属村（社区）", "个人缴费金额"),
        [["张二", new_id_number(), "城乡居民基本养老保险", "2021-06-01", "凤麓", "幽灵社区", "很多"]],
        text_columns=(1,),
    )

    assert pushlist_import(campaign=chengjiang, kind=ListKind.PERSON, path=pushlist).rejected == 1
    assert records_import(campaign=chengjiang, path=records).data_import.rejected == 1
    assert not Village.objects.filter(name__in=["幽灵村", "幽灵社区"]).exists()


def test_the_help_lists_each_column_with_its_synonyms_and_says_which_are_optional() -> None:
    text = terms.columns_help([terms.PERSON_NAME.column("name", required=True), terms.PHONE.column("phone")])
    assert text == "姓名；联系电话（或 手机号码、电话）（可选）"
