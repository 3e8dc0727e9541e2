"""A measured value with its uncertainty: the one shape every tool and finding reports in.

An :class:`Estimate` is a value, its 95% interval, how many measurements it rests on and how
they were made. Tools return it (a mean over seeds, a median over timing rounds) and findings
grade it (:func:`notelab.findings.stats.grade`).

Examples
--------
>>> Estimate.mean_interval([0.61, 0.58, 0.55, 0.60, 0.57], unit="ratio").text()
'0.582 (95% interval 0.552 to 0.612, mean of 5)'
>>> Estimate.proportion(9, 10).text(2)
'0.90 (95% interval 0.60 to 0.98, 9 of 10)'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from notelab._util.numbers import sig

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A measured value with its 95% interval, the number of measurements and the method.

    Parameters
    ----------
    value : float
        The point estimate (a mean, median, ratio, proportion, count...).
    low, high : float
        The 95% interval; equal to ``value`` for an exact (deterministic) measurement.
    count : int
        How many measurements the estimate rests on.
    method : str
        How it was measured, in words (``"median of 5 interleaved rounds"``).
    unit : str
        The unit of ``value`` for display (``"s"``, ``"ratio"``, ``""``).
    """

    value: float
    low: float
    high: float
    count: int
    method: str = ""
    unit: str = ""

    def __post_init__(self) -> None:
        if not self.low <= self.value <= self.high and not math.isnan(self.value):
            raise ValueError(
                f"expected low <= value <= high, got {self.low}, {self.value}, {self.high}"
            )

    @classmethod
    def exact(
        cls, value: float, *, method: str = "exact", count: int = 1, unit: str = ""
    ) -> Estimate:
        """A deterministic measurement: the interval is the value itself."""
        return cls(float(value), float(value), float(value), count, method, unit)

    @classmethod
    def mean_interval(
        cls,
        samples: Sequence[float] | np.ndarray,
        *,
        unit: str = "",
        method: str = "",
        correction: float = 0.0,
        confidence: float = CONFIDENCE,
    ) -> Estimate:
        """The mean of ``samples`` with Student's t interval (95% unless ``confidence``).

        ``correction`` widens it for samples that are not independent: the variance of the mean
        becomes ``(1/n + correction) s^2`` instead of ``s^2 / n`` (Nadeau and Bengio's
        correction for cross-validation folds, with ``correction = n_test / n_train``).

        Examples
        --------
        >>> Estimate.mean_interval([0.8, 0.9, 0.85, 0.95, 0.9], correction=0.25).text()
        '0.880 (95% interval 0.774 to 0.986, mean of 5)'
        """
        x = np.asarray(samples, dtype=np.float64)
        n = len(x)
        if n == 0:
            raise ValueError("expected at least one sample, got none")
        mean = float(x.mean())
        if n == 1:
            return cls(mean, mean, mean, 1, method or "one measurement", unit)
        from scipy import stats

        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * standard_error(x, correction)
        return cls(mean, mean - half, mean + half, n, method or f"mean of {n}", unit)

    @classmethod
    def median_interval(
        cls, samples: Sequence[float], *, unit: str = "", method: str = ""
    ) -> Estimate:
        """The median of ``samples`` with a distribution-free interval from order statistics.

        The interval is the widest pair of order statistics whose binomial coverage reaches
        95%; with fewer than 6 samples that is the sample's range.
        """
        x = np.sort(np.asarray(samples, dtype=np.float64))
        n = len(x)
        if n == 0:
            raise ValueError("expected at least one sample, got none")
        from scipy import stats

        k = int(stats.binom.ppf((1 - CONFIDENCE) / 2, n, 0.5))
        lo, hi = (x[k - 1], x[n - k]) if k >= 1 else (x[0], x[-1])
        return cls(float(np.median(x)), float(lo), float(hi), n, method or f"median of {n}", unit)

    @classmethod
    def proportion(cls, successes: int, trials: int, *, method: str = "") -> Estimate:
        """A proportion with Wilson's score interval."""
        if trials <= 0:
            raise ValueError(f"expected at least one trial, got {trials}")
        z = 1.959963984540054
        p = successes / trials
        centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
        half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials**2)) / (1 + z * z / trials)
        return cls(
            p,
            max(0.0, min(p, centre - half)),
            min(1.0, max(p, centre + half)),
            trials,
            method or f"{successes} of {trials}",
            "proportion",
        )

    @classmethod
    def bootstrap(
        cls,
        samples: Sequence[float],
        statistic: Any = np.median,
        *,
        resamples: int = 2000,
        seed: int = 0,
        unit: str = "",
        method: str = "",
    ) -> Estimate:
        """``statistic(samples)`` with a percentile bootstrap interval (seeded, so repeatable)."""
        x = np.asarray(samples, dtype=np.float64)
        if len(x) == 0:
            raise ValueError("expected at least one sample, got none")
        rng = np.random.default_rng(seed)
        draws = x[rng.integers(0, len(x), size=(resamples, len(x)))]
        values = np.apply_along_axis(statistic, 1, draws)
        alpha = (1 - CONFIDENCE) / 2
        lo, hi = np.quantile(values, [alpha, 1 - alpha])
        value = float(statistic(x))
        return cls(
            value,
            float(min(lo, value)),
            float(max(hi, value)),
            len(x),
            method or f"bootstrap of {len(x)}",
            unit,
        )

    def clipped(self, low: float, high: float) -> Estimate:
        """The interval cut to ``[low, high]`` (a share's interval to ``[0, 1]``); value kept.

        Examples
        --------
        >>> Estimate(0.95, 0.85, 1.05, 3, "mean of 3").clipped(0.0, 1.0).high
        1.0
        """
        return replace(self, low=max(low, self.low), high=min(high, self.high))

    def text(self, digits: int = 3) -> str:
        """``"0.58 (95% interval 0.52 to 0.63, median of 5 rounds)"``; exact values alone."""
        if self.low == self.high:
            return sig(self.value, digits)
        return (
            f"{sig(self.value, digits)} (95% interval {sig(self.low, digits)} to "
            f"{sig(self.high, digits)}, {self.method})"
        )

    def brief(self, digits: int = 3) -> str:
        """``"0.971 ±0.019"``: the value and half its interval's width, for table cells.

        Examples
        --------
        >>> Estimate(0.971, 0.952, 0.990, 3).brief(), Estimate.exact(2.5).brief()
        ('0.971 ±0.019', '2.50')
        """
        if self.low == self.high:
            return sig(self.value, digits)
        return f"{sig(self.value, digits)} ±{sig((self.high - self.low) / 2, 2)}"

    def as_dict(self) -> dict[str, Any]:
        """Plain values for ``results.json``."""
        return asdict(self)


def standard_error(samples: np.ndarray, correction: float = 0.0) -> float:
    """Standard error of the mean of ``samples``: ``s / sqrt(n)``, or with a ``correction``
    for samples that are not independent, ``sqrt((1/n + correction) s^2)`` (Nadeau and Bengio).

    Examples
    --------
    >>> round(standard_error(np.array([1.0, 2.0, 3.0])), 4)
    0.5774
    """
    n = len(samples)
    if correction:
        return math.sqrt((1 / n + correction) * float(samples.var(ddof=1)))
    return float(samples.std(ddof=1)) / math.sqrt(n)


def error_bars(estimates: Sequence[Estimate]) -> tuple[list[float], list[list[float]]]:
    """Values and their (below, above) distances to the interval ends, as ``errorbar`` takes them.

    Examples
    --------
    >>> error_bars([Estimate(1.0, 0.5, 2.0, 3), Estimate.exact(4.0)])
    ([1.0, 4.0], [[0.5, 0.0], [1.0, 0.0]])
    """
    values = [e.value for e in estimates]
    below = [e.value - e.low for e in estimates]
    return values, [below, [e.high - e.value for e in estimates]]
