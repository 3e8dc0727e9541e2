"""Timing for findings as benchmarks time: a warm-up round, interleaved rounds (A B, B A, ...)
through :mod:`notelab._util.rounds`, medians of paired ratios with intervals."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from time import perf_counter
from typing import Any

from notelab._util.estimate import Estimate
from notelab._util.rounds import interleave


def interleaved_rounds(
    functions: Mapping[str, Callable[[], object]],
    rounds: int,
    *,
    clock: Callable[[], float] = perf_counter,
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Seconds of each function in each round, after one warm-up round, and each function's
    last result.

    Examples
    --------
    >>> ticks = iter(range(100))
    >>> times, results = interleaved_rounds({"a": list, "b": dict}, 2, clock=lambda: next(ticks))
    >>> times, results
    ({'a': [1.0, 1.0], 'b': [1.0, 1.0]}, {'a': [], 'b': {}})
    """
    results: dict[str, Any] = {}

    def measure(name: str) -> float:
        start = clock()
        results[name] = functions[name]()
        return clock() - start

    measured = interleave(list(functions), measure, rounds=rounds, warmup_rounds=1)
    return {name: measured.of(name) for name in functions}, results


def ratio_estimate(numerator: list[float], denominator: list[float]) -> Estimate:
    """The median of the per-round ratios ``numerator / denominator``, with its interval."""
    ratios = [a / b for a, b in zip(numerator, denominator, strict=True)]
    return Estimate.median_interval(
        ratios, unit="ratio", method=f"median of {len(ratios)} interleaved rounds"
    )
