"""The largest gap between measured proportions and the values a formula predicts."""

from __future__ import annotations

from collections.abc import Sequence

from notelab._util.estimate import Estimate


def largest_gap(measured: Sequence[Estimate], expected: Sequence[float]) -> Estimate:
    """``max |measured - expected|`` over several points, with an interval from theirs.

    The interval runs from the largest distance between an expected value and its measured
    interval (the gap is at least that) to the largest distance from an expected value to
    the far end of its measured interval (the gap is at most that).

    Examples
    --------
    >>> gap = largest_gap([Estimate.proportion(48, 100), Estimate.proportion(9, 10)], [0.5, 0.8])
    >>> round(gap.value, 2), gap.low
    (0.1, 0.0)
    """
    if not measured or len(measured) != len(expected):
        raise ValueError(f"expected matching non-empty lists, got {len(measured)}, {len(expected)}")
    pairs = list(zip(measured, expected, strict=True))
    value = max(abs(m.value - e) for m, e in pairs)
    low = max(max(m.low - e, e - m.high, 0.0) for m, e in pairs)
    high = max(max(abs(m.low - e), abs(m.high - e)) for m, e in pairs)
    count = sum(m.count for m in measured)
    return Estimate(value, low, high, count, f"largest gap over {len(pairs)} points")
