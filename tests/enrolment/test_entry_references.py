"""Entries name a campaign, town, village and batches that exist: the database refuses anything else, as a
foreign key would, though it checks once per statement (enrolment.entry_references)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from enrolment.models import Batch, PushEntry
from tests.enrolment.factories import BatchFactory, PushEntryFactory

pytestmark = pytest.mark.django_db

MISSING = 987_654_321


@pytest.mark.parametrize("column", ["campaign_id", "town_id", "village_id", "batch_id", "last_pushed_batch_id"])
def test_an_entry_naming_a_row_that_does_not_exist_is_refused(fenglu_entry, column):
    fields = {f.attname: getattr(fenglu_entry, f.attname) for f in PushEntry._meta.concrete_fields}
    fields.pop("id")
    fields.update(key="530422199001011276", **{column: MISSING})
    with pytest.raises(IntegrityError, match="推送清单条目"), transaction.atomic():
        PushEntry.objects.create(**fields)
    with pytest.raises(IntegrityError, match="推送清单条目"), transaction.atomic():
        PushEntry.objects.filter(pk=fenglu_entry.pk).update(**{column: MISSING})
    assert PushEntry.objects.filter(**{column: MISSING}).count() == 0


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("campaigns_campaign", "campaign_id"),
        ("campaigns_town", "town_id"),
        ("campaigns_village", "village_id"),
        ("enrolment_batch", "batch_id"),
        ("enrolment_batch", "last_pushed_batch_id"),
    ],
)
def test_a_row_entries_name_cannot_be_deleted_even_in_sql(fenglu_entry, chengjiang, table, column):
    other = PushEntryFactory(campaign=chengjiang, town=fenglu_entry.town, batch__campaign=chengjiang)
    PushEntry.objects.filter(pk=fenglu_entry.pk).update(last_pushed_batch=other.batch)
    named = PushEntry.objects.filter(pk=fenglu_entry.pk).values_list(column, flat=True).get()
    with pytest.raises(IntegrityError, match="推送清单条目"), transaction.atomic(), connection.cursor() as cursor:
        # Past the ORM's PROTECT: only the database stands in the way.
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [named])
    assert PushEntry.objects.filter(pk=fenglu_entry.pk).exists()


def test_a_row_no_entry_names_can_be_deleted(chengjiang, fenglu_entry):
    unused = PushEntryFactory(campaign=chengjiang, town=fenglu_entry.town).batch
    PushEntry.objects.filter(batch=unused).delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM enrolment_batch WHERE id = %s", [unused.pk])
        assert cursor.rowcount == 1


def test_many_entries_naming_the_same_rows_go_in_at_once(chengjiang, fenglu_entry):
    fields = {f.attname: getattr(fenglu_entry, f.attname) for f in PushEntry._meta.concrete_fields}
    fields.pop("id")
    keys = ["530422199001011276", "530422199001011292"]
    PushEntry.objects.bulk_create([PushEntry(**{**fields, "key": key}) for key in keys])
    assert PushEntry.objects.filter(key__in=keys).count() == 2


def test_a_batch_only_named_as_the_last_push_of_entries_cannot_be_deleted(chengjiang, fenglu_entry):
    """An entry pushed again names the later batch as its last push only: the batch stays while it does, through
    the ORM (PROTECT) and past it."""
    later = BatchFactory(campaign=chengjiang, kind=fenglu_entry.kind)
    PushEntry.objects.filter(pk=fenglu_entry.pk).update(last_pushed_batch=later, pushed_times=2)
    with pytest.raises(ProtectedError) as refused, transaction.atomic():
        later.delete()
    assert list(refused.value.protected_objects) == [fenglu_entry]
    with pytest.raises(IntegrityError, match="推送清单条目"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM enrolment_batch WHERE id = %s", [later.pk])
    assert Batch.objects.filter(pk=later.pk).exists()


def test_a_batch_whose_entries_were_last_pushed_in_it_first_cannot_be_deleted(fenglu_entry):
    batch = fenglu_entry.batch
    PushEntry.objects.filter(pk=fenglu_entry.pk).update(last_pushed_batch=batch)
    with pytest.raises(ProtectedError), transaction.atomic():
        batch.delete()
    with pytest.raises(IntegrityError, match="推送清单条目"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM enrolment_batch WHERE id = %s", [batch.pk])


def test_a_batch_no_longer_anyones_last_push_can_be_deleted_through_the_orm(chengjiang, fenglu_entry):
    later = BatchFactory(campaign=chengjiang, kind=fenglu_entry.kind)
    PushEntry.objects.filter(pk=fenglu_entry.pk).update(last_pushed_batch=later)
    PushEntry.objects.filter(pk=fenglu_entry.pk).update(last_pushed_batch=fenglu_entry.batch)
    later.delete()
    assert not Batch.objects.filter(pk=later.pk).exists()


@pytest.mark.parametrize("column", ["town_id", "village_id", "last_pushed_batch_id"])
def test_one_missing_row_among_many_refuses_the_whole_statement(chengjiang, fenglu_entry, longjie, column):
    """Entries of several towns, villages and batches in one statement: one that names a missing row refuses
    them all."""
    fields = {f.attname: getattr(fenglu_entry, f.attname) for f in PushEntry._meta.concrete_fields}
    fields.pop("id")
    other_batch = BatchFactory(campaign=chengjiang, kind=fenglu_entry.kind)
    rows = [
        PushEntry(**{**fields, "key": "530422199001011276"}),
        PushEntry(**{**fields, "key": "530422199001011292", "town_id": longjie.pk, "village_id": None}),
        PushEntry(**{**fields, "key": "530422199001011313", "last_pushed_batch_id": other_batch.pk}),
        PushEntry(**{**fields, "key": "530422199001011356", column: MISSING}),
    ]
    with pytest.raises(IntegrityError, match="推送清单条目"), transaction.atomic():
        PushEntry.objects.bulk_create(rows)
    assert PushEntry.objects.count() == 1


def test_a_village_moved_to_another_town_stays_while_its_entries_name_it(fenglu_entry, fenglu_village, longjie):
    """The village's entries are found through the (town, village) index, in every town, not only its own."""
    from campaigns.models import Village

    Village.objects.filter(pk=fenglu_village.pk).update(town=longjie)
    moved = Village.objects.get(pk=fenglu_village.pk)
    with pytest.raises(ProtectedError) as refused, transaction.atomic():
        moved.delete()
    assert list(refused.value.protected_objects) == [fenglu_entry]
    with pytest.raises(IntegrityError, match="推送清单条目"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaigns_village WHERE id = %s", [moved.pk])
    assert Village.objects.filter(pk=moved.pk).exists()


def test_a_village_no_entry_names_can_be_deleted(fenglu_entry, fenglu):
    from campaigns.models import Village

    unused = Village.objects.create(town=fenglu, name="无人村")
    unused.delete()
    assert not Village.objects.filter(pk=unused.pk).exists()
    village = fenglu_entry.village_id
    PushEntry.objects.filter(pk=fenglu_entry.pk).delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaigns_village WHERE id = %s", [village])
        assert cursor.rowcount == 1
