"""Repeated k-fold splits and the statistics that account for their overlap.

Scores from the folds of a repeated k-fold are not independent (training sets overlap), so a
plain t interval is too narrow and a plain paired t-test finds differences that are not there.
Nadeau and Bengio (2003) correct the variance by a factor ``1/n + n_test/n_train``; Bouckaert
and Frank (2004) showed the corrected test keeps its size on repeated k-fold. Both the intervals
and the paired test here use that correction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from notelab._util.estimate import CONFIDENCE, Estimate, standard_error

HOLDOUT_TEST_FRACTION = 0.2  # cv=1: one stratified 80/20 split per repeat


def splits(
    y: np.ndarray, *, cv: int, repeats: int, random_state: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified (train, test) index pairs: ``cv`` folds x ``repeats``, or holdouts for cv=1.

    Examples
    --------
    >>> y = np.array([0, 1] * 10)
    >>> len(splits(y, cv=5, repeats=2, random_state=0))
    10
    >>> [len(test) for _, test in splits(y, cv=1, repeats=1, random_state=0)]
    [4]
    """
    from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedShuffleSplit

    if cv == 1:
        splitter = StratifiedShuffleSplit(
            n_splits=repeats, test_size=HOLDOUT_TEST_FRACTION, random_state=random_state
        )
    else:
        splitter = RepeatedStratifiedKFold(
            n_splits=cv, n_repeats=repeats, random_state=random_state
        )
    return list(splitter.split(np.zeros(len(y)), y))


def split_ratio(cv: int) -> float:
    """``n_test / n_train`` of one split: ``1/(k-1)`` for k folds, 0.25 for an 80/20 holdout."""
    return HOLDOUT_TEST_FRACTION / (1 - HOLDOUT_TEST_FRACTION) if cv == 1 else 1 / (cv - 1)


@dataclass(frozen=True)
class CorrectedTest:
    """The corrected resampled t statistic of paired fold differences.

    Attributes
    ----------
    mean : float
        Mean difference.
    low, high : float
        95% interval of the mean difference, with the corrected variance.
    t, p_value : float
        The statistic and its two-sided p-value (``n - 1`` degrees of freedom).
    count : int
        Number of folds.
    """

    mean: float
    low: float
    high: float
    t: float
    p_value: float
    count: int


def corrected_interval(
    scores: Sequence[float] | np.ndarray, *, ratio: float, confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """Mean of fold ``scores`` with its Nadeau-Bengio corrected interval.

    The variance of the mean is ``(1/n + ratio) * s^2`` (``s^2`` the sample variance of the
    ``n`` fold scores, ``ratio`` = ``n_test / n_train``) and the interval uses Student's t with
    ``n - 1`` degrees of freedom. One score gives an interval of zero width.

    Examples
    --------
    >>> mean, low, high = corrected_interval([0.8, 0.9, 0.85, 0.95, 0.9], ratio=0.25)
    >>> round(mean, 2), round(low, 3), round(high, 3)
    (0.88, 0.774, 0.986)
    """
    est = Estimate.mean_interval(scores, correction=ratio, confidence=confidence)
    return est.value, est.low, est.high


def corrected_ttest(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    ratio: float,
    confidence: float = CONFIDENCE,
) -> CorrectedTest:
    """Nadeau and Bengio's corrected resampled t-test of ``a - b`` on the same folds.

    Examples
    --------
    >>> a = [0.90, 0.92, 0.88, 0.91, 0.93, 0.90, 0.89, 0.92, 0.91, 0.90]
    >>> b = [0.85, 0.90, 0.86, 0.86, 0.90, 0.88, 0.84, 0.90, 0.87, 0.88]
    >>> test = corrected_ttest(a, b, ratio=0.25)
    >>> round(test.t, 2), round(test.p_value, 4)
    (3.87, 0.0038)
    """
    from scipy import stats

    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    mean, low, high = corrected_interval(d, ratio=ratio, confidence=confidence)
    n = len(d)
    if n < 2:
        return CorrectedTest(mean, low, high, math.nan, math.nan, n)
    se = standard_error(d, ratio)
    # identical differences on every fold: no spread, so any nonzero mean is decisive
    t = mean / se if se > 0 else (0.0 if mean == 0 else math.copysign(math.inf, mean))
    p = float(2 * stats.t.sf(abs(t), n - 1))
    return CorrectedTest(mean, low, high, float(t), p, n)
