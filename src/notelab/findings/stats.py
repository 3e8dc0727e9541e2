"""Measurements with their uncertainty, and the one function that turns them into verdicts.

Every claim of every finding is judged the same way: a measured :class:`Estimate` (a value, a
95% interval, how many measurements, how they were made) is compared with named regions of
values (:func:`at_least`, :func:`at_most`, :func:`between`) by :func:`grade`. A finding never
writes its own if/else ladder.

Examples
--------
>>> est = Estimate.mean_interval([0.61, 0.58, 0.55, 0.60, 0.57], unit="ratio")
>>> grade(est, holds=between(0.5, 1.0)).value
'holds'
>>> grade(Estimate.exact(3, method="count"), holds=at_least(4), partly=at_least(1)).value
'partly'
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from notelab.findings.numbers import sig

CONFIDENCE = 0.95


class Verdict(str, enum.Enum):
    """How a claim fares against the measurement.

    ``unclear`` means the measurement's interval straddles a threshold after the finding spent
    its measurement budget: it is shown and counted, never a way out.
    """

    HOLDS = "holds"
    PARTLY = "partly"
    FAILS = "fails"
    UNCLEAR = "unclear"


@dataclass(frozen=True)
class Region:
    """A closed range of values ``[low, high]``; either end may be infinite.

    Examples
    --------
    >>> at_least(0.9).contains(0.95, 0.99)
    True
    >>> at_most(1.0).excludes(1.2, 1.5)
    True
    """

    low: float = -math.inf
    high: float = math.inf

    def contains(self, low: float, high: float) -> bool:
        """Whether the whole interval ``[low, high]`` lies inside."""
        return self.low <= low and high <= self.high

    def excludes(self, low: float, high: float) -> bool:
        """Whether the whole interval ``[low, high]`` lies outside."""
        return high < self.low or low > self.high

    def describe(self) -> str:
        """``">= 0.9"``, ``"<= 1"`` or ``"0.5 to 1"``."""
        if math.isinf(self.low) and math.isinf(self.high):
            return "any value"
        if math.isinf(self.high):
            return f">= {self.low:g}"
        if math.isinf(self.low):
            return f"<= {self.high:g}"
        return f"{self.low:g} to {self.high:g}"


def at_least(value: float) -> Region:
    """Values ``>= value``."""
    return Region(low=float(value))


def at_most(value: float) -> Region:
    """Values ``<= value``."""
    return Region(high=float(value))


def between(low: float, high: float) -> Region:
    """Values in ``[low, high]``."""
    if low > high:
        raise ValueError(f"expected low <= high, got {low} > {high}")
    return Region(float(low), float(high))


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
    method: str
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
        cls, samples: Sequence[float], *, unit: str = "", method: str = ""
    ) -> Estimate:
        """The mean of ``samples`` with Student's t interval."""
        x = np.asarray(samples, dtype=np.float64)
        n = len(x)
        if n == 0:
            raise ValueError("expected at least one sample, got none")
        mean = float(x.mean())
        if n == 1:
            return cls(mean, mean, mean, 1, method or "one measurement", unit)
        from scipy import stats

        half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
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

    def text(self, digits: int = 3) -> str:
        """``"0.58 (95% interval 0.52 to 0.63, median of 5 rounds)"``; exact values alone."""
        if self.low == self.high:
            return sig(self.value, digits)
        return (
            f"{sig(self.value, digits)} (95% interval {sig(self.low, digits)} to "
            f"{sig(self.high, digits)}, {self.method})"
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain values for ``results.json``."""
        return asdict(self)


def grade(estimate: Estimate, *, holds: Region, partly: Region | None = None) -> Verdict:
    """The verdict of ``estimate`` against the named regions; the one grading function.

    The claim *holds* when the whole interval lies in ``holds``; *partly* when it lies in
    ``partly`` and outside ``holds``; *fails* when it lies outside both; otherwise the interval
    straddles a threshold and the verdict is *unclear*.

    Parameters
    ----------
    estimate : Estimate
        The measurement with its interval.
    holds : Region
        Values for which the claim holds.
    partly : Region, optional
        A wider region (containing ``holds``) for which the claim holds in part.

    Examples
    --------
    >>> grade(Estimate(0.7, 0.6, 0.8, 5, "mean of 5"), holds=at_least(0.9)).value
    'fails'
    >>> grade(Estimate(0.9, 0.8, 1.0, 5, "mean of 5"), holds=at_least(0.9)).value
    'unclear'
    """
    lo, hi = estimate.low, estimate.high
    if math.isnan(estimate.value):
        return Verdict.UNCLEAR
    if holds.contains(lo, hi):
        return Verdict.HOLDS
    outer = partly if partly is not None else holds
    if partly is not None and partly.contains(lo, hi) and holds.excludes(lo, hi):
        return Verdict.PARTLY
    if outer.excludes(lo, hi):
        return Verdict.FAILS
    return Verdict.UNCLEAR
