"""Interleaved rounds: how a timing is measured on a machine whose speed drifts.

Each round measures every arm once (A B C, then C B A, ...), so that a change in the machine's
speed falls on all arms alike. Comparisons are made within a round (paired ratios) and then
summarised over rounds; the machine's own drift is estimated from the same run, as the speed of
each round relative to the whole run. The tools, the findings and the benchmarks all time
this way (one place, importable by every package).

Examples
--------
>>> speed = iter([1.0, 1.0, 2.0, 2.0, 1.5, 1.5])  # the machine slows down in round 2
>>> cost = {"a": 1.0, "b": 0.5}
>>> rounds = interleave(["a", "b"], lambda arm: cost[arm] * next(speed), rounds=3)
>>> rounds.ratios("b", "a")
[0.5, 0.5, 0.5]
>>> [round(f, 3) for f in rounds.round_factors()]
[0.667, 1.333, 1.0]
>>> round(rounds.drift(), 2)
1.0
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
Clock = Callable[[], float]


@dataclass(frozen=True)
class Rounds(Generic[K]):
    """Measurements of several arms in interleaved rounds.

    Attributes
    ----------
    arms : tuple
        The arms, in the order of the first round.
    values : tuple of tuples
        ``values[r][i]``: arm ``i`` measured in round ``r`` (a time, or any measurement where
        larger means slower).
    """

    arms: tuple[K, ...]
    values: tuple[tuple[float, ...], ...]

    @property
    def count(self) -> int:
        """The number of rounds."""
        return len(self.values)

    def of(self, arm: K) -> list[float]:
        """The measurements of ``arm``, one per round."""
        index = self.arms.index(arm)
        return [row[index] for row in self.values]

    def median(self, arm: K) -> float:
        """The median of ``arm`` over the rounds."""
        return statistics.median(self.of(arm))

    def ratios(self, arm: K, reference: K, scale: float = 1.0) -> list[float]:
        """``scale * arm / reference`` within each round: a paired comparison, in which the
        machine's speed during the round cancels."""
        return [scale * a / b for a, b in zip(self.of(arm), self.of(reference), strict=True)]

    def round_factors(self) -> list[float]:
        """Each round's speed relative to the run: the median over arms of the round's
        measurement divided by the arm's median; 1.0 is a typical round, 2.0 a round in which
        everything took twice as long."""
        medians = [self.median(arm) for arm in self.arms]
        return [
            statistics.median(v / m for v, m in zip(row, medians, strict=True) if m > 0)
            for row in self.values
        ]

    def drift(self) -> float:
        """How much the machine's speed changed over the run: the slowest round's factor over
        the fastest's, minus one (0 on a steady machine)."""
        factors = self.round_factors()
        return max(factors) / min(factors) - 1 if min(factors) > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON output: each arm's measurements and the round factors."""
        return {
            "arms": [str(arm) for arm in self.arms],
            "values": {str(arm): self.of(arm) for arm in self.arms},
            "round_factors": [round(f, 4) for f in self.round_factors()],
            "drift": self.drift(),
        }


def interleave(
    arms: Sequence[K],
    measure: Callable[[K], float],
    *,
    rounds: int,
    warmup_rounds: int = 0,
    alternate: bool = True,
) -> Rounds[K]:
    """Measure every arm once per round, for ``rounds`` rounds.

    Parameters
    ----------
    arms : sequence
        What to compare (batch sizes, implementations, ...), each a hashable key.
    measure : callable
        ``measure(arm) -> float``: one measurement of one arm (see :func:`timed`).
    rounds : int
        Rounds recorded.
    warmup_rounds : int
        Rounds run first and thrown away (caches, allocators and frequency settle).
    alternate : bool
        Reverse the order every other round (A B C, C B A): a steady drift then weighs on every
        arm alike.

    Returns
    -------
    Rounds
    """
    arms = tuple(arms)
    if not arms:
        raise ValueError("expected at least one arm, got none")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"expected rounds as a positive integer, got {rounds!r}")
    for _ in range(warmup_rounds):
        for arm in arms:
            measure(arm)
    values = []
    for index in range(rounds):
        order = arms[::-1] if alternate and index % 2 else arms
        measured = {arm: float(measure(arm)) for arm in order}
        values.append(tuple(measured[arm] for arm in arms))
    return Rounds(arms, tuple(values))


def repeat(
    action: Callable[[], object],
    *,
    min_repeats: int = 1,
    min_seconds: float = 0.0,
    clock: Clock = time.perf_counter,
) -> list[float]:
    """Call ``action`` at least ``min_repeats`` times and until the calls add up to
    ``min_seconds``; the time of each call.

    Examples
    --------
    >>> ticks = iter(range(0, 100, 5))  # an injected clock: every call takes 5 units
    >>> repeat(lambda: None, min_repeats=2, min_seconds=12, clock=lambda: next(ticks))
    [5, 5, 5]
    """
    times: list[float] = []
    while len(times) < min_repeats or sum(times) < min_seconds:
        start = clock()
        action()
        times.append(clock() - start)
    return times


def timed(
    action: Callable[[], object],
    *,
    min_seconds: float = 0.0,
    min_repeats: int = 1,
    clock: Clock = time.perf_counter,
) -> float:
    """The median time of one call of ``action``, called as :func:`repeat` calls it (fast
    actions are repeated, slow ones run once).

    Examples
    --------
    >>> ticks = iter([0, 1, 1, 4, 4, 6])  # calls of 1, 3 and 2 units
    >>> timed(lambda: None, min_seconds=5, clock=lambda: next(ticks))
    2
    """
    return statistics.median(
        repeat(action, min_repeats=min_repeats, min_seconds=min_seconds, clock=clock)
    )
