"""A prefecture-wide recompute: fanned out per county as a group, gathered by a chord, each county claimed."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from campaigns.models import Campaign, Region
from reporting.schedule import SHANGHAI
from targets.models import Indicator, ProgressSnapshot, Target
from targets.services import progress_claim
from targets.tasks import progress_region_recompute_task, progress_region_workflow
from tests.factories import CampaignFactory, CountyFactory

ROOT = Path(__file__).resolve().parent.parent.parent
JULY = time_machine.travel(datetime.datetime(2021, 7, 10, 10, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def yuxi(chengjiang: Campaign) -> Region:
    county = CountyFactory(name="江川区", division_code="530403")
    campaign = CampaignFactory(county=county, name="2021年江川区参保扩面专项行动")
    Target.objects.create(
        campaign=campaign, indicator=Indicator.objects.get(code="employee_pension_insured"), target_value=1100
    )
    call_command("load_regions", str(ROOT / "fixtures" / "regions" / "yuxi.csv"), verbosity=0)
    return Region.objects.get(code="530400")


def _snapshots(campaign: Campaign) -> int:
    return ProgressSnapshot.objects.filter(campaign=campaign).count()


def test_every_county_of_the_prefecture_is_recomputed_and_gathered(yuxi: Region, chengjiang: Campaign):
    jiangchuan = Campaign.objects.get(county__name="江川区")
    with JULY:
        summary = progress_region_workflow(region=yuxi).apply().get()
    assert summary["counties"] == 2
    assert summary["recomputed"] == sorted([chengjiang.pk, jiangchuan.pk])
    assert summary["busy"] == []
    assert summary["rows"] == _snapshots(chengjiang) + _snapshots(jiangchuan) > 0


def test_a_county_already_recomputing_is_left_to_its_run(yuxi: Region, chengjiang: Campaign):
    jiangchuan = Campaign.objects.get(county__name="江川区")
    with JULY:
        assert progress_claim(campaign=chengjiang, token="a-run-elsewhere")
        summary = progress_region_workflow(region=yuxi).apply().get()
    assert summary["busy"] == [chengjiang.pk]
    assert summary["recomputed"] == [jiangchuan.pk]
    assert _snapshots(chengjiang) == 0


def test_another_prefectures_counties_are_not_touched(yuxi: Region, chengjiang: Campaign):
    call_command("load_regions", str(ROOT / "tests" / "fixtures" / "regions" / "qujing.csv"), verbosity=0)
    with JULY:
        summary = progress_region_workflow(region=Region.objects.get(code="530300")).apply().get()
    assert summary["counties"] == 0
    assert _snapshots(chengjiang) == 0


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_the_fan_out_runs_on_real_workers(celery_worker_on_broker, chengjiang: Campaign) -> None:
    from celery.result import AsyncResult

    county = CountyFactory(name="江川区", division_code="530403")
    CampaignFactory(
        county=county,
        name="江川",
        start=datetime.date.today() - datetime.timedelta(days=30),
        target_date=datetime.date.today() + datetime.timedelta(days=30),
        report_first_period=datetime.date.today().replace(day=1),
        report_last_period=datetime.date.today().replace(day=1),
    )
    call_command("load_regions", str(ROOT / "fixtures" / "regions" / "yuxi.csv"), verbosity=0)
    region = Region.objects.get(code="530400")
    gathering = progress_region_recompute_task.delay(region.pk).get(timeout=30)
    summary = AsyncResult(gathering).get(timeout=60)
    assert summary["counties"] == 1  # Chengjiang's 2021 campaign is long over
    assert summary["busy"] == []


def test_the_command_recomputes_a_region(yuxi: Region, chengjiang: Campaign, settings) -> None:
    from io import StringIO

    settings.CELERY_TASK_ALWAYS_EAGER = True
    out = StringIO()
    with JULY:
        call_command("recompute_progress", "--region", "530400", stdout=out)
    assert out.getvalue().startswith("region=530400 counties=2 recomputed=2 busy=0 snapshots=")
    assert _snapshots(chengjiang) > 0
