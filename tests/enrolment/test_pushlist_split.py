"""A prefecture's push list with a county column: split by county on import, each county seeing only its rows,
the accounting counting every row of the file, all or nothing."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from campaigns.models import Campaign, County, Role
from enrolment.identifiers import make_id_number
from enrolment.models import Batch, PushEntry
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent.parent


def _id(n: int) -> str:
    return make_id_number("530422", datetime.date(1980, 1, 1) + datetime.timedelta(days=n), n % 1000)


@pytest.fixture
def counties(chengjiang: Campaign) -> Campaign:
    call_command("loaddata", str(ROOT / "tests" / "fixtures" / "tonghai_2022.json"), verbosity=0)
    call_command("load_regions", str(ROOT / "fixtures" / "regions" / "yuxi.csv"), verbosity=0)
    call_command("load_regions", str(ROOT / "tests" / "fixtures" / "regions" / "qujing.csv"), verbosity=0)
    return Campaign.objects.get(year=2022)


@pytest.fixture
def prefecture_list(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2021年第一批未参保人员推送清单（玉溪市）"])
    sheet.append(["序号", "姓名", "公民身份号码", "所属县（市、区）", "所属镇（街道）", "所属村（社区）"])
    rows = [
        ("澄江甲", _id(1), "澄江市", "凤麓街道", "凤麓村"),
        ("澄江乙", _id(2), "澄江市", "龙街", ""),
        ("通海甲", _id(3), "530423", "河西镇", ""),
        ("陆良甲", _id(4), "陆良县", "中枢镇", ""),
        ("无县甲", _id(5), "", "凤麓街道", ""),
        ("澄江丙", "530422198001011234", "澄江市", "凤麓街道", ""),
    ]
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *row])
    path = tmp_path / "玉溪市推送清单.xlsx"
    book.save(path)
    return path


def _run(path: Path) -> list[str]:
    out = io.StringIO()
    call_command("import_pushlist", str(path), "--kind", "person", "--region", "530400", stdout=out)
    return out.getvalue().strip().splitlines()


def test_each_county_gets_its_own_rows_and_the_accounting_counts_them_all(counties, chengjiang, prefecture_list):
    lines = _run(prefecture_list)
    assert lines[-1] == "imported=3 duplicates=0 rejected=3"
    assert "澄江市: imported=2 duplicates=0 rejected=1" in lines
    assert "通海县: imported=1 duplicates=0 rejected=0" in lines
    assert "第6行：“陆良县”不是玉溪市下属的县（市、区）" in lines
    assert "第7行：缺少所属县（市、区）" in lines
    assert set(PushEntry.objects.filter(campaign=chengjiang).values_list("name", flat=True)) == {"澄江甲", "澄江乙"}
    assert list(PushEntry.objects.filter(campaign=counties).values_list("name", flat=True)) == ["通海甲"]


def test_a_countys_batch_file_holds_only_its_rows(counties, chengjiang, prefecture_list):
    _run(prefecture_list)
    batch = Batch.objects.get(campaign=counties)
    assert batch.file_name == "玉溪市推送清单（通海县）.csv"
    with batch.file.open("rb") as handle:
        lines = handle.read().decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "通海甲" in lines[1]
    assert not any(name in "".join(lines) for name in ("澄江", "陆良", "无县"))
    office = UserFactory(role=Role.OFFICE, county=County.objects.get(division_code="530423"))
    assert list(PushEntry.objects.for_user(office).values_list("name", flat=True)) == ["通海甲"]


def test_the_same_list_again_is_refused_whole(counties, chengjiang, prefecture_list):
    _run(prefecture_list)
    with pytest.raises(CommandError, match="不能重复导入"):
        _run(prefecture_list)
    assert PushEntry.objects.count() == 3
    assert Batch.objects.count() == 2


@pytest.fixture
def second_county_refused(monkeypatch) -> list:
    """The second county's import refused (after the first went in): the campaigns imported into so far."""
    from enrolment.services import pushlist_split
    from enrolment.services.pushlist_import import ImportRefused

    real = pushlist_split.pushlist_import
    calls = []

    def second_refused(**kwargs):
        calls.append(kwargs["campaign"])
        if len(calls) == 2:
            raise ImportRefused("该文件正在由另一个导入任务处理或已导入，不能重复导入")
        return real(**kwargs)

    monkeypatch.setattr(pushlist_split, "pushlist_import", second_refused)
    return calls


def test_one_county_refused_keeps_none(counties, chengjiang, prefecture_list, second_county_refused):
    with pytest.raises(CommandError, match="不能重复导入"):
        _run(prefecture_list)
    assert len(second_county_refused) == 2
    assert not PushEntry.objects.exists()
    assert not Batch.objects.exists()
