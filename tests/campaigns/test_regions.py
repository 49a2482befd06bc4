"""The region tree: load_regions from a csv of code, name and parent code, and scoping by subtree."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import Campaign, County, Region, Role, Town, User
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent.parent
YUXI = ROOT / "fixtures" / "regions" / "yuxi.csv"
QUJING = ROOT / "tests" / "fixtures" / "regions" / "qujing.csv"
TONGHAI = ROOT / "tests" / "fixtures" / "tonghai_2022.json"


def _load(path: Path | str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("load_regions", str(path), stdout=out)
    return out.getvalue()


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "regions.csv"
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture
def yuxi(chengjiang: Campaign) -> Region:
    call_command("loaddata", str(TONGHAI), verbosity=0)
    _load(YUXI)
    return Region.objects.get(code="530400")


def test_the_shipped_tree_is_yunnan_yuxi_and_its_nine_county_level_units(yuxi: Region) -> None:
    assert yuxi.name == "玉溪市"
    assert yuxi.level == Region.Level.PREFECTURE
    assert yuxi.parent.name == "云南省"
    counties = yuxi.children.order_by("code")
    assert [c.code for c in counties] == [
        "530402", "530403", "530423", "530424", "530425", "530426", "530427", "530428", "530481",
    ]  # fmt: skip
    assert {c.level for c in counties} == {Region.Level.COUNTY}
    assert Region.objects.get(code="530481").path == "530000/530400/530481/"


def test_existing_counties_hang_from_their_region_by_division_code(yuxi: Region) -> None:
    chengjiang = County.objects.get(division_code="530481")
    tonghai = County.objects.get(name="通海县")
    assert chengjiang.region.parent == yuxi
    assert tonghai.region.parent == yuxi
    assert set(County.objects.filter(region__in=Region.objects.subtree(yuxi))) == {chengjiang, tonghai}


def test_loading_the_same_file_again_changes_nothing(yuxi: Region) -> None:
    assert _load(YUXI).strip() == "已载入行政区划 11 个:新增 0 个,更新 0 个,未变 11 个;挂接县(市、区) 0 个"
    assert Region.objects.count() == 11


def test_a_second_prefecture_loads_beside_the_first(yuxi: Region) -> None:
    output = _load(QUJING)
    assert "新增 6 个" in output and "未变 1 个" in output  # the province is already there
    qujing = Region.objects.get(code="530300")
    assert qujing.parent == yuxi.parent
    assert Region.objects.subtree(qujing).count() == 6
    assert not Region.objects.subtree(qujing).filter(code="530481").exists()
    assert Region.objects.subtree(yuxi.parent).count() == 17


def test_a_file_with_bad_lines_names_each_and_loads_nothing(db: None, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "代码,名称,上级\n530000,云南省,\n530400,玉溪市,530000\n53040X,红塔区,530400\n530403,,530400\n"
        "530481,澄江市,530400\n530481,澄江县,530400\n530423,通海县,\n530424,华宁县,530300\n",
    )
    with pytest.raises(CommandError) as error:
        _load(path)
    message = str(error.value)
    assert "第4行：区划代码“53040X”应为 6 位" in message
    assert "第5行：区划代码“530403”缺少名称" in message
    assert "第7行：区划代码“530481”与第6行重复" in message
    assert "第8行：通海县（530423）缺少上级代码" in message
    assert not Region.objects.filter(code__in=["530000", "530400"]).exists()


def test_a_parent_that_is_not_there_or_does_not_fit_refuses_the_file(db: None, tmp_path: Path) -> None:
    path = _csv(tmp_path, "530000,云南省,\n530400,玉溪市,530000\n530402,红塔区,530300\n530301,某区,530400\n")
    with pytest.raises(CommandError) as error:
        _load(path)
    message = str(error.value)
    assert "第3行：红塔区（530402）的上级代码“530300”既不在文件中，也不在系统中" in message
    assert "第4行：某区（530301）的区划代码与上级代码“530400”不对应" in message
    assert not Region.objects.exists()


def test_a_csv_saved_by_excel_in_gbk_loads(db: None, tmp_path: Path) -> None:
    path = _csv(tmp_path, "区划代码,名称,上级代码\r\n530000,云南省,\r\n530400,玉溪市,530000\r\n", encoding="gb18030")
    assert "新增 2 个" in _load(path)
    assert Region.objects.get(code="530400").name == "玉溪市"


def test_a_county_created_later_hangs_from_its_region(yuxi: Region) -> None:
    county = County.objects.create(name="华宁县", division_code="530424")
    county.refresh_from_db()
    assert county.region.parent == yuxi


# --- scoping by subtree -----------------------------------------------------------------------------------------


@pytest.fixture
def prefecture_office(yuxi: Region) -> User:
    return UserFactory(username="yuxi-office", role=Role.OFFICE, region=yuxi)


@pytest.fixture
def other_prefecture_office(yuxi: Region) -> User:
    _load(QUJING)
    return UserFactory(username="qujing-office", role=Role.OFFICE, region=Region.objects.get(code="530300"))


def test_a_prefecture_office_sees_the_campaigns_and_towns_of_its_counties(prefecture_office: User) -> None:
    assert set(Campaign.objects.for_user(prefecture_office).values_list("county__name", flat=True)) == {
        "澄江市",
        "通海县",
    }
    assert Town.objects.for_user(prefecture_office).count() == Town.objects.count()


def test_another_prefectures_office_sees_nothing_of_it(prefecture_office: User, other_prefecture_office: User) -> None:
    assert not Campaign.objects.for_user(other_prefecture_office).exists()
    assert not Town.objects.for_user(other_prefecture_office).exists()
    assert not County.objects.for_user(other_prefecture_office).exists()
    assert list(User.objects.for_user(other_prefecture_office)) == [other_prefecture_office]


def test_a_province_office_sees_both_prefectures(other_prefecture_office: User) -> None:
    province = UserFactory(role=Role.OFFICE, region=Region.objects.get(code="530000"))
    assert County.objects.for_user(province).count() == 2


def test_a_county_office_sees_nothing_of_the_other_county(yuxi: Region) -> None:
    office = UserFactory(role=Role.OFFICE, county=County.objects.get(name="通海县"))
    assert list(Campaign.objects.for_user(office).values_list("county__name", flat=True)) == ["通海县"]
    assert not Region.objects.for_user(office).filter(code="530481").exists()


def test_a_prefecture_admin_manages_the_accounts_below_it_only(
    prefecture_office: User, other_prefecture_office
) -> None:
    admin = UserFactory(role=Role.ADMIN, region=prefecture_office.region)
    county_admin = UserFactory(role=Role.ADMIN, county=County.objects.get(division_code="530481"))
    visible = set(User.objects.for_user(admin))
    assert {prefecture_office, admin, county_admin} <= visible
    assert other_prefecture_office not in visible


def test_add_user_creates_a_prefecture_office_account(yuxi: Region, monkeypatch) -> None:
    monkeypatch.setenv("NEW_USER_PASSWORD", "Yuxi-office-2021!")
    call_command("add_user", "yuxi1", "--role", "office", "--region", "530400", stdout=__import__("io").StringIO())
    user = User.objects.get(username="yuxi1")
    assert user.region == yuxi and user.county is None
    with pytest.raises(CommandError, match="只有市"):
        call_command("add_user", "yuxi2", "--role", "town", "--region", "530400", "--town", "凤麓")
