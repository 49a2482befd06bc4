"""The per-(campaign, town, kind, status) entry counters: exact after every kind of write, and what reads them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import Count

from enrolment import selectors
from enrolment.entry_counts import entry_counts_rebuild
from enrolment.models import EntryCount, EntryStatus, ListKind, PushEntry
from enrolment.services.entries import StatusChange, entries_status_change_bulk, entry_status_change
from enrolment.services.pushlist_import import pushlist_import
from enrolment.tables import EntryTable
from tests.enrolment.factories import PushEntryFactory
from tests.enrolment.pushlist_files import PERSON_HEADER, person_rows, write_xlsx

pytestmark = pytest.mark.django_db


def counted() -> dict[tuple[int, int, str, str], int]:
    return {(c.campaign_id, c.town_id, c.kind, c.status): c.entries for c in EntryCount.objects.all() if c.entries}


def actual() -> dict[tuple[int, int, str, str], int]:
    rows = PushEntry.objects.values("campaign_id", "town_id", "kind", "status").annotate(n=Count("id"))
    return {(r["campaign_id"], r["town_id"], r["kind"], r["status"]): r["n"] for r in rows}


def test_the_counters_follow_entries_created_changed_and_deleted(chengjiang, fenglu, longjie, batch, town_user):
    entries = [PushEntryFactory(campaign=chengjiang, town=fenglu, batch=batch) for _ in range(3)]
    PushEntryFactory(campaign=chengjiang, town=longjie, batch=batch)
    assert (
        counted()
        == actual()
        == {
            (chengjiang.pk, fenglu.pk, ListKind.EMPLOYED_PERSON, EntryStatus.PENDING): 3,
            (chengjiang.pk, longjie.pk, ListKind.EMPLOYED_PERSON, EntryStatus.PENDING): 1,
        }
    )
    entry_status_change(
        entry=entries[0], user=town_user, status=EntryStatus.REFUSED, note="不愿参保", expected_version=1
    )
    entries_status_change_bulk(
        user=town_user,
        requests=[
            StatusChange(
                entry_id=e.pk,
                status=EntryStatus.ENROLLED,
                insurance="resident_pension",
                enrolled_on=datetime.date(2021, 6, 1),
            )
            for e in entries[1:]
        ],
    )
    assert counted() == actual()
    assert counted()[(chengjiang.pk, fenglu.pk, ListKind.EMPLOYED_PERSON, EntryStatus.ENROLLED)] == 2
    PushEntry.objects.filter(town=longjie).delete()
    assert counted() == actual()


def test_an_import_counts_its_new_entries_and_not_its_repeats(chengjiang, fenglu, tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", PERSON_HEADER, person_rows(0, 1) * 2)
    result = pushlist_import(campaign=chengjiang, kind=ListKind.PERSON, path=path)
    assert result.imported == 1
    assert counted() == actual() == {(chengjiang.pk, fenglu.pk, ListKind.PERSON, EntryStatus.PENDING): 1}


def test_a_rebuild_counts_every_entry_again(chengjiang, fenglu, batch):
    PushEntryFactory.create_batch(2, campaign=chengjiang, town=fenglu, batch=batch)
    EntryCount.objects.update(entries=99)
    entry_counts_rebuild(connection)
    assert counted() == actual()


def test_the_queue_funnel_and_total_come_from_the_counters(login, town_user, chengjiang, fenglu, batch):
    PushEntryFactory.create_batch(3, campaign=chengjiang, town=fenglu, batch=batch)
    # Counters say otherwise than the rows: the page shows the counters (so it reads them, not the rows).
    EntryCount.objects.filter(town=fenglu, status=EntryStatus.PENDING).update(entries=120)
    response = login(town_user).get("/entries/", {"status": "pending"})
    assert response.context["funnel"].pushed == 120
    assert response.context["total"] == 120
    assert response.context["table"].paginator.num_pages == 3


def test_a_search_counts_the_rows_themselves(login, town_user, chengjiang, fenglu, batch):
    PushEntryFactory(campaign=chengjiang, town=fenglu, batch=batch, name="王五")
    EntryCount.objects.update(entries=120)
    api = login(town_user).post("/api/entries/", {"q": "王五"}).json()
    assert api["count"] == 1 and "count_capped" not in api


def test_a_count_beyond_the_cap_says_it_is_capped(login, town_user, chengjiang, fenglu, batch, monkeypatch):
    PushEntryFactory.create_batch(4, campaign=chengjiang, town=fenglu, batch=batch, name="王五")
    monkeypatch.setattr(selectors.capped_count, "__kwdefaults__", {"cap": 2})
    api = login(town_user).post("/api/entries/", {"q": "王五"}).json()
    assert api["count"] == 3 and api["count_capped"] is True and len(api["results"]) == 4


def test_the_api_pages_by_keyset_after_an_id(login, town_user, chengjiang, fenglu, batch):
    entries = PushEntryFactory.create_batch(51, campaign=chengjiang, town=fenglu, batch=batch)
    client = login(town_user)
    first = client.get("/api/entries/", {"after": "0", "status": "pending"}).json()
    assert first["count"] == 51 and len(first["results"]) == 50
    assert f"after={entries[49].pk}" in first["next"] and "status=pending" in first["next"]
    second = client.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [entries[50].pk] and second["next"] is None
    assert second["count"] == 51


def test_the_fast_queue_rows_are_the_cells_django_tables2_renders(town_user, chengjiang, fenglu, fenglu_village, batch):
    PushEntryFactory(campaign=chengjiang, town=fenglu, village=fenglu_village, batch=batch)
    PushEntryFactory(campaign=chengjiang, town=fenglu, batch=batch, status=EntryStatus.REFUSED, phone="")
    PushEntryFactory(campaign=chengjiang, town=fenglu, kind=ListKind.EMPLOYER, batch__kind=ListKind.EMPLOYER)

    def table() -> EntryTable:
        # A table of its own for each pass: a table counts its rows on (even, odd) from one pass to the next.
        made = EntryTable(PushEntry.objects.all(), unmasked=False, can_reveal=True, csrf_token="t")
        made.paginate(per_page=50, page=1)
        return made

    fast = table().page_cells()
    slow = table()
    assert [[cell for _attrs, cell in cells] for _row_attrs, cells in fast] == [
        [row.get_cell(column.name) for column in slow.columns] for row in slow.paginated_rows
    ]
    slow = table()
    # The rows' own attributes (their id, their even/odd class) and each cell's, as django-tables2 writes them.
    assert [(row_attrs, [attrs for attrs, _cell in cells]) for row_attrs, cells in fast] == [
        (row.attrs.as_html(), [column.attrs["td"].as_html() for column in slow.columns]) for row in slow.paginated_rows
    ]
    assert len(fast) == 3
