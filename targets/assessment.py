"""How a target is judged: one measure per indicator kind, and the rankings and composite built on them.

The plan's count targets are levels to reach from a level at the start ("新增0.5525万人, 达1.79万人"): a unit
is judged on the increment, ``(actual − baseline) / (target − baseline)``, against the time progress. The rates
("保持在90%以上") are thresholds to hold whatever the date; the average contribution (223 → 330 元) is a level
to raise, met or not met. Everything here is arithmetic on numbers already read: no database, no dates.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.db import models
from django.utils.translation import gettext_lazy as _

# Completions are compared after rounding away float noise: 25/250 and 10/100 tie.
_RANK_PLACES = 9
# Each completion counts at most this much in a composite, so one indicator's excess cannot hide another's lag.
COMPOSITE_CAP = 1.0

Key = TypeVar("Key", bound=Hashable)


class Status(models.TextChoices):
    """The public status of a target (the API's ``status``)."""

    MET = "met", _("已完成")
    ON_TRACK = "on_track", _("正常")
    BEHIND = "behind", _("滞后")
    BELOW_TARGET = "below_target", _("未达标")
    NO_BASELINE = "no_baseline", _("基数未设置")
    NO_DATA = "no_data", _("无数据")


LAGGING = frozenset({Status.BEHIND, Status.BELOW_TARGET})
NOT_ASSESSED = frozenset({Status.NO_BASELINE, Status.NO_DATA})


@dataclass(frozen=True)
class Standing:
    """Where a unit stands on one target: what the measure of its indicator's kind judges."""

    actual: Decimal
    target: Decimal
    # The level at the campaign start; None when unknown (never read as 0).
    baseline: Decimal | None
    # Whether there is anything to measure a mean or a rate over (records, projects, roster workers).
    has_data: bool
    time_progress: float


@dataclass(frozen=True)
class Assessment:
    status: Status
    # The judged completion: on the increment for counts and averages, against the threshold for rates.
    completion: float | None
    # actual / target, the plain level reached (shown beside the judged completion).
    level_completion: float | None
    # actual − baseline; None without a baseline (and for rates, which have none).
    new: Decimal | None

    @property
    def behind(self) -> bool | None:
        """True exactly when behind the time progress or below the target; None when not assessed."""
        if self.status in NOT_ASSESSED:
            return None
        return self.status in LAGGING


def _fraction(numerator: Decimal, denominator: Decimal) -> float:
    return float(numerator / denominator)


def _level(standing: Standing) -> float | None:
    return _fraction(standing.actual, standing.target) if standing.target > 0 else None


def _increment_completion(standing: Standing, baseline: Decimal) -> float:
    """(actual − baseline) / (target − baseline), never below 0, above 1 when exceeded (超额).

    A target at or below its baseline asks for no increment: it is complete once the target is reached.
    """
    asked = standing.target - baseline
    if asked <= 0:
        return 1.0 if standing.actual >= standing.target else 0.0
    return max(0.0, _fraction(standing.actual - baseline, asked))


class Measure(ABC):
    """The rule of one indicator kind."""

    @abstractmethod
    def assess(self, standing: Standing) -> Assessment: ...


class CountMeasure(Measure):
    """Persons insured: judged on the increment against the time progress."""

    def assess(self, standing: Standing) -> Assessment:
        level = _level(standing)
        if standing.baseline is None:
            return Assessment(Status.NO_BASELINE, None, level, None)
        completion = _increment_completion(standing, standing.baseline)
        if standing.actual >= standing.target:
            status = Status.MET
        elif completion < standing.time_progress:
            status = Status.BEHIND
        else:
            status = Status.ON_TRACK
        return Assessment(status, completion, level, standing.actual - standing.baseline)


class AverageMeasure(Measure):
    """A mean amount to raise: met or below target, whatever the date."""

    def assess(self, standing: Standing) -> Assessment:
        if not standing.has_data:
            return Assessment(Status.NO_DATA, None, None, None)
        level = _level(standing)
        if standing.baseline is None:
            return Assessment(Status.NO_BASELINE, None, level, None)
        completion = _increment_completion(standing, standing.baseline)
        status = Status.MET if standing.actual >= standing.target else Status.BELOW_TARGET
        return Assessment(status, completion, level, standing.actual - standing.baseline)


class RateMeasure(Measure):
    """A threshold to hold all year: rate / target, met or below target, whatever the date."""

    def assess(self, standing: Standing) -> Assessment:
        if not standing.has_data:
            return Assessment(Status.NO_DATA, None, None, None)
        completion = _level(standing)
        if completion is None:  # a threshold of 0 is held by any rate
            completion = 1.0
        status = Status.MET if standing.actual >= standing.target else Status.BELOW_TARGET
        return Assessment(status, completion, completion, None)


MEASURES: dict[str, Measure] = {
    "count": CountMeasure(),
    "average": AverageMeasure(),
    "rate": RateMeasure(),
}


def measure_for(kind: str) -> Measure:
    return MEASURES[kind]


def uses_baseline(kind: str) -> bool:
    """Whether targets of this kind are judged from a level at the start (rates are not)."""
    return kind != "rate"


def judged_baseline(
    kind: str, own: Decimal | None, *, is_town: bool, city: Decimal | None
) -> tuple[Decimal | None, bool]:
    """The level at the start a target is judged from, and whether it is the city's.

    Rates have none. A town's average contribution without a baseline of its own starts from the city's
    (223 元 in the plan): the towns' starting averages are rarely known, the city's is in the plan. A count
    without its own baseline has none: it is never read as 0.
    """
    if not uses_baseline(kind):
        return None, False
    if own is not None:
        return own, False
    if kind == "average" and is_town and city is not None:
        return city, True
    return None, False


def competition_ranks(values: Mapping[Key, float]) -> dict[Key, int]:
    """Rank 1 = highest; equal values share a rank and the next rank skips (1, 2, 2, 4)."""
    rounded = {key: round(value, _RANK_PLACES) for key, value in values.items()}
    ordered = sorted(rounded.values(), reverse=True)
    first = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {key: first[value] for key, value in rounded.items()}


def composite(completions: Iterable[float]) -> float | None:
    """The mean of a unit's completions, each capped at 1.0; None when none can be assessed."""
    capped = [min(COMPOSITE_CAP, value) for value in completions]
    return sum(capped) / len(capped) if capped else None


class Tone(models.TextChoices):
    """The colour a status is shown in, on every page, chart and workbook."""

    GOOD = "good", _("完成或正常")
    WARN = "warn", _("滞后 10 个百分点以内")
    BAD = "bad", _("滞后较多或未达标")
    NONE = "none", _("基数未设置或无数据")


# Behind the time progress by up to this much (10 percentage points) is amber, further behind red.
WARN_GAP = 0.10


def tone_of(status: str | None, completion: float | None, time_progress: float | None) -> Tone | None:
    """Green when met or on track, amber when behind by up to 10 points, red further behind or below target,
    grey when not assessable; None where there is no target at all."""
    if not status:
        return None
    if status in NOT_ASSESSED:
        return Tone.NONE
    if status == Status.BEHIND:
        gap = (time_progress or 0.0) - (completion or 0.0)
        return Tone.WARN if gap <= WARN_GAP + 1e-9 else Tone.BAD
    if status == Status.BELOW_TARGET:
        return Tone.BAD
    return Tone.GOOD
