"""How a recompute reads its sources and writes its figures: the city from its towns, one county's data only, one
writer of a campaign at a time, and a commit that does not wait for the disk without touching anyone else's."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from campaigns.models import Campaign, Town
from enrolment.identifiers import make_uscc
from enrolment.models import Insurance
from targets.models import ProgressSnapshot, ProgressState
from targets.services import progress_recompute
from tests.factories import CampaignFactory, TownFactory
from tests.targets.helpers import project, record, records, roster

JUNE_30 = datetime.date(2021, 6, 30)


def city(campaign: Campaign, code: str) -> ProgressSnapshot:
    return ProgressSnapshot.objects.get(campaign=campaign, as_of=JUNE_30, town=None, indicator__code=code)


def test_the_city_adds_up_every_towns_records(chengjiang: Campaign, fenglu: Town, longjie: Town) -> None:
    records(chengjiang, fenglu, 3, Insurance.EMPLOYEE_PENSION, datetime.date(2021, 4, 1))
    records(chengjiang, longjie, 2, Insurance.EMPLOYEE_PENSION, datetime.date(2021, 6, 30), is_transfer=True)
    records(chengjiang, fenglu, 1, Insurance.RESIDENT_PENSION, datetime.date(2021, 5, 1), contribution=100)
    records(chengjiang, longjie, 3, Insurance.RESIDENT_PENSION, datetime.date(2021, 5, 2), contribution=500)
    progress_recompute(campaign=chengjiang, as_of=JUNE_30)

    assert city(chengjiang, "employee_pension_insured").numerator == 5
    assert city(chengjiang, "resident_to_employee_transfer").numerator == 2
    assert city(chengjiang, "resident_pension_insured").numerator == 4
    # The mean over all the city's contributions (1 × 100 + 3 × 500) / 4, not the mean of its towns' means.
    average = city(chengjiang, "resident_avg_contribution")
    assert (average.numerator, average.denominator, average.actual) == (Decimal(1600), Decimal(4), Decimal(400))


def test_projects_and_rosters_of_another_county_are_not_counted(chengjiang: Campaign, fenglu: Town) -> None:
    project(fenglu, datetime.date(2021, 4, 1), insured=True)
    project(fenglu, datetime.date(2021, 4, 2), insured=False)
    roster(fenglu, make_uscc(1), datetime.date(2021, 5, 31), 10, 4)
    elsewhere = TownFactory(county=CampaignFactory().county)
    project(elsewhere, datetime.date(2021, 4, 1), insured=True)
    roster(elsewhere, make_uscc(2), datetime.date(2021, 5, 31), 90, 90)
    progress_recompute(campaign=chengjiang, as_of=JUNE_30)

    construction = city(chengjiang, "construction_injury_rate")
    assert (construction.numerator, construction.denominator) == (Decimal(1), Decimal(2))
    pneumoconiosis = city(chengjiang, "pneumoconiosis_injury_rate")
    assert (pneumoconiosis.numerator, pneumoconiosis.denominator) == (Decimal(4), Decimal(10))


def test_the_first_recompute_of_a_campaign_records_its_state_and_each_one_renews_the_figures_token(
    chengjiang: Campaign, fenglu: Town
) -> None:
    ProgressState.objects.filter(campaign=chengjiang).delete()
    progress_recompute(campaign=chengjiang, as_of=JUNE_30)
    first = ProgressState.objects.get(campaign=chengjiang).figures
    record(chengjiang, fenglu, Insurance.RESIDENT_PENSION, datetime.date(2021, 6, 1))
    progress_recompute(campaign=chengjiang, as_of=JUNE_30)
    assert ProgressState.objects.get(campaign=chengjiang).figures != first
    assert city(chengjiang, "resident_pension_insured").numerator == 1


@pytest.mark.django_db(transaction=True)
def test_a_second_recompute_of_a_campaign_waits_for_the_first_to_commit(chengjiang: Campaign) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("two recomputes side by side need PostgreSQL's row locks (SQLite locks the whole file)")
    events: list[str] = []
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        try:
            with transaction.atomic():
                progress_recompute(campaign=chengjiang, as_of=JUNE_30)
                holding.set()
                release.wait(10)
                events.append("first commits")
        finally:
            connection.close()

    def second() -> None:
        try:
            holding.wait(10)
            progress_recompute(campaign=chengjiang, as_of=JUNE_30)
            events.append("second done")
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(10)
    # Time enough for the second to finish if nothing held it back.
    threading.Event().wait(0.5)
    release.set()
    for thread in threads:
        thread.join(20)
    assert events == ["first commits", "second done"]
    assert ProgressSnapshot.objects.filter(campaign=chengjiang, as_of=JUNE_30).count() == 8 * 7


@pytest.mark.django_db(transaction=True)
def test_a_recompute_commits_without_waiting_for_the_disk_and_leaves_an_enclosing_transaction_as_it_is(
    chengjiang: Campaign,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the commit that does not wait for the disk is PostgreSQL's synchronous_commit")

    def asks_no_wait(captured: CaptureQueriesContext) -> bool:
        return any("synchronous_commit" in query["sql"] for query in captured.captured_queries)

    with CaptureQueriesContext(connection) as alone:
        progress_recompute(campaign=chengjiang, as_of=JUNE_30)
    assert asks_no_wait(alone)
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)  # for that transaction only

    with transaction.atomic(), CaptureQueriesContext(connection) as enclosed:
        progress_recompute(campaign=chengjiang, as_of=JUNE_30)
    assert not asks_no_wait(enclosed)
    assert ProgressSnapshot.objects.filter(campaign=chengjiang, as_of=JUNE_30).count() == 8 * 7
