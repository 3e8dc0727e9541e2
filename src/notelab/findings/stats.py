"""The one function that turns measurements into verdicts, and the regions it judges against.

Every claim of every finding is judged the same way: a measured
:class:`~notelab._util.estimate.Estimate` (a value, a 95% interval, how many measurements, how
they were made; defined in ``notelab._util.estimate`` so tools report in it too, and re-exported
here) is compared with named regions of values (:func:`at_least`, :func:`at_most`,
:func:`between`) by :func:`grade`. A finding never writes its own if/else ladder.

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
from dataclasses import dataclass

from notelab._util.estimate import CONFIDENCE, Estimate

__all__ = [
    "CONFIDENCE",
    "Estimate",
    "Region",
    "Verdict",
    "at_least",
    "at_most",
    "between",
    "grade",
]


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
