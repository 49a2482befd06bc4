"""The push-list work the dashboard and start pages show: counted by the progress refresh, kept current by the
coalesced recompute every status change and every imported list asks for."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Campaign, Village
from enrolment.models import EntryStatus, ListKind
from enrolment.services.entries import entry_status_change
from targets.models import WorkTally
from targets.selectors import push_work
from targets.services import progress_refresh
from tests.enrolment.factories import PushEntryFactory


@pytest.fixture
def entries(chengjiang: Campaign, fenglu, longjie) -> dict[str, list]:
    village = Village.objects.create(town=fenglu, name="广龙社区")
    made = {
        "fenglu": [
            PushEntryFactory(campaign=chengjiang, town=fenglu, village=village, kind=ListKind.PERSON, status=status)
            for status in (EntryStatus.PENDING, EntryStatus.PENDING, EntryStatus.ENROLLED, EntryStatus.REFUSED)
        ]
        + [
            PushEntryFactory(
                campaign=chengjiang,
                town=fenglu,
                kind=ListKind.EMPLOYER,
                status=EntryStatus.NOT_DUE,
                not_due_reason="other",
            )
        ],
        "longjie": [
            PushEntryFactory(campaign=chengjiang, town=longjie, kind=ListKind.PERSON, status=EntryStatus.UNREACHABLE)
        ],
    }
    return made


def test_the_refresh_counts_every_status_per_town_kind_and_village(chengjiang, fenglu, longjie, entries) -> None:
    progress_refresh(campaign=chengjiang)
    work = push_work(campaign=chengjiang)
    fenglu_total, longjie_total = work.totals[fenglu.pk], work.totals[longjie.pk]
    assert (fenglu_total.pushed, fenglu_total.worked, fenglu_total.pending) == (5, 3, 2)
    assert (fenglu_total.enrolled, fenglu_total.not_due, fenglu_total.refused) == (1, 1, 1)
    assert (longjie_total.pushed, longjie_total.unreachable) == (1, 1)
    assert work.total.pushed == 6 and work.computed_at is not None
    by_kind = {(line.town.name, line.kind): line.counts.pushed for line in work.lines}
    assert by_kind == {("凤麓街道", "person"): 4, ("凤麓街道", "employer"): 1, ("龙街街道", "person"): 1}
    villages = push_work(campaign=chengjiang, town=fenglu, by_village=True)
    assert {(line.village.name if line.village else None, line.kind) for line in villages.lines} == {
        ("广龙社区", "person"),
        (None, "employer"),
    }


def test_reading_the_work_is_one_query(chengjiang, entries) -> None:
    progress_refresh(campaign=chengjiang)
    with CaptureQueriesContext(connection) as queries:
        push_work(campaign=chengjiang)
    assert len(queries) == 1


def test_a_status_change_recounts_the_work(chengjiang, fenglu, entries, town_user, django_capture_on_commit_callbacks):
    progress_refresh(campaign=chengjiang)
    pending = entries["fenglu"][0]
    with django_capture_on_commit_callbacks(execute=True):
        entry_status_change(entry=pending, user=town_user, status=EntryStatus.UNREACHABLE)
    counts = push_work(campaign=chengjiang).totals[fenglu.pk]
    assert (counts.pending, counts.unreachable, counts.worked) == (1, 1, 4)


def test_the_refresh_replaces_the_tallies(chengjiang, fenglu, entries) -> None:
    progress_refresh(campaign=chengjiang)
    before = WorkTally.objects.count()
    progress_refresh(campaign=chengjiang)
    # 凤麓: 3 statuses of persons in 广龙社区, employers not due; 龙街: persons unreachable.
    assert WorkTally.objects.count() == before == 5
