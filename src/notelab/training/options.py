"""What a batch-size profile is asked to do: the one home of every default, checked in one
place, and the one call that runs it (``notelab batch-size`` is this call and a renderer).

Importing this module imports no torch: the command's ``--help`` works without it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from notelab._util import InputError
from notelab._util.device import DEVICES, resolve_device

if TYPE_CHECKING:
    from notelab.training.profiler import Profile, TrialRow
    from notelab.training.trial import TrialSpec

BUILT_IN = ("mlp", "cnn", "transformer")
FACTORY_CHECK_SAMPLES = 64  # the user's factory is built once with this many, before any trial


@dataclass(frozen=True)
class ProfileOptions:
    """Everything a batch-size profile is asked to do.

    Parameters
    ----------
    workload : str, optional
        A built-in workload (``mlp``, ``cnn``, ``transformer``; default ``transformer``).
    model : str, optional
        The user's ``package.module:factory`` instead of a built-in workload.
    samples : int
        Examples per epoch, for the projection.
    sizes : tuple of int, optional
        Batch sizes to sweep; ``None`` searches for the largest that fits.
    max_batch : int
        The largest batch the search tries.
    epochs : int
        Epochs to project the time for.
    device : str
        ``auto`` (CUDA when PyTorch sees a GPU), ``cpu`` or ``cuda``.
    memory_limit : int, optional
        Bytes: real on CUDA; on the CPU, the trial's peak resident memory.
    margin : float
        Safety margin under the limit, in [0, 1).
    steps, warmup : int
        Timed and untimed steps per trial (at least).
    min_time : float
        Seconds of timed steps per trial, at least.

    Examples
    --------
    >>> ProfileOptions(sizes=(1, 2, 4), steps=5).check().steps
    5
    """

    workload: str | None = None
    model: str | None = None
    samples: int = 89_000
    sizes: tuple[int, ...] | None = None
    max_batch: int = 1024
    epochs: int = 1
    device: str = "auto"
    memory_limit: int | None = None
    margin: float = 0.05
    steps: int = 20
    min_time: float = 0.5
    warmup: int = 3

    def check(self) -> ProfileOptions:
        """Raise :class:`InputError` on the first option out of range; return ``self``."""
        if self.workload and self.model:
            raise InputError("one of --workload or --model", "both", "pass only one")
        for name in ("steps", "max_batch", "samples", "epochs"):
            if getattr(self, name) < 1:
                raise InputError(f"{_flag(name)} >= 1", str(getattr(self, name)))
        if not self.min_time >= 0:
            raise InputError(
                "--min-time >= 0 (seconds)", str(self.min_time), "pass 0 to time --steps only"
            )
        if self.warmup < 0:
            raise InputError("--warmup >= 0 (untimed steps)", str(self.warmup), "pass 0 for none")
        if not 0 <= self.margin < 1:
            raise InputError("--margin in [0, 1)", str(self.margin), "e.g. --margin 0.05 for 5%")
        if self.workload is not None and self.workload not in BUILT_IN:
            raise InputError(f"a workload from {', '.join(BUILT_IN)}", repr(self.workload))
        if self.device not in DEVICES:
            raise InputError(f"a device from {', '.join(DEVICES)}", repr(self.device))
        return self


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


DEFAULTS = ProfileOptions()


def parse_sizes(text: str) -> tuple[int, ...] | None:
    """``"1,2,4,8"`` as sorted distinct sizes; ``"auto"`` as ``None`` (search).

    Examples
    --------
    >>> parse_sizes("8, 2,2,1"), parse_sizes("auto")
    ((1, 2, 8), None)
    """
    if text == "auto":
        return None
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        sizes = []
    if not sizes or any(s < 1 for s in sizes):
        raise InputError(
            "--sizes as positive integers (1,2,4,8) or 'auto'",
            repr(text),
            "e.g. --sizes 1,2,4,8,16",
        )
    return tuple(sorted(set(sizes)))


Progress = Callable[[int, "TrialRow"], None]


def profile_batch_sizes(
    options: ProfileOptions,
    *,
    progress: Callable[[int | None], AbstractContextManager[Progress]] | None = None,
) -> Profile:
    """Sweep ``options.sizes`` (or search for the largest batch that fits), each trial in its
    own worker process; Ctrl-C ends it with what was measured (``Profile.interrupted``).

    The options are checked, torch is loaded and the user's factory is built once here, before
    any trial, so that a mistake is one clear error rather than a failed trial.

    Parameters
    ----------
    options : ProfileOptions
        What to measure.
    progress : callable, optional
        ``progress(total)`` (the number of trials, ``None`` for a search) returns a context
        manager, entered once the trials start, that yields a callback told
        ``(batch_size, row)`` after each trial (a progress bar, say).

    Raises
    ------
    InputError
        An option out of range, no GPU for ``cuda``, a factory that cannot be imported or built.
    ModelError
        The model raised in a trial (not out of memory).
    """
    from notelab.training.profiler import Profiler
    from notelab.training.workloads import from_factory

    options.check()
    if options.model:
        from_factory(options.model, samples=min(options.samples, FACTORY_CHECK_SAMPLES))
    total = len(options.sizes) if options.sizes else None
    with progress(total) if progress else contextlib.nullcontext(None) as tick:
        profiler = Profiler(
            options.samples,
            _spec(options),
            epochs=options.epochs,
            margin=options.margin,
            progress=tick,
            keep_on_interrupt=True,
        )
        if options.sizes:
            return profiler.sweep(options.sizes)
        return profiler.search(options.max_batch)


def _spec(options: ProfileOptions) -> TrialSpec:
    from notelab.training.trial import TrialSpec

    return TrialSpec(
        1,
        workload=options.workload,
        model=options.model,
        device=resolve_device(options.device),
        steps=options.steps,
        timed_seconds=options.min_time,
        warmup=options.warmup,
        memory_limit=options.memory_limit,
    )
