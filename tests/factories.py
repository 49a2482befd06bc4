"""factory_boy factories shared by every test module."""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from campaigns.models import Campaign, County, Department, Phase, Role, Town, User, Village
from targets.models import Indicator, Target

TEST_PASSWORD = "Test-password-2021"


class CountyFactory(DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ["division_code"]

    name = factory.Sequence(lambda n: f"测试县{n}")
    division_code = factory.Sequence(lambda n: f"{999000 + n}")


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    county = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"2021年参保扩面专项行动{n}")
    year = 2021
    document_number = "测政办发〔2021〕1号"
    start = datetime.date(2021, 3, 18)
    target_date = datetime.date(2021, 12, 31)
    report_first_period = datetime.date(2021, 4, 1)
    report_last_period = datetime.date(2021, 11, 1)
    report_due_day = 2
    summary_due = datetime.date(2021, 12, 5)


class PhaseFactory(DjangoModelFactory):
    class Meta:
        model = Phase

    campaign = factory.SubFactory(CampaignFactory)
    name = "参保缴费"
    order = factory.Sequence(lambda n: n + 1)
    start = datetime.date(2021, 6, 1)
    end = datetime.date(2021, 10, 31)


class TownFactory(DjangoModelFactory):
    class Meta:
        model = Town

    county = factory.SubFactory(CountyFactory)
    short_name = factory.Sequence(lambda n: f"测试{n}")
    name = factory.LazyAttribute(lambda o: f"{o.short_name}镇")
    kind = Town.Kind.TOWN


class VillageFactory(DjangoModelFactory):
    class Meta:
        model = Village

    town = factory.SubFactory(TownFactory)
    name = factory.Sequence(lambda n: f"测试村{n}")


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    county = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"部门{n}")
    duty = "负责测试"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.OFFICE
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def role_group(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            from campaigns.roles import group_for

            self.is_staff = self.role == Role.ADMIN
            self.save()
            self.groups.add(group_for(self.role))


class IndicatorFactory(DjangoModelFactory):
    class Meta:
        model = Indicator
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"indicator_{n}")
    name = factory.Sequence(lambda n: f"指标{n}")
    kind = Indicator.Kind.COUNT
    unit = "人"


class TargetFactory(DjangoModelFactory):
    class Meta:
        model = Target

    campaign = factory.SubFactory(CampaignFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    target_value = 100
