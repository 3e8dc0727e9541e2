"""Timing for findings as benchmarks time: warm-up, interleaved rounds, medians with intervals."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from time import perf_counter
from typing import Any

from notelab.findings.stats import Estimate


def interleaved_rounds(
    functions: Mapping[str, Callable[[], object]],
    rounds: int,
    *,
    clock: Callable[[], float] = perf_counter,
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Seconds of each function in each round, run in turn (A B A B ...) after one warm-up each,
    and each function's last result.

    Interleaving spreads the machine's drift over every function alike.

    Examples
    --------
    >>> ticks = iter(range(100))
    >>> times, results = interleaved_rounds({"a": list, "b": dict}, 2, clock=lambda: next(ticks))
    >>> times, results
    ({'a': [1, 1], 'b': [1, 1]}, {'a': [], 'b': {}})
    """
    results = {name: function() for name, function in functions.items()}
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(rounds):
        for name, function in functions.items():
            start = clock()
            results[name] = function()
            times[name].append(clock() - start)
    return times, results


def ratio_estimate(numerator: list[float], denominator: list[float]) -> Estimate:
    """The median of the per-round ratios ``numerator / denominator``, with its interval."""
    ratios = [a / b for a, b in zip(numerator, denominator, strict=True)]
    return Estimate.median_interval(
        ratios, unit="ratio", method=f"median of {len(ratios)} interleaved rounds"
    )
