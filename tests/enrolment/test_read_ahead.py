"""Reading ahead in a thread: the items in order, the producer's error raised where it happened, a stop honoured."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.utils import translation
from django.utils.translation import gettext

from enrolment.services._read_ahead import read_ahead


def test_it_yields_every_item_in_order_from_another_thread() -> None:
    threads: set[str] = set()

    def produce() -> Iterator[int]:
        for n in range(50):
            threads.add(threading.current_thread().name)
            yield n

    assert list(read_ahead(produce)) == list(range(50))
    assert threads == {"read-ahead"}


def test_an_error_in_the_producer_is_raised_after_the_items_before_it() -> None:
    def produce() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("第 3 行有误")

    seen: list[int] = []
    with pytest.raises(ValueError, match="第 3 行有误"):
        for item in read_ahead(produce):
            seen.append(item)
    assert seen == [1, 2]


def test_leaving_early_stops_the_producer_and_closes_what_it_holds() -> None:
    made: list[int] = []
    closed = threading.Event()

    def produce() -> Iterator[int]:
        try:
            for n in range(10_000):
                made.append(n)
                yield n
        finally:
            closed.set()

    with pytest.raises(RuntimeError):
        for item in read_ahead(produce):
            if item == 3:
                raise RuntimeError("the caller failed")
    # Closed by the time the loop is left, not whenever the thread gets round to it, and far from the end.
    assert closed.is_set()
    assert len(made) < 10


def test_the_producer_speaks_the_callers_language() -> None:
    def produce() -> Iterator[str]:
        yield translation.get_language()
        yield gettext("Yes")

    with translation.override("zh-hans"):
        assert list(read_ahead(produce)) == ["zh-hans", "是"]


def test_meanwhile_runs_in_the_callers_thread_while_the_producer_works() -> None:
    started = threading.Event()
    seen: list[str] = []

    def produce() -> Iterator[int]:
        started.set()
        yield 1

    def meanwhile() -> None:
        # The producer is already running: the caller's work overlaps it.
        assert started.wait(timeout=5)
        seen.append(threading.current_thread().name)

    assert list(read_ahead(produce, meanwhile=meanwhile)) == [1]
    assert seen == [threading.current_thread().name]


def test_an_error_in_meanwhile_stops_the_producer_and_closes_what_it_holds() -> None:
    closed = threading.Event()

    def produce() -> Iterator[int]:
        try:
            yield from range(10_000)
        finally:
            closed.set()

    def meanwhile() -> None:
        raise RuntimeError("the database failed")

    with pytest.raises(RuntimeError, match="the database failed"):
        list(read_ahead(produce, meanwhile=meanwhile))
    assert closed.is_set()
