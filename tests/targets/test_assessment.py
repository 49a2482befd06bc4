"""The measure of each indicator kind, the ranks and the composite, with every figure computed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from targets.assessment import (
    Assessment,
    Standing,
    Status,
    Tone,
    competition_ranks,
    composite,
    judged_baseline,
    measure_for,
    tone_of,
)

JUNE_30 = 104 / 288  # the 2021 campaign's time progress on 2021-06-30


def standing(actual, target, baseline=None, *, has_data=True, time_progress=JUNE_30) -> Standing:
    return Standing(
        actual=Decimal(str(actual)),
        target=Decimal(str(target)),
        baseline=None if baseline is None else Decimal(str(baseline)),
        has_data=has_data,
        time_progress=time_progress,
    )


def count(*args, **kwargs) -> Assessment:
    return measure_for("count").assess(standing(*args, **kwargs))


def average(*args, **kwargs) -> Assessment:
    return measure_for("average").assess(standing(*args, **kwargs))


def rate(*args, **kwargs) -> Assessment:
    return measure_for("rate").assess(standing(*args, **kwargs))


# --- counts ---------------------------------------------------------------------------------------------


def test_a_count_is_judged_on_the_increment_not_the_level() -> None:
    # The plan's employee pension: 12,375 at the start, 17,900 to reach; 42 new enrolments by June 30.
    result = count(12375 + 42, 17900, 12375)
    assert result.completion == pytest.approx(42 / 5525)  # 0.76 %, not the 69 % of 12,417 / 17,900
    assert result.level_completion == pytest.approx(12417 / 17900)
    assert result.new == 42
    assert (result.status, result.behind) == (Status.BEHIND, True)


def test_a_count_on_or_above_the_time_progress_is_on_track() -> None:
    # 2,000 of 5,525 = 36.2 % ≥ 36.1 %.
    result = count(12375 + 2000, 17900, 12375)
    assert result.completion == pytest.approx(2000 / 5525)
    assert (result.status, result.behind) == (Status.ON_TRACK, False)
    # 1,995 of 5,525 = 36.1 %, a hair below 104 / 288 = 36.11 %: behind.
    assert count(12375 + 1995, 17900, 12375).status == Status.BEHIND


def test_a_count_at_its_target_is_met_and_may_exceed_one() -> None:
    # A town's transfers: baseline 0, 250 to reach, 300 made: 120 % (超额).
    result = count(300, 250, 0)
    assert result.completion == pytest.approx(1.2)
    assert (result.status, result.behind, result.new) == (Status.MET, False, 300)
    assert count(250, 250, 0).status == Status.MET


def test_a_count_is_met_only_when_the_level_reaches_the_target() -> None:
    # Far ahead of the time progress but not at the target yet: on track, not met.
    result = count(240, 250, 0)
    assert result.completion == pytest.approx(0.96)
    assert result.status == Status.ON_TRACK


def test_without_a_baseline_a_count_is_not_assessed_and_never_read_as_zero() -> None:
    # 凤麓's resident pension: 6,550 to reach, baseline unknown, 3 enrolments so far.
    result = count(3, 6550, None)
    assert (result.completion, result.new, result.behind) == (None, None, None)
    assert result.status == Status.NO_BASELINE
    assert result.level_completion == pytest.approx(3 / 6550)


def test_a_count_completion_is_not_below_zero() -> None:
    assert count(90, 200, 100).completion == 0.0


def test_a_target_at_its_baseline_asks_for_nothing_more() -> None:
    assert (count(100, 100, 100).completion, count(100, 100, 100).status) == (1.0, Status.MET)


def test_on_the_first_day_any_count_is_on_track() -> None:
    assert count(12375, 17900, 12375, time_progress=0.0).status == Status.ON_TRACK


# --- the average contribution ---------------------------------------------------------------------------


def test_an_average_is_judged_on_its_rise_from_the_baseline() -> None:
    # 223 元 at the start, 330 to reach, 250 now: (250 − 223) / (330 − 223) = 27 / 107.
    result = average(250, 330, 223)
    assert result.completion == pytest.approx(27 / 107)
    assert result.new == 27
    assert (result.status, result.behind) == (Status.BELOW_TARGET, True)


def test_an_average_at_its_target_is_met_whatever_the_date() -> None:
    for progress in (0.0, JUNE_30, 1.0):
        result = average(350, 330, 223, time_progress=progress)
        assert result.completion == pytest.approx(127 / 107)
        assert result.status == Status.MET
        assert average(300, 330, 223, time_progress=progress).status == Status.BELOW_TARGET


def test_an_average_without_records_has_no_data() -> None:
    result = average(0, 330, 223, has_data=False)
    assert (result.status, result.completion, result.behind, result.level_completion) == (
        Status.NO_DATA,
        None,
        None,
        None,
    )


def test_an_average_below_its_baseline_completes_nothing() -> None:
    assert average(200, 330, 223).completion == 0.0


# --- rates ------------------------------------------------------------------------------------------------


def test_a_rate_is_a_threshold_whatever_the_date() -> None:
    for progress in (0.0, JUNE_30, 1.0):
        below = rate("0.5", "0.9", time_progress=progress)
        assert below.completion == pytest.approx(0.5 / 0.9)
        assert (below.status, below.behind) == (Status.BELOW_TARGET, True)
        held = rate("0.95", "0.9", time_progress=progress)
        assert held.completion == pytest.approx(0.95 / 0.9)
        assert (held.status, held.behind) == (Status.MET, False)


def test_a_rate_ignores_any_baseline() -> None:
    assert rate("0.45", "0.9", "0.3").completion == pytest.approx(0.5)
    assert rate("0.45", "0.9", "0.3").new is None


def test_an_empty_rate_has_no_data() -> None:
    result = rate(0, "0.9", has_data=False)
    assert (result.status, result.completion, result.behind) == (Status.NO_DATA, None, None)


# --- baselines --------------------------------------------------------------------------------------------


def test_a_towns_average_without_its_own_baseline_uses_the_citys() -> None:
    assert judged_baseline("average", None, is_town=True, city=Decimal(223)) == (Decimal(223), True)
    assert judged_baseline("average", Decimal(240), is_town=True, city=Decimal(223)) == (Decimal(240), False)
    assert judged_baseline("average", None, is_town=True, city=None) == (None, False)
    assert judged_baseline("average", None, is_town=False, city=None) == (None, False)


def test_a_towns_count_never_borrows_the_citys_baseline() -> None:
    assert judged_baseline("count", None, is_town=True, city=Decimal(12375)) == (None, False)
    assert judged_baseline("count", Decimal(0), is_town=True, city=None) == (Decimal(0), False)
    assert judged_baseline("rate", Decimal("0.5"), is_town=False, city=None) == (None, False)


# --- ranks and the composite ------------------------------------------------------------------------------


def test_ties_share_a_rank_and_the_next_rank_is_skipped() -> None:
    ranks = competition_ranks({"凤麓": 0.5, "龙街": 0.3, "右所": 0.3, "海口": 0.1})
    assert ranks == {"凤麓": 1, "龙街": 2, "右所": 2, "海口": 4}


def test_equal_fractions_tie_whatever_their_floating_point_noise() -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in binary floating point.
    assert competition_ranks({"a": 0.1 + 0.2, "b": 0.3, "c": 0.2}) == {"a": 1, "b": 1, "c": 3}


def test_the_composite_caps_each_completion_at_one() -> None:
    # 人均缴费 at 250 % counts as 100 %: (1 + 0.2 + 0.1) / 3, not (2.5 + 0.2 + 0.1) / 3.
    assert composite([2.5, 0.2, 0.1]) == pytest.approx(1.3 / 3)
    assert composite([0.4, 0.4, 1.0]) == pytest.approx(0.6)
    assert composite([]) is None


# --- tones ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "completion", "progress", "expected"),
    [
        (Status.MET, 1.2, 0.5, Tone.GOOD),
        (Status.ON_TRACK, 0.5, 0.4, Tone.GOOD),
        (Status.BEHIND, 0.35, 0.40, Tone.WARN),  # 5 points behind
        (Status.BEHIND, 0.30, 0.40, Tone.WARN),  # exactly 10 points
        (Status.BEHIND, 0.29, 0.40, Tone.BAD),  # 11 points
        (Status.BELOW_TARGET, 0.99, 0.0, Tone.BAD),
        (Status.NO_BASELINE, None, 0.4, Tone.NONE),
        (Status.NO_DATA, None, 0.4, Tone.NONE),
        ("", None, 0.4, None),
    ],
)
def test_the_tone_of_a_status(status, completion, progress, expected) -> None:
    assert tone_of(status, completion, progress) == expected
