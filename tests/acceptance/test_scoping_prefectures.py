"""Access scoping over every URL for accounts above a county (issue 15's acceptance): "a prefecture office user
sees its counties and nothing of another prefecture; a county user sees nothing of another county, by any URL".

The tree is 云南省 → 玉溪市 (澄江市, 通海县, …) and 曲靖市; Chengjiang holds the sweep's world (凤麓 and 龙街,
every text marked). For every URL pattern, filled with each town's objects, by GET and by POST:

- 曲靖's office and admin, and 通海's office, never get a page, JSON or workbook with a Chengjiang marker or ID
  number, get 403/404 on Chengjiang's objects, and change nothing;
- 玉溪's office and admin and 云南's office get no error page, and change nothing either: above a county,
  accounts read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command

from campaigns.models import County, Region, Role, User
from enrolment.models import ListKind, RegionBatch
from tests.acceptance.test_scoping_everywhere import (
    ALL_ROUTES,
    MARK,
    NOW,
    ROUTES,
    World,
    _assert_nothing_of,
    _fingerprint,
    _post_data,
    _url,
    world,  # noqa: F401 - the fixture the URLs are filled with
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class Tree:
    world: World
    yuxi: dict[str, User]
    outsiders: dict[str, User]


@pytest.fixture
def tree(world: World) -> Tree:  # noqa: F811
    call_command("loaddata", str(ROOT / "tests" / "fixtures" / "tonghai_2022.json"), verbosity=0)
    call_command("load_regions", str(ROOT / "fixtures" / "regions" / "yuxi.csv"), verbosity=0)
    call_command("load_regions", str(ROOT / "tests" / "fixtures" / "regions" / "qujing.csv"), verbosity=0)
    yuxi, qujing = Region.objects.get(code="530400"), Region.objects.get(code="530300")
    tonghai = County.objects.get(division_code="530423")
    # 玉溪's own upload for its counties, its rejected rows on file: 曲靖 and 通海 must get none of it.
    region_batch = RegionBatch(
        region=yuxi, kind=ListKind.PERSON, label="玉溪市第一批", file_name="玉溪.csv", sha256="e" * 64, status="done"
    )
    region_batch.rejected_file.save("rejected.xlsx", ContentFile(_rejected_workbook()), save=False)
    region_batch.save()
    return Tree(
        world=world,
        yuxi={
            "yuxi-office": UserFactory(username="yuxi-office", role=Role.OFFICE, region=yuxi),
            "yuxi-admin": UserFactory(username="yuxi-admin", role=Role.ADMIN, region=yuxi),
            "yunnan-office": UserFactory(username="yunnan-office", role=Role.OFFICE, region=yuxi.parent),
        },
        outsiders={
            "qujing-office": UserFactory(username="qujing-office", role=Role.OFFICE, region=qujing),
            "qujing-admin": UserFactory(username="qujing-admin", role=Role.ADMIN, region=qujing),
            "tonghai-office": UserFactory(username="tonghai-office", role=Role.OFFICE, county=tonghai),
        },
    )


def _rejected_workbook() -> bytes:
    import io

    from enrolment.tabular import write_rejected_workbook

    buffer = io.BytesIO()
    write_rejected_workbook(buffer, ["姓名"], [(3, [MARK["longjie"]], "缺少所属县（市、区）")])
    return buffer.getvalue()


def test_the_prefectures_admin_reaches_its_own_upload(login, tree: Tree) -> None:
    client = login(tree.yuxi["yuxi-admin"])
    for route in (
        "batches/regions/<int:pk>/",
        "batches/regions/<int:pk>/rejected.xlsx",
        "batches/regions/upload/",
        "batches/regions/template/<str:kind>.xlsx",
        "targets/plans/",
        "targets/plans/upload/",
        "targets/plans/template.xlsx",
    ):
        assert client.get(_url(tree.world, route, tree.world.fenglu)).status_code == 200, route


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_another_prefecture_or_county_never_sees_chengjiangs_data(login, tree: Tree, route: str) -> None:
    sweep = tree.world
    owned = ROUTES[route][2]
    with time_machine.travel(NOW, tick=False):
        for name, user in tree.outsiders.items():
            client = login(user)
            for side in (sweep.fenglu, sweep.longjie):
                response = client.get(_url(sweep, route, side))
                assert response.status_code < 500, (name, route, response.status_code)
                for town in (sweep.fenglu, sweep.longjie):
                    _assert_nothing_of(town, response, (name, route))
                if owned:
                    assert response.status_code in {403, 404, 405}, (name, route, response.status_code)


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_no_account_outside_chengjiang_or_above_it_changes_its_data(login, tree: Tree, route: str) -> None:
    sweep = tree.world
    before = [_fingerprint(sweep.fenglu), _fingerprint(sweep.longjie)]
    with time_machine.travel(NOW, tick=False):
        for name, user in {**tree.outsiders, **tree.yuxi}.items():
            client = login(user)
            for side in (sweep.fenglu, sweep.longjie):
                response = client.post(_url(sweep, route, side), _post_data(sweep))
                assert response.status_code < 500, (name, route, response.status_code)
    assert [_fingerprint(sweep.fenglu), _fingerprint(sweep.longjie)] == before, route


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_no_page_fails_for_the_prefectures_own_accounts(login, tree: Tree, route: str) -> None:
    sweep = tree.world
    with time_machine.travel(NOW, tick=False):
        for name, user in tree.yuxi.items():
            response = login(user).get(_url(sweep, route, sweep.fenglu))
            assert response.status_code < 500, (name, route, response.status_code)


def test_the_prefecture_office_reads_its_counties_entries(login, tree: Tree) -> None:
    with time_machine.travel(NOW, tick=False):
        response = login(tree.yuxi["yuxi-office"]).get(_url(tree.world, "entries/<int:pk>/", tree.world.longjie))
    assert response.status_code == 200
    assert "龙街秘密" in response.content.decode()
