import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from notelab.classify.resampling import (
    corrected_interval,
    corrected_ttest,
    split_ratio,
    splits,
)

A = [0.90, 0.92, 0.88, 0.91, 0.93, 0.90, 0.89, 0.92, 0.91, 0.90]
B = [0.85, 0.90, 0.86, 0.86, 0.90, 0.88, 0.84, 0.90, 0.87, 0.88]


def test_corrected_ttest_matches_a_hand_computation():
    # differences 0.05 0.02 0.02 0.05 0.03 0.02 0.05 0.02 0.04 0.02, by hand:
    # mean 0.032; sum of squared deviations 0.00176, sample variance 0.00176 / 9;
    # corrected variance of the mean (1/10 + 1/4) * 0.00176 / 9 (5-fold: n_test/n_train = 1/4)
    mean, var = 0.032, 0.00176 / 9
    t = mean / math.sqrt((1 / 10 + 1 / 4) * var)
    p = 2 * (1 - stats.t.cdf(t, 9))
    test = corrected_ttest(A, B, ratio=split_ratio(5))
    assert test.mean == pytest.approx(mean)
    assert test.t == pytest.approx(t) == pytest.approx(3.868, abs=1e-3)
    assert test.p_value == pytest.approx(p)
    assert test.count == 10


def test_uncorrected_test_would_be_scipys_paired_t_test():
    # with ratio 0 the statistic is the ordinary paired t-test's, which scipy computes
    ours = corrected_ttest(A, B, ratio=0.0)
    reference = stats.ttest_rel(A, B)
    assert ours.t == pytest.approx(reference.statistic)
    assert ours.p_value == pytest.approx(reference.pvalue)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=2, max_size=30),
    st.floats(0, 1),
)
def test_interval_is_scipys_t_interval_with_the_corrected_scale(scores, ratio):
    mean, low, high = corrected_interval(scores, ratio=ratio)
    x = np.asarray(scores)
    scale = math.sqrt((1 / len(x) + ratio) * x.var(ddof=1))
    if scale == 0:
        assert low == mean == high
        return
    ref_low, ref_high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=scale)
    assert (low, high) == pytest.approx((ref_low, ref_high), rel=1e-9, abs=1e-12)


def test_interval_from_corrected_ttest_agrees_with_its_p_value():
    test = corrected_ttest(A, B, ratio=0.25)
    assert (test.low > 0) == (test.p_value < 0.05)


def test_identical_scores_are_a_tie_and_constant_gaps_decisive():
    assert corrected_ttest(A, A, ratio=0.25).p_value == 1.0
    shifted = [a - 0.01 for a in A]
    assert corrected_ttest(A, shifted, ratio=0.25).p_value == pytest.approx(0.0, abs=1e-12)


def test_one_fold_has_no_interval_and_no_test():
    assert corrected_interval([0.7], ratio=0.25) == (0.7, 0.7, 0.7)
    assert math.isnan(corrected_ttest([0.7], [0.6], ratio=0.25).p_value)


def test_splits_are_stratified_repeated_and_reproducible():
    y = np.array([0] * 30 + [1] * 10)
    folds = splits(y, cv=5, repeats=2, random_state=3)
    assert len(folds) == 10
    for train, test in folds:
        assert len(np.intersect1d(train, test)) == 0
        assert np.sum(y[test] == 1) == 2
    first = np.sort(np.concatenate([test for _, test in folds[:5]]))
    assert np.array_equal(first, np.arange(40))  # each repeat covers every row once
    again = splits(y, cv=5, repeats=2, random_state=3)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again, strict=True))


def test_holdout_is_a_stratified_80_20_split():
    y = np.array([0] * 50 + [1] * 50)
    ((_train, test),) = splits(y, cv=1, repeats=1, random_state=0)
    assert len(test) == 20 and np.sum(y[test]) == 10
    assert split_ratio(1) == 0.25 and split_ratio(5) == 0.25
    assert split_ratio(10) == pytest.approx(1 / 9)
