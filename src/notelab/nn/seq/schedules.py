"""Schedules of eps_i, the probability of feeding the true previous token at training step i.

Bengio, Vinyals, Jaitly and Shazeer (2015), "Scheduled Sampling for Sequence Prediction with
Recurrent Neural Networks": eps_i decays over training steps i, from teacher forcing towards
free running:

- linear: ``eps_i = max(floor, k - c * i)`` (capped at 1)
- exponential: ``eps_i = k ** i`` with ``0 < k < 1``
- inverse sigmoid: ``eps_i = k / (k + exp(i / k))`` with ``k >= 1``

plus constant ``eps_i = ratio`` (teacher forcing is ratio 1, free running ratio 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from notelab._util import InputError

SCHEDULES = ("teacher", "free", "constant", "linear", "exponential", "inverse-sigmoid")


def _check(ok: bool, expected: str, got: float, fix: str) -> None:
    if not ok:
        raise InputError(expected, f"{got:g}", fix)


@dataclass(frozen=True)
class Schedule:
    """Base of the schedules: ``eps(i)`` and its curve over steps."""

    def eps(self, step: int) -> float:
        """The probability of feeding the truth at training step ``step`` (from 0)."""
        raise NotImplementedError

    def curve(self, steps: int) -> np.ndarray:
        """``eps(i)`` for ``i`` in ``0 .. steps - 1``."""
        return np.array([self.eps(i) for i in range(steps)], dtype=np.float64)

    @property
    def name(self) -> str:
        """The schedule's name as the command line spells it."""
        return _NAMES[type(self)]


@dataclass(frozen=True)
class Constant(Schedule):
    """``eps_i = ratio`` at every step.

    Examples
    --------
    >>> Constant(0.5).eps(1000)
    0.5
    """

    ratio: float

    def __post_init__(self) -> None:
        _check(0 <= self.ratio <= 1, "a ratio from 0 to 1", self.ratio, "e.g. --ratio 0.5")

    def eps(self, step: int) -> float:
        return float(self.ratio)


@dataclass(frozen=True)
class Linear(Schedule):
    """``eps_i = min(1, max(floor, k - c * i))``.

    Examples
    --------
    >>> Linear(k=1.0, c=0.01, floor=0.2).curve(100)[[0, 50, 99]].round(2).tolist()
    [1.0, 0.5, 0.2]
    """

    k: float = 1.0
    c: float = 0.001
    floor: float = 0.0

    def __post_init__(self) -> None:
        _check(self.k > 0, "k > 0 for the linear schedule", self.k, "e.g. --k 1")
        _check(self.c >= 0, "c >= 0 for the linear schedule", self.c, "e.g. --c 0.001")
        _check(0 <= self.floor <= 1, "a floor from 0 to 1", self.floor, "e.g. --floor 0.1")

    def eps(self, step: int) -> float:
        return min(1.0, max(self.floor, self.k - self.c * step))


@dataclass(frozen=True)
class Exponential(Schedule):
    """``eps_i = k ** i`` with ``0 < k < 1``.

    Examples
    --------
    >>> Exponential(0.99).eps(100) == 0.99**100
    True
    """

    k: float = 0.99

    def __post_init__(self) -> None:
        _check(0 < self.k < 1, "0 < k < 1 for the exponential schedule", self.k, "e.g. --k 0.99")

    def eps(self, step: int) -> float:
        return float(self.k**step)


@dataclass(frozen=True)
class InverseSigmoid(Schedule):
    """``eps_i = k / (k + exp(i / k))`` with ``k >= 1``.

    Examples
    --------
    >>> round(InverseSigmoid(10.0).eps(0), 4)
    0.9091
    """

    k: float = 100.0

    def __post_init__(self) -> None:
        _check(self.k >= 1, "k >= 1 for the inverse-sigmoid schedule", self.k, "e.g. --k 100")

    def eps(self, step: int) -> float:
        exponent = step / self.k
        return 0.0 if exponent > 700 else self.k / (self.k + math.exp(exponent))


_NAMES = {Constant: "constant", Linear: "linear", Exponential: "exponential"}
_NAMES[InverseSigmoid] = "inverse-sigmoid"


def halfway_k(name: str, steps: int) -> float:
    """The ``k`` of the exponential or inverse-sigmoid schedule that puts eps at 0.5 halfway
    through ``steps`` training steps: the default, so every decay crosses 0.5 at the middle.

    Examples
    --------
    >>> round(Exponential(halfway_k("exponential", 200)).eps(100), 6)
    0.5
    >>> round(InverseSigmoid(halfway_k("inverse-sigmoid", 200)).eps(100), 6)
    0.5
    """
    half = max(steps, 2) / 2
    if name == "exponential":
        return float(0.5 ** (1 / half))
    low, high = 1.0, half + 2.0  # solve k * ln(k) = half for k >= 1 by bisection
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if mid * math.log(mid) < half else (low, mid)
    return (low + high) / 2


def make_schedule(
    name: str,
    *,
    steps: int,
    k: float | None = None,
    c: float | None = None,
    floor: float = 0.0,
    ratio: float = 0.5,
) -> Schedule:
    """The schedule ``name`` for a run of ``steps`` optimizer steps.

    Parameters
    ----------
    name : {"teacher", "free", "constant", "linear", "exponential", "inverse-sigmoid"}
        ``teacher`` is constant 1 (always the truth), ``free`` constant 0 (always the model's).
    steps : int
        Training steps of the run; sets the default ``k`` (or ``c``) so eps = 0.5 halfway.
    k, c, floor : float, optional
        The decay's parameters (``c`` and ``floor`` for ``linear`` only).
    ratio : float
        The probability of ``constant``.

    Examples
    --------
    >>> make_schedule("linear", steps=100).eps(50)
    0.5
    >>> make_schedule("exponential", steps=100, k=1.5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    notelab._util.errors.InputError: expected 0 < k < 1 for the exponential schedule, got 1.5; ...
    """
    if name not in SCHEDULES:
        raise InputError(f"a schedule from {', '.join(SCHEDULES)}", repr(name), "e.g. linear")
    decays = ("linear", "exponential", "inverse-sigmoid")
    if k is not None and name not in decays:
        raise InputError("--k only with linear, exponential or inverse-sigmoid", name)
    if c is not None and name != "linear":
        raise InputError("--c only with the linear schedule", name)
    if name in ("teacher", "free"):
        return Constant(1.0 if name == "teacher" else 0.0)
    if name == "constant":
        return Constant(ratio)
    if name == "linear":
        start = 1.0 if k is None else k
        slope = (start - 0.5) / (max(steps, 2) / 2) if c is None else c
        return Linear(k=start, c=slope, floor=floor)
    chosen = halfway_k(name, steps) if k is None else k
    return Exponential(chosen) if name == "exponential" else InverseSigmoid(chosen)
