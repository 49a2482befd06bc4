"""Factories for push lists and their entries (the import builds them from files; tests build them here)."""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from enrolment.identifiers import make_id_number, make_uscc
from enrolment.models import Batch, ImportStatus, ListKind, PushEntry
from tests.factories import CampaignFactory, TownFactory


def key_for(kind: str, n: int) -> str:
    if kind in ListKind.employer_kinds():
        return make_uscc(n)
    return make_id_number("530422", datetime.date(1970, 1, 1) + datetime.timedelta(days=n // 1000), n % 1000)


class BatchFactory(DjangoModelFactory):
    class Meta:
        model = Batch

    campaign = factory.SubFactory(CampaignFactory)
    kind = ListKind.EMPLOYED_PERSON
    label = factory.Sequence(lambda n: f"第{n + 1}批")
    file = factory.LazyAttribute(lambda o: f"imports/batch/{o.sha256[:2]}/{o.sha256}.xlsx")
    file_name = factory.LazyAttribute(lambda o: f"{o.label}.xlsx")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    status = ImportStatus.DONE


class PushEntryFactory(DjangoModelFactory):
    class Meta:
        model = PushEntry
        skip_postgeneration_save = True

    campaign = factory.SubFactory(CampaignFactory)
    kind = ListKind.EMPLOYED_PERSON
    key = factory.LazyAttributeSequence(lambda o, n: key_for(o.kind, n))
    name = factory.Sequence(lambda n: f"测试人员{n}")
    town = factory.SubFactory(TownFactory, county=factory.SelfAttribute("..campaign.county"))
    village = None
    batch = factory.SubFactory(
        BatchFactory, campaign=factory.SelfAttribute("..campaign"), kind=factory.SelfAttribute("..kind")
    )
    phone = "13812345678"
