"""One profiling trial, run inside its own worker process: train a few steps at one batch size,
time each step, and measure peak memory; or time several batch sizes of one model in
interleaved rounds."""

from __future__ import annotations

import os
import resource
import statistics
import sysconfig
import threading
import time
import traceback
from collections.abc import Iterator, Sequence, Sized
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import psutil
import torch
from torch.utils.data import DataLoader, Dataset, Subset

import notelab
from notelab._util.rounds import Clock, Rounds, interleave, repeat
from notelab.training.workloads import Workload, build

EXCEEDED_EXIT = 86  # the worker's exit code when the CPU memory watchdog stops it


@dataclass(frozen=True)
class TrialSpec:
    """What a trial runs."""

    batch_size: int
    workload: str | None = "transformer"
    model: str | None = None
    device: str = "cpu"
    steps: int = 20
    warmup: int = 3
    warmup_seconds: float = 0.5  # and at least this long: caches and allocators settle
    timed_seconds: float = 0.5  # time at least this long: a hiccup is a small part of the mean
    memory_limit: int | None = None
    dataset_size: int = 0  # examples the trial's data loader draws from (at least what it uses)
    threads: int | None = None
    seed: int = 0


@dataclass
class TrialResult:
    """What a trial measured; ``fits`` is False when it ran out of memory or hit the limit."""

    batch_size: int
    fits: bool
    step_seconds: list[float] = field(default_factory=list)
    peak_bytes: int = 0
    peak_reserved_bytes: int = 0
    start_bytes: int = 0
    setup_seconds: float = 0.0
    wall_seconds: float = 0.0
    error: str | None = None
    exception: str | None = None  # the user's code raised (not out of memory): "Type: message"
    where: str | None = None  # the user's file:line it raised at
    traceback: str | None = None  # the whole traceback, for --debug

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON output."""
        return asdict(self)


class ModelError(RuntimeError):
    """The user's model (or factory, loss or optimizer) raised in a trial: not an out-of-memory
    error, so the batch size says nothing about fitting; the profile stops.

    The worker's whole traceback is the ``__cause__`` (printed by ``--debug``).
    """

    def __init__(self, result: TrialResult) -> None:
        self.result = result
        super().__init__(
            f"the model raised {result.exception} at {result.where} (batch "
            f"{result.batch_size}); run with --debug for the whole traceback"
        )

    @classmethod
    def of(cls, result: TrialResult) -> ModelError:
        """The error of ``result``, caused by the worker's traceback as text."""
        error = cls(result)
        error.__cause__ = WorkerTraceback(result.traceback or "")
        return error


class WorkerTraceback(Exception):
    """A traceback from a worker process, as text (printed as the cause of a ModelError)."""

    def __str__(self) -> str:
        return "\n" + str(self.args[0]) if self.args else ""


_OOM_TEXT = ("out of memory", "can't allocate memory", "cannot allocate memory")


def _is_oom(error: BaseException) -> bool:
    text = str(error).lower()
    return isinstance(error, MemoryError | torch.cuda.OutOfMemoryError) or any(
        t in text for t in _OOM_TEXT
    )


def _library_dirs() -> tuple[Path, ...]:
    """Where Python's, the installed packages' and notelab's own code live."""
    paths = sysconfig.get_paths()
    dirs = {paths["stdlib"], paths["purelib"], paths["platlib"], str(Path(notelab.__path__[0]))}
    return tuple(Path(d).resolve() for d in dirs)


def _under(path: Path, bases: tuple[Path, ...]) -> bool:
    return any(path.is_relative_to(base) for base in bases)


def _place(frame: traceback.FrameSummary, bases: tuple[Path, ...]) -> str:
    """``file:line in function``, the file relative to its library or the working directory."""
    path = Path(frame.filename).resolve()
    for base in (*bases, Path.cwd()):
        if path.is_relative_to(base):
            path = path.relative_to(base)
            break
    return f"{path}:{frame.lineno} in {frame.name}"


def user_frame(error: BaseException, owner: str | None = None) -> str:
    """``file:line in function`` of the innermost frame of the user's code in ``error``'s
    traceback (not Python's, an installed package's or notelab's own). When there is none (a
    model built from torch's layers alone), the innermost frame, and ``owner`` (the factory
    that built the model) after it.

    Examples
    --------
    >>> try:
    ...     int("x")
    ... except ValueError as error:
    ...     print(user_frame(error))
    <doctest notelab.training.trial.user_frame[0]>:2 in <module>
    """
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "an unknown place"
    bases = _library_dirs()
    ours = [f for f in frames if not _under(Path(f.filename).resolve(), bases)]
    if ours:
        return _place(ours[-1], bases)
    return _place(frames[-1], bases) + (f", inside the model of {owner}" if owner else "")


def _record_failure(result: TrialResult, error: Exception, owner: str | None) -> None:
    """Out of memory: the size does not fit. Anything else: the user's code raised."""
    result.fits = False
    if _is_oom(error):
        result.error = "out of memory: " + str(error).splitlines()[0]
        return
    first = (str(error).splitlines() or [""])[0]
    result.exception = f"{type(error).__name__}: {first}".rstrip(": ")
    result.where = user_frame(error, owner)
    result.traceback = traceback.format_exc()
    result.error = f"{result.exception} (at {result.where})"


def _watchdog(limit: int, stop: threading.Event) -> None:
    """On the CPU, end the worker as soon as its resident memory passes the limit."""
    process = psutil.Process()
    while not stop.wait(0.005):
        if process.memory_info().rss > limit:
            os._exit(EXCEEDED_EXIT)


def _batches(dataset: Dataset[Any], batch_size: int) -> Iterator[Any]:
    """Batches of ``batch_size`` drawn from ``dataset`` without end (a new shuffle per pass)."""
    loader = DataLoader(
        dataset, batch_size=batch_size, shuffle=True, drop_last=_length(dataset) >= batch_size
    )
    while True:
        yield from loader


def _length(dataset: Dataset[Any]) -> int:
    return len(cast(Sized, dataset))


def _step(workload: Workload, batch: Any, device: torch.device) -> None:
    inputs, target = (t.to(device, non_blocking=True) for t in batch)
    workload.optimizer.zero_grad(set_to_none=True)
    loss: Any = workload.loss_fn(workload.model(inputs), target)
    loss.backward()
    workload.optimizer.step()


def _synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _peak(device: torch.device) -> tuple[int, int]:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device), torch.cuda.max_memory_reserved(device)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return rss, rss


def _limit_cuda_memory(limit: int | None, device: torch.device) -> None:
    """Make ``limit`` bytes real on a CUDA device (allocations past it raise out-of-memory)
    and start this trial's peak statistics from zero."""
    total = torch.cuda.get_device_properties(device).total_memory
    torch.cuda.set_per_process_memory_fraction(min(1.0, limit / total) if limit else 1.0, device)
    torch.cuda.reset_peak_memory_stats(device)


def _prepare(spec: TrialSpec, device: torch.device, largest: int) -> Workload:
    """The workload on ``device``, with data for ``largest``-sized batches."""
    torch.manual_seed(spec.seed)
    # a forked worker may start with torch's thread pool cut to one thread: set it explicitly
    torch.set_num_threads(spec.threads or len(os.sched_getaffinity(0)))
    needed = max(largest * (spec.steps + spec.warmup), spec.dataset_size)
    workload = build(spec.workload, spec.model, needed, spec.seed)
    if _length(workload.dataset) > needed:
        workload.dataset = Subset(workload.dataset, range(needed))
    workload.model.to(device).train()
    if device.type == "cuda":
        _limit_cuda_memory(spec.memory_limit, device)
    return workload


def _train(
    spec: TrialSpec, device: torch.device, result: TrialResult, start: float, clock: Clock
) -> None:
    """Warm up, then time steps into ``result``: at least ``warmup`` steps and
    ``warmup_seconds`` untimed, then at least ``steps`` steps and ``timed_seconds`` timed."""
    workload = _prepare(spec, device, spec.batch_size)
    batches = _batches(workload.dataset, spec.batch_size)

    def step() -> None:
        _step(workload, next(batches), device)
        _synchronise(device)

    repeat(step, min_repeats=spec.warmup, min_seconds=spec.warmup_seconds, clock=clock)
    result.setup_seconds = clock() - start
    result.step_seconds = repeat(
        step, min_repeats=spec.steps, min_seconds=spec.timed_seconds, clock=clock
    )


def run_trial(spec: TrialSpec, *, clock: Clock = time.perf_counter) -> TrialResult:
    """Run the trial in this process and return what it measured (``clock``: the time source,
    injectable for tests)."""
    start = clock()
    device = torch.device(spec.device)
    stop = threading.Event()
    if device.type == "cpu" and spec.memory_limit:
        threading.Thread(target=_watchdog, args=(spec.memory_limit, stop), daemon=True).start()
    result = TrialResult(spec.batch_size, fits=True, start_bytes=psutil.Process().memory_info().rss)
    try:
        _train(spec, device, result, start, clock)
    except Exception as error:  # a trial's failure is reported, never raised
        _record_failure(result, error, spec.model)
    finally:
        stop.set()
    result.peak_bytes, result.peak_reserved_bytes = _peak(device)
    if device.type == "cpu" and spec.memory_limit and result.peak_bytes > spec.memory_limit:
        result.fits = False
        result.error = result.error or "peak memory above the limit"
    result.wall_seconds = clock() - start
    return result


def time_rounds(
    spec: TrialSpec,
    sizes: Sequence[int],
    *,
    rounds: int,
    arm_seconds: float = 0.0,
    arm_steps: int = 1,
    fastest: bool = False,
    clock: Clock = time.perf_counter,
) -> Rounds[int]:
    """Time training steps of every batch size in ``sizes`` on one model, in this process, in
    interleaved rounds, after one warm-up round. In each round each size runs at least
    ``arm_steps`` steps and ``arm_seconds`` of steps; its value for the round is their median,
    or with ``fastest`` the fastest of them (the step least disturbed by other processes on a
    busy machine). Steps are timed as :func:`run_trial` times them (drawing the batch,
    forward, backward, optimizer step), by ``clock``: wall time by default;
    ``time.process_time`` counts only this process's CPU time, which other processes on a busy
    machine do not inflate (on the CPU, with one thread, it is the wall time of a quiet
    machine).

    Returns
    -------
    Rounds
        Seconds per step, ``rounds`` rounds by ``sizes``.
    """
    device = torch.device(spec.device)
    workload = _prepare(spec, device, max(sizes))
    batches = {size: _batches(workload.dataset, size) for size in sizes}
    summary = min if fastest else statistics.median

    def step(size: int) -> None:
        _step(workload, next(batches[size]), device)
        _synchronise(device)

    def measure(size: int) -> float:
        times = repeat(
            lambda: step(size), min_repeats=arm_steps, min_seconds=arm_seconds, clock=clock
        )
        return float(summary(times))

    return interleave(sizes, measure, rounds=rounds, warmup_rounds=1)
