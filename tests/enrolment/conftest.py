from __future__ import annotations

import pytest

from campaigns.models import Campaign, Town, Village
from enrolment.models import Batch, ListKind, PushEntry
from tests.enrolment.factories import BatchFactory, PushEntryFactory


@pytest.fixture
def batch(chengjiang: Campaign) -> Batch:
    return BatchFactory(campaign=chengjiang, kind=ListKind.EMPLOYED_PERSON, label="2021年第一批")


@pytest.fixture
def fenglu_village(fenglu: Town) -> Village:
    return Village.objects.filter(town=fenglu).first() or Village.objects.create(town=fenglu, name="测试社区")


@pytest.fixture
def fenglu_entry(chengjiang: Campaign, fenglu: Town, fenglu_village: Village, batch: Batch) -> PushEntry:
    return PushEntryFactory(
        campaign=chengjiang, town=fenglu, village=fenglu_village, batch=batch, name="张凤麓", key="530422199001011233"
    )


@pytest.fixture
def longjie_entry(chengjiang: Campaign, longjie: Town, batch: Batch) -> PushEntry:
    return PushEntryFactory(campaign=chengjiang, town=longjie, batch=batch, name="李龙街")


@pytest.fixture
def fenglu_employer(chengjiang: Campaign, fenglu: Town) -> PushEntry:
    employer_batch = BatchFactory(campaign=chengjiang, kind=ListKind.EMPLOYER, label="单位第一批")
    return PushEntryFactory(
        campaign=chengjiang, kind=ListKind.EMPLOYER, town=fenglu, batch=employer_batch, name="凤麓建材有限公司"
    )
