import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from notelab._util.estimate import Estimate

samples = st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=2, max_size=30)


@settings(deadline=None)
@given(samples)
def test_mean_interval_is_scipys_t_interval(values):
    est = Estimate.mean_interval(values)
    assert est.value == pytest.approx(np.mean(values), abs=1e-6)
    if np.std(values) > 1e-6:
        low, high = stats.t.interval(0.95, len(values) - 1, np.mean(values), stats.sem(values))
        assert (est.low, est.high) == pytest.approx((low, high), rel=1e-9, abs=1e-6)
    assert est.count == len(values) and est.method == f"mean of {len(values)}"


def test_one_sample_is_its_own_interval():
    est = Estimate.mean_interval([0.7])
    assert (est.value, est.low, est.high, est.count) == (0.7, 0.7, 0.7, 1)


def test_proportion_is_the_wilson_interval():
    est = Estimate.proportion(7, 20)
    reference = stats.binomtest(7, 20).proportion_ci(0.95, method="wilson")
    assert (est.value, est.low, est.high) == pytest.approx((0.35, reference.low, reference.high))


@settings(deadline=None)
@given(samples, st.floats(-2e6, 0), st.floats(0, 2e6))
def test_clipped_keeps_the_value_and_cuts_the_interval(values, low, high):
    est = Estimate.mean_interval(values)
    cut = est.clipped(min(low, est.value), max(high, est.value))
    assert cut.value == est.value and cut.low >= est.low and cut.high <= est.high
    assert cut.low <= cut.value <= cut.high


def test_text_shows_the_interval_and_method():
    assert Estimate(0.5821, 0.5541, 0.6101, 5, "mean of 5").text() == (
        "0.582 (95% interval 0.554 to 0.610, mean of 5)"
    )
    assert Estimate.exact(3).text() == "3.00"
    assert math.isnan(Estimate.mean_interval([math.nan, 1.0]).value)


@settings(deadline=None)
@given(samples, st.floats(0.01, 1.0))
def test_corrected_interval_is_classifys_nadeau_bengio_interval(values, ratio):
    from notelab.classify.resampling import corrected_interval

    est = Estimate.mean_interval(values, correction=ratio)
    mean, low, high = corrected_interval(values, ratio=ratio)
    assert (est.value, est.low, est.high) == pytest.approx((mean, low, high), rel=1e-9, abs=1e-6)
