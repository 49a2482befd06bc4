"""The queue and the API page a county's entries in id order, each page read town by town and status by status
(merged by the database), with the same rows, totals and pages as one ORDER BY id would give."""

from __future__ import annotations

import itertools

import pytest

from campaigns.models import Role, Town
from enrolment.models import PushEntry
from tests.enrolment.factories import BatchFactory, PushEntryFactory
from tests.factories import CampaignFactory, UserFactory

pytestmark = pytest.mark.django_db

STATUSES = ["pending", "refused", "unreachable"]


@pytest.fixture
def interleaved(chengjiang):
    """Entries of three towns and three statuses interleaved in id order, and one of another county."""
    towns = list(Town.objects.filter(county=chengjiang.county).order_by("order")[:3])
    batch = BatchFactory(campaign=chengjiang)
    for n, (town, status) in zip(range(40), itertools.cycle(itertools.product(towns, STATUSES)), strict=False):
        # Uneven runs: some pairs hold several entries in a row, so the merge must interleave unevenly.
        for _ in range(1 + n % 3):
            PushEntryFactory(campaign=chengjiang, town=town, batch=batch, status=status)
    PushEntryFactory(campaign=CampaignFactory(), status="pending")
    return towns


@pytest.fixture
def county_office(chengjiang):
    return UserFactory(username="chengjiang-office", role=Role.OFFICE, county=chengjiang.county)


def _expected(**filters) -> list[int]:
    return list(
        PushEntry.objects.filter(campaign__document_number="澄政办发〔2021〕32号", **filters)
        .order_by("id")
        .values_list("id", flat=True)
    )


def _queue_ids(client, params) -> tuple[list[int], int]:
    response = client.get("/entries/", params)
    assert response.status_code == 200
    return [row.record.pk for row in response.context["table"].page.object_list], response.context["total"]


@pytest.mark.parametrize(
    ("params", "filters"),
    [
        ({}, {}),
        ({"status": "pending"}, {"status": "pending"}),
        ({"kind": "employed_person"}, {"kind": "employed_person"}),
        ({"town": "凤麓街道", "status": "refused"}, {"town__name": "凤麓街道", "status": "refused"}),
    ],
)
def test_the_county_queue_pages_every_entry_once_in_id_order(login, county_office, interleaved, params, filters):
    client = login(county_office)
    expected = _expected(**filters)
    assert len(expected) > 4
    shown = []
    for page in itertools.count(1):
        ids, total = _queue_ids(client, {**params, "per_page": "4", "page": str(page)})
        assert total == len(expected)
        assert ids == expected[4 * (page - 1) : 4 * page]
        shown += ids
        if 4 * page >= len(expected):
            break
    assert shown == expected


def test_the_api_pages_by_number_and_after_an_id_alike(login, county_office, interleaved, monkeypatch):
    monkeypatch.setattr("enrolment.views.api.PAGE_SIZE", 6)
    client = login(county_office)
    expected = _expected(status="unreachable")
    by_page, by_after, after = [], [], None
    for page in itertools.count(1):
        body = client.get("/api/entries/", {"status": "unreachable", "page": str(page)}).json()
        assert body["count"] == len(expected)
        by_page += [item["id"] for item in body["results"]]
        if not body["next"]:
            break
    while True:
        body = client.get("/api/entries/", {"status": "unreachable", **({"after": str(after)} if after else {})}).json()
        by_after += [item["id"] for item in body["results"]]
        if not body["next"]:
            break
        after = by_after[-1]
    assert by_page == expected
    assert by_after == expected


def test_a_town_sees_only_its_own_entries_page_by_page(login, town_user, interleaved):
    expected = _expected(town=town_user.town)
    ids, total = _queue_ids(login(town_user), {"per_page": "100"})
    assert ids == expected and total == len(expected)


def test_a_filter_the_counters_cannot_answer_pages_as_before(login, county_office, interleaved):
    batch = PushEntry.objects.filter(town=interleaved[0]).first().batch
    expected = _expected(batch=batch)
    ids, total = _queue_ids(login(county_office), {"batch": str(batch.pk), "per_page": "5", "page": "2"})
    assert ids == expected[5:10] and total == len(expected)


def test_a_bad_filter_shows_no_entry(login, county_office, interleaved):
    ids, total = _queue_ids(login(county_office), {"status": "nonsense"})
    assert ids == [] and total == 0


def test_the_deployments_own_office_pages_every_county(login, office_user, interleaved):
    expected = list(PushEntry.objects.filter(status="pending").order_by("id").values_list("id", flat=True))
    ids, total = _queue_ids(login(office_user), {"status": "pending", "per_page": "100"})
    assert ids == expected and total == len(expected)
    assert PushEntry.objects.filter(pk__in=ids).values("campaign").distinct().count() == 2
