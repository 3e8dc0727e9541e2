"""Interleaved rounds: order, warm-up, paired ratios and drift, on measurements made up exactly."""

import itertools
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notelab._util.rounds import Rounds, interleave, repeat, timed


def test_rounds_alternate_their_order_and_discard_the_warm_up():
    calls = []

    def measure(arm):
        calls.append(arm)
        return float(len(calls))

    rounds = interleave(["a", "b", "c"], measure, rounds=3, warmup_rounds=1)
    assert calls == ["a", "b", "c", "a", "b", "c", "c", "b", "a", "a", "b", "c"]
    assert rounds.count == 3
    assert rounds.of("a") == [4.0, 9.0, 10.0] and rounds.of("c") == [6.0, 7.0, 12.0]
    same_order = interleave(["a", "b"], lambda arm: 1.0, rounds=2, alternate=False)
    assert same_order.values == ((1.0, 1.0), (1.0, 1.0))


@given(
    costs=st.lists(st.floats(0.001, 100), min_size=2, max_size=5),
    speeds=st.lists(st.floats(0.2, 5), min_size=1, max_size=12),
)
def test_paired_ratios_cancel_any_drift_and_the_factors_recover_it(costs, speeds):
    # each round the machine runs at its own speed: every arm costs cost * speed
    arms = list(range(len(costs)))
    current = iter(s for s in speeds for _ in arms)
    rounds = interleave(arms, lambda arm: costs[arm] * next(current), rounds=len(speeds))
    for ratio in rounds.ratios(1, 0):
        assert ratio == pytest.approx(costs[1] / costs[0])
    typical = statistics.median(speeds)  # each round's factor: its speed over the median's
    for factor, speed in zip(rounds.round_factors(), speeds, strict=True):
        assert factor == pytest.approx(speed / typical)
    assert rounds.drift() == pytest.approx(max(speeds) / min(speeds) - 1)


def test_a_steady_machine_has_no_drift():
    rounds = Rounds(("a", "b"), ((1.0, 2.0), (1.0, 2.0), (1.0, 2.0)))
    assert rounds.round_factors() == [1.0, 1.0, 1.0] and rounds.drift() == 0
    assert rounds.median("b") == 2.0
    assert rounds.as_dict()["values"] == {"a": [1.0, 1.0, 1.0], "b": [2.0, 2.0, 2.0]}


def test_repeat_runs_until_the_count_and_the_seconds_are_reached():
    clock = itertools.count().__next__  # every call of the action takes one unit
    assert repeat(lambda: None, min_repeats=3, clock=clock) == [1, 1, 1]
    assert repeat(lambda: None, min_repeats=1, min_seconds=4.5, clock=clock) == [1] * 5
    assert repeat(lambda: None, min_repeats=0, clock=clock) == []
    ticks = iter([0, 1, 1, 4, 4, 6])  # calls of 1, 3 and 2 units: the median is 2
    assert timed(lambda: None, min_seconds=5, clock=lambda: next(ticks)) == 2


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_rounds_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="rounds"):
        interleave(["a"], lambda arm: 1.0, rounds=bad)
    with pytest.raises(ValueError, match="arm"):
        interleave([], lambda arm: 1.0, rounds=1)
