from __future__ import annotations

import pytest

from campaigns.models import Campaign, Town, Village
from campaigns.places import PlaceError, Places, town_lookup, towns_named, village_kind


@pytest.fixture
def places(chengjiang: Campaign) -> Places:
    return Places(chengjiang.county_id)


def test_a_town_is_found_by_its_full_or_short_name_however_it_is_typed(places: Places, longjie: Town) -> None:
    for text in ("龙街街道", "龙街", " 龙　街 ", "龙街\u00a0街道"):
        assert places.town(text) == longjie


def test_an_unknown_town_is_refused_naming_the_column_and_the_county(places: Places) -> None:
    with pytest.raises(PlaceError) as refused:
        places.town("抚仙湖镇")
    assert refused.value.message == "所属镇（街道）“抚仙湖镇”不是澄江市的镇（街道）"


def test_an_empty_town_cell_says_the_town_is_missing(places: Places) -> None:
    with pytest.raises(PlaceError) as refused:
        places.town("  ")
    assert refused.value.message == "缺少所属镇（街道）"


def test_a_name_ending_in_shequ_is_a_community_and_any_other_a_village() -> None:
    assert village_kind("东门社区") == Village.Kind.COMMUNITY
    assert village_kind("广龙村") == Village.Kind.VILLAGE
    assert village_kind("社区服务站村") == Village.Kind.VILLAGE


def test_only_the_villages_asked_for_are_created_and_a_held_one_is_matched_normalised(
    places: Places, fenglu: Town
) -> None:
    held = Village.objects.create(town=fenglu, name="东门社区")
    places.villages_create_missing([(fenglu.pk, places.village(" 东门 社区 ")), (fenglu.pk, places.village("新村"))])

    assert places.village_id(fenglu.pk, "东门社区") == held.pk
    created = Village.objects.get(town=fenglu, name="新村")
    assert places.village_id(fenglu.pk, "新村") == created.pk
    assert created.kind == Village.Kind.VILLAGE
    assert Village.objects.filter(town=fenglu).count() == 2


def test_a_village_name_longer_than_the_register_allows_is_refused(places: Places) -> None:
    with pytest.raises(PlaceError, match="村（社区）名称过长"):
        places.village("村" * 51)


def test_town_lookup_refuses_an_unknown_town_in_the_same_words(chengjiang: Campaign) -> None:
    with pytest.raises(PlaceError) as refused:
        town_lookup(name="昆明", county_id=chengjiang.county_id)
    assert refused.value.message == "找不到镇（街道）“昆明”"


def test_towns_named_finds_nothing_for_an_empty_name(chengjiang: Campaign) -> None:
    assert not towns_named("").exists()
    assert towns_named("凤 麓").get().name == "凤麓街道"
