from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
import time_machine

from campaigns.models import Campaign, Department
from reporting.schedule import SHANGHAI, Period, period_from_key


def at(*args: int) -> datetime.datetime:
    """A moment in Asia/Shanghai: ``at(2021, 7, 2, 22)``."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def june(chengjiang: Campaign) -> Period:
    return period_from_key(chengjiang, "2021-06")


@pytest.fixture
def renshe(chengjiang: Campaign) -> Department:
    return Department.objects.get(county=chengjiang.county, name="人社")


@pytest.fixture
def travel() -> Callable[..., object]:
    """``with travel(2021, 7, 2, 22):`` freezes the clock at that Shanghai time."""

    def go(*args: int) -> object:
        return time_machine.travel(at(*args), tick=False)

    return go


TEXTS = {
    "progress": "完成入户核查 1200 户。",
    "problems": "部分外出务工人员联系不上。",
    "measures": "通过村组微信群逐一联系。",
}
