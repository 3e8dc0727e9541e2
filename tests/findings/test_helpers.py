import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from notelab.findings import Estimate, Table
from notelab.findings._gap import largest_gap
from notelab.findings._timing import interleaved_rounds, ratio_estimate


def test_table_from_records_picks_and_names_columns():
    records = [{"b": 100, "steps": 10, "extra": 1}, {"b": 7, "steps": 143, "extra": 2}]
    table = Table.from_records("t", records, {"steps": "steps per epoch", "b": "batch size"})
    assert table.columns == ["steps per epoch", "batch size"]
    assert table.rows == [[10, 100], [143, 7]]


@given(
    st.lists(
        st.tuples(st.integers(1, 200), st.floats(0, 1)).flatmap(
            lambda t: st.tuples(st.integers(0, t[0]), st.just(t[0]), st.just(t[1]))
        ),
        min_size=1,
        max_size=6,
    )
)
def test_largest_gap_brackets_every_point(points):
    measured = [Estimate.proportion(k, n) for k, n, _ in points]
    expected = [e for _, _, e in points]
    gap = largest_gap(measured, expected)
    assert gap.value == max(abs(k / n - e) for k, n, e in points)
    assert gap.low <= gap.value <= gap.high
    # any true proportions inside the measured intervals have a largest gap in [low, high]
    for corner in itertools.product(*[(m.low, m.value, m.high) for m in measured]):
        true_gap = max(abs(c - e) for c, e in zip(corner, expected, strict=True))
        assert gap.low - 1e-12 <= true_gap <= gap.high + 1e-12


def test_largest_gap_low_is_zero_when_every_expectation_is_inside():
    gap = largest_gap([Estimate.proportion(50, 100)], [0.5])
    assert gap.low == 0.0 and gap.value == 0.0


def test_interleaved_rounds_alternate_and_time_with_the_clock():
    calls, ticks = [], itertools.count()
    times, last = interleaved_rounds(
        {"a": lambda: calls.append("a") or 1, "b": lambda: calls.append("b") or 2},
        3,
        clock=lambda: next(ticks) ** 2,
    )
    # one warm-up round, then A B, B A, A B: drift weighs on both alike
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b"]
    assert times["a"] == [9, 21, 25] and times["b"] == [13, 17, 29]
    assert last == {"a": 1, "b": 2}


def test_ratio_estimate_is_the_median_of_per_round_ratios():
    est = ratio_estimate([2.0, 4.0, 9.0], [1.0, 1.0, 3.0])
    assert est.value == float(np.median([2, 4, 3]))
    assert (est.low, est.high) == (2.0, 4.0) and est.count == 3
