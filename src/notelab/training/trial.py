"""One profiling trial, run inside its own worker process: train a few steps at one batch size,
time each step, and measure peak memory."""

from __future__ import annotations

import os
import resource
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field

import psutil
import torch
from torch.utils.data import DataLoader, Subset

from notelab.training.workloads import build

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

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON output."""
        return asdict(self)


def _is_oom(error: BaseException) -> bool:
    return isinstance(error, MemoryError | torch.cuda.OutOfMemoryError) or (
        "out of memory" in str(error).lower()
    )


def _watchdog(limit: int, stop: threading.Event) -> None:
    """On the CPU, end the worker as soon as its resident memory passes the limit."""
    process = psutil.Process()
    while not stop.wait(0.005):
        if process.memory_info().rss > limit:
            os._exit(EXCEEDED_EXIT)


def _batches(loader: DataLoader):
    while True:
        yield from loader


def _step(workload, batch, device: torch.device) -> None:
    inputs, target = (t.to(device, non_blocking=True) for t in batch)
    workload.optimizer.zero_grad(set_to_none=True)
    loss = workload.loss_fn(workload.model(inputs), target)
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


def _prepare(spec: TrialSpec, device: torch.device):
    torch.manual_seed(spec.seed)
    # a forked worker may start with torch's thread pool cut to one thread: set it explicitly
    torch.set_num_threads(spec.threads or len(os.sched_getaffinity(0)))
    needed = max(spec.batch_size * (spec.steps + spec.warmup), spec.dataset_size)
    workload = build(spec.workload, spec.model, needed, spec.seed)
    if len(workload.dataset) > needed:
        workload.dataset = Subset(workload.dataset, range(needed))
    workload.model.to(device).train()
    if device.type == "cuda":
        _limit_cuda_memory(spec.memory_limit, device)
    loader = DataLoader(
        workload.dataset,
        batch_size=spec.batch_size,
        shuffle=True,
        drop_last=len(workload.dataset) >= spec.batch_size,
    )
    return workload, _batches(loader)


def run_trial(spec: TrialSpec) -> TrialResult:
    """Run the trial in this process and return what it measured."""
    start = time.perf_counter()
    device = torch.device(spec.device)
    stop = threading.Event()
    if device.type == "cpu" and spec.memory_limit:
        threading.Thread(target=_watchdog, args=(spec.memory_limit, stop), daemon=True).start()
    result = TrialResult(spec.batch_size, fits=True, start_bytes=psutil.Process().memory_info().rss)
    try:
        workload, batches = _prepare(spec, device)
        warm_start, done = time.perf_counter(), 0
        while done < spec.warmup or time.perf_counter() - warm_start < spec.warmup_seconds:
            _step(workload, next(batches), device)
            _synchronise(device)
            done += 1
        result.setup_seconds = time.perf_counter() - start
        timed = 0.0
        while len(result.step_seconds) < spec.steps or timed < spec.timed_seconds:
            begin = time.perf_counter()
            _step(workload, next(batches), device)
            _synchronise(device)
            result.step_seconds.append(time.perf_counter() - begin)
            timed += result.step_seconds[-1]
    except Exception as error:  # a trial's failure is reported, never raised
        result.fits = False
        result.error = (
            "out of memory: " + str(error).splitlines()[0]
            if _is_oom(error)
            else f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=3)}"
        )
    finally:
        stop.set()
    result.peak_bytes, result.peak_reserved_bytes = _peak(device)
    if device.type == "cpu" and spec.memory_limit and result.peak_bytes > spec.memory_limit:
        result.fits = False
        result.error = result.error or "peak memory above the limit"
    result.wall_seconds = time.perf_counter() - start
    return result


def child_main(spec: TrialSpec, connection) -> None:
    """Worker entry point: run the trial and send the result back."""
    try:
        connection.send(run_trial(spec))
    finally:
        connection.close()
