"""A measure beside its floor on a shared machine: the two taken by turns, so that each pair shares the moment's
neighbours, and the best of each kept (the benchmarks record every run beside it)."""

from __future__ import annotations

import time
from collections.abc import Callable


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def by_turns(
    measure: Callable[[], object],
    floor: Callable[[], object],
    *,
    runs: int,
    reset: Callable[[], object] | None = None,
) -> tuple[list[float], list[float]]:
    """The seconds of every run of ``measure`` and of ``floor``: each once as a warm-up, then ``runs`` pairs, the
    floor first; ``reset`` (untimed) after each run of the measure, the warm-up's included."""
    measure()
    if reset is not None:
        reset()
    floor()
    measures, floors = [], []
    for _ in range(runs):
        floors.append(_timed(floor))
        measures.append(_timed(measure))
        if reset is not None:
            reset()
    return measures, floors
