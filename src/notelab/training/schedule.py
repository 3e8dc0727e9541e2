"""Epoch, batch and step arithmetic (note 6), with drop_last and gradient accumulation.

Integer arithmetic throughout (no float division), so every count is exact at any size, also
above 2**53 where floats skip integers.
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass

from notelab._util import InputError

# What happens to the last, partial accumulation window of an epoch:
#   "flush": the optimizer steps on it at the end of the epoch (Lightning, HF Trainer);
#   "drop":  its gradients are discarded when the next epoch zeroes them;
#   "carry": accumulation runs on across epochs; a step every K batches overall.
ACCUMULATION_MODES = ("flush", "drop", "carry")


@dataclass(frozen=True)
class Schedule:
    """The counts of one training run."""

    samples: int
    batch_size: int
    epochs: int
    drop_last: bool
    accumulate: int
    accumulation_mode: str
    batches_per_epoch: int
    last_batch_size: int
    samples_per_epoch: int
    steps_per_epoch: int | float  # exact int; a float mean only when epochs differ ("carry")
    total_batches: int
    total_steps: int
    samples_seen: int

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON output."""
        return asdict(self)


def positive_int(name: str, value: object) -> int:
    """Check that ``value`` is a positive integer (not a bool, not a float); return it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InputError(f"{name} as a positive integer", repr(value), f"pass {name} >= 1")
    return int(value)


def _ceil_div(a: int, b: int) -> int:
    """``ceil(a / b)`` for integers, exactly."""
    return -(-a // b)


def steps_per_epoch(samples: int, batch_size: int, drop_last: bool = False) -> int:
    """Batches in one epoch: ceil(N / B), or floor(N / B) with ``drop_last``.

    Examples
    --------
    >>> steps_per_epoch(1000, 100), steps_per_epoch(1000, 300), steps_per_epoch(1000, 300, True)
    (10, 4, 3)
    """
    samples = positive_int("samples", samples)
    batch_size = positive_int("batch_size", batch_size)
    return samples // batch_size if drop_last else _ceil_div(samples, batch_size)


def last_batch_size(samples: int, batch_size: int, drop_last: bool = False) -> int:
    """Size of the epoch's last batch (0 when ``drop_last`` leaves no batch)."""
    remainder = samples % batch_size
    if remainder == 0 or drop_last:
        return batch_size if samples >= batch_size else 0
    return remainder


def optimizer_steps(batches_per_epoch: int, epochs: int, accumulate: int, mode: str) -> int:
    """Optimizer updates over ``epochs`` epochs of ``batches_per_epoch`` with accumulation K."""
    if mode not in ACCUMULATION_MODES:
        raise InputError(f"accumulation mode from {', '.join(ACCUMULATION_MODES)}", repr(mode))
    if mode == "carry":
        return (batches_per_epoch * epochs) // accumulate
    if mode == "flush":
        return _ceil_div(batches_per_epoch, accumulate) * epochs
    return batches_per_epoch // accumulate * epochs


def _per_epoch(total: int, epochs: int) -> int | float:
    """``total / epochs``: an exact int when every epoch has as many, else the mean."""
    return total // epochs if total % epochs == 0 else total / epochs


def schedule(
    samples: int,
    batch_size: int,
    *,
    epochs: int = 1,
    drop_last: bool = False,
    accumulate: int = 1,
    accumulation_mode: str = "flush",
) -> Schedule:
    """Every count of a run of ``epochs`` epochs over ``samples`` examples.

    Examples
    --------
    >>> s = schedule(1000, 100, epochs=5)
    >>> s.batches_per_epoch, s.total_steps, s.samples_seen
    (10, 50, 5000)
    >>> schedule(1000, 300, accumulate=3).total_steps  # 4 batches: a step after 3, one flushed
    2
    """
    samples = positive_int("samples", samples)
    batch_size = positive_int("batch_size", batch_size)
    epochs = positive_int("epochs", epochs)
    accumulate = positive_int("accumulate", accumulate)
    batches = steps_per_epoch(samples, batch_size, drop_last)
    last = last_batch_size(samples, batch_size, drop_last)
    per_epoch_samples = samples - (samples % batch_size if drop_last else 0)
    total_steps = optimizer_steps(batches, epochs, accumulate, accumulation_mode)
    return Schedule(
        samples=samples,
        batch_size=batch_size,
        epochs=epochs,
        drop_last=drop_last,
        accumulate=accumulate,
        accumulation_mode=accumulation_mode,
        batches_per_epoch=batches,
        last_batch_size=last,
        samples_per_epoch=per_epoch_samples,
        steps_per_epoch=_per_epoch(total_steps, epochs),
        total_batches=batches * epochs,
        total_steps=total_steps,
        samples_seen=per_epoch_samples * epochs,
    )
