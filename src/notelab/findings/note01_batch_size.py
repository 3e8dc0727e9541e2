"""Finding 1: batch size against time per epoch and memory, measured on a small transformer.

Time is measured as benchmarks measure it: every batch size trains the same model in one
worker process, in interleaved rounds (1, 2, ..., 64, then 64, ..., 1, ...), and sizes are
compared within a round, where the machine's speed of the moment cancels; the medians over the
rounds carry 95% intervals, and the machine's own drift between rounds is reported beside them.
Steps run on one CPU thread and are timed in the worker's CPU time: on a quiet machine that is
the wall time, and on a busy one it leaves out the time the worker waited for a core, so other
processes do not decide the verdicts. Memory is the peak of a fresh worker per size, in rounds
as well.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from notelab._util.estimate import Estimate
from notelab._util.rounds import Rounds, interleave
from notelab.findings.model import Claim, Figure, Finding, Table
from notelab.findings.registry import note_title
from notelab.findings.stats import at_least, between
from notelab.training.profiler import (
    MemoryModel,
    Profile,
    TrialRow,
    find_knee,
    fit_memory_model,
)
from notelab.training.schedule import steps_per_epoch
from notelab.training.sizes import format_hms
from notelab.training.trial import TrialResult, TrialSpec

TITLE = note_title(1)  # the registry is the titles' one home

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

SAMPLES = 89_000
NOTE_RATIO = 84 / 105  # the note: 1 h 45 min at batch 1, 1 h 24 min at batch 2
THREADS = 1

# Claim 1, epoch time at batch 2 over batch 1: faster, and clearly not twice as fast...
NOT_HALF = between(0.53, 0.95)
# ...or only in part: faster, but (nearly) halved, or barely faster
FASTER = between(0.4, 1.0)
# Claim 2, the fall of the epoch over the second half of the sizes against the first half, on a
# log scale: 1 for a curve that keeps falling at one rate, 0 once it is flat (below 0: it rises)
FLATTENS = between(-1.0, 0.6)
KEEPS_FALLING = between(-1.0, 1.6)  # it falls, without flattening in the sizes tried
# Claim 3, R² of peak memory against batch size on a straight line
LINEAR = at_least(0.95)
ROUGHLY_LINEAR = at_least(0.8)


@dataclass(frozen=True)
class Plan:
    """How much a scale measures."""

    sizes: tuple[int, ...]
    rounds: int  # timing rounds of every size
    memory_rounds: int
    arm_seconds: float  # steps per size and round: at least this much CPU time (and one step)


PLANS = {
    "quick": Plan((1, 2, 4, 8, 16, 32, 64), 16, 2, 0.05),
    "full": Plan((1, 2, 4, 8, 16, 32, 64, 128, 256), 16, 3, 0.2),
}


def measure(scale: str = "quick", seed: int = 0) -> dict[str, Any]:
    """Step times (CPU seconds) in interleaved rounds in one worker, and peak memory in a fresh
    worker per size and round; plain data."""
    from notelab.training.runner import run_in_worker, time_rounds_in_worker

    plan = PLANS[scale]
    spec = TrialSpec(
        1, workload="transformer", threads=THREADS, warmup=1, warmup_seconds=0.0,
        steps=1, timed_seconds=0.0, dataset_size=8192, seed=seed,
    )  # fmt: skip

    def peak(size: int) -> float:
        result = run_in_worker(replace(spec, batch_size=size))
        if not result.fits:
            raise RuntimeError(f"the batch-{size} trial failed: {result.error}")
        return float(result.peak_bytes)

    memory = interleave(plan.sizes, peak, rounds=plan.memory_rounds)
    curve = time_rounds_in_worker(
        spec, plan.sizes, rounds=plan.rounds, arm_seconds=plan.arm_seconds, clock=time.process_time
    )
    return {"sizes": plan.sizes, "curve": curve, "memory": memory}


def _epoch_ratio(rounds: Rounds[int], size: int, reference: int) -> list[float]:
    """Epoch time at ``size`` over ``reference``, within each round."""
    scale = steps_per_epoch(SAMPLES, size) / steps_per_epoch(SAMPLES, reference)
    return rounds.ratios(size, reference, scale)


def _rows(data: dict[str, Any]) -> list[TrialRow]:
    """The profiler's rows: each size's per-round step times and its median peak."""
    curve, memory = data["curve"], data["memory"]
    return [
        TrialRow.of(
            TrialResult(b, True, curve.of(b), int(memory.median(b)), int(memory.median(b))),
            samples=SAMPLES,
            epochs=1,
        )
        for b in data["sizes"]
    ]


def one_to_two(data: dict[str, Any]) -> Claim:
    """Batch 1 to 2: faster, not twice as fast."""
    curve: Rounds[int] = data["curve"]
    ratio = Estimate.median_interval(
        _epoch_ratio(curve, 2, 1),
        unit="ratio",
        method=f"median of {curve.count} interleaved rounds",
    )
    step = curve.median(2) / curve.median(1)
    return Claim.judged(
        "Going from batch size 1 to 2 makes an epoch faster, but not twice as fast "
        "(the note: 1 h 45 min to 1 h 24 min).",
        ratio,
        holds=NOT_HALF,
        partly=FASTER,
        evidence=f"An epoch at batch 2 takes {ratio.text()} of the time at batch 1 on this CPU "
        f"({THREADS} thread, CPU time); the note measured {NOTE_RATIO:.2f} on its GPU. A step "
        f"at batch 2 takes {step:.2f}x as long as at batch 1 ({curve.median(1) * 1e3:.1f} to "
        f"{curve.median(2) * 1e3:.1f} ms; 2x would save nothing, 1x would halve the epoch).",
    )


def later_fall(curve: Rounds[int]) -> list[float]:
    """How much the epoch falls over the second half of the sizes (the middle size to the
    largest) against the first half (1 to the middle), both on a log scale: one value per
    round, from that round's steps. 1 for a curve that keeps falling at one rate, near 0 once
    it flattens, below 0 when it rises again."""
    first, middle, last = curve.arms[0], curve.arms[len(curve.arms) // 2], curve.arms[-1]
    steps = {b: steps_per_epoch(SAMPLES, b) for b in (first, middle, last)}
    values = []
    for e1, em, el in zip(curve.of(first), curve.of(middle), curve.of(last), strict=True):
        e1, em, el = e1 * steps[first], em * steps[middle], el * steps[last]
        values.append(math.log(em / el) / math.log(e1 / em) if e1 != em else math.nan)
    return [v for v in values if not math.isnan(v)]


def falls_then_flattens(data: dict[str, Any]) -> Claim:
    """Epoch time keeps falling, then flattens."""
    curve: Rounds[int] = data["curve"]
    sizes = data["sizes"]
    middle = sizes[len(sizes) // 2]
    later = Estimate.median_interval(
        later_fall(curve), unit="ratio", method=f"median of {curve.count} interleaved rounds"
    )
    _, reason = find_knee(_rows(data))
    first, last = sizes[0], sizes[-1]
    epoch = {b: steps_per_epoch(SAMPLES, b) * curve.median(b) for b in (first, middle, last)}
    return Claim.judged(
        "Time per epoch keeps falling as the batch grows, then flattens once the "
        "device is saturated.",
        later,
        holds=FLATTENS,
        partly=KEEPS_FALLING,
        evidence=f"An epoch is {epoch[first] / epoch[middle]:.3g}x faster at batch {middle} than "
        f"at batch {first}, and {epoch[middle] / epoch[last]:.3g}x faster again at batch "
        f"{last}: on a log scale the second fall is {later.text()} of the first, where a "
        f"curve falling at one rate would give 1. Knee: {reason}. The machine's speed (CPU time "
        f"per step) varied by {curve.drift():.0%} between rounds; sizes are compared within a "
        f"round.",
    )


def _r_squared(memory: Rounds[int]) -> list[float]:
    """R² of the straight line through each round's peaks."""
    sizes = np.array(memory.arms, dtype=float)
    return [
        float(np.corrcoef(sizes, np.array(row))[0, 1] ** 2) if np.ptp(row) else 1.0
        for row in memory.values
    ]


def _memory_model(data: dict[str, Any]) -> MemoryModel:
    model = fit_memory_model(_rows(data))
    if model is None:
        raise RuntimeError("peak memory was measured at fewer than two batch sizes")
    return model


def linear_memory(data: dict[str, Any]) -> Claim:
    """Memory: fixed plus linear in the batch."""
    memory: Rounds[int] = data["memory"]
    r2 = Estimate.median_interval(
        _r_squared(memory), unit="R²", method=f"median of {memory.count} rounds"
    )
    model = _memory_model(data)
    return Claim.judged(
        "Memory is a fixed part (weights, gradients, optimizer state) plus a part that "
        "grows about linearly with batch size (activations).",
        r2,
        holds=LINEAR,
        partly=ROUGHLY_LINEAR,
        evidence=f"Peak memory = {model.fixed_bytes / 2**20:.0f} MiB + "
        f"{model.per_sample_bytes / 2**20:.2f} MiB x batch; R² of that line {r2.text(4)}, a "
        f"fresh worker per size and round (on the CPU the fixed part includes the Python "
        f"process).",
    )


COLUMNS = {
    "batch": "batch size",
    "steps": "steps per epoch",
    "step_ms": "step time, CPU (ms)",
    "interval_ms": "step time, 95% interval (ms)",
    "epoch": "epoch (h:mm:ss)",
    "throughput": "samples per second",
    "peak_mib": "peak memory (MiB)",
}


def _table(data: dict[str, Any]) -> Table:
    curve, memory = data["curve"], data["memory"]

    def record(b: int) -> dict[str, Any]:
        step = Estimate.median_interval(curve.of(b))
        return {
            "batch": b,
            "steps": steps_per_epoch(SAMPLES, b),
            "step_ms": step.value * 1e3,
            "interval_ms": f"{step.low * 1e3:.3g} to {step.high * 1e3:.3g}",
            "epoch": format_hms(steps_per_epoch(SAMPLES, b) * step.value),
            "throughput": b / step.value,
            "peak_mib": memory.median(b) / 2**20,
        }

    return Table.from_records(
        f"The note's table, measured here: {SAMPLES:,} examples per epoch, medians of "
        f"{curve.count} interleaved rounds",
        [record(b) for b in data["sizes"]],
        COLUMNS,
    )


def _profile(rows: list[TrialRow]) -> Profile:
    knee, reason = find_knee(rows)
    return Profile(
        samples=SAMPLES,
        epochs=1,
        device="cpu",
        memory_limit=None,
        rows=rows,
        memory_model=fit_memory_model(rows),
        knee=knee,
        knee_reason=reason,
    )


def _epochs(curve: Rounds[int], size: int) -> Estimate:
    """Epoch seconds at ``size``: the median over rounds with its interval."""
    steps = steps_per_epoch(SAMPLES, size)
    return Estimate.median_interval([steps * t for t in curve.of(size)])


def time_figure(data: dict[str, Any], knee: int | None) -> MplFigure:
    """Time per epoch against batch size, with the 95% interval of each median as a band."""
    from notelab.findings._plot import band, new_axes

    sizes, curve = list(data["sizes"]), data["curve"]
    epochs = [_epochs(curve, b) for b in sizes]
    figure, axes = new_axes()
    band(
        axes,
        sizes,
        [e.low / 60 for e in epochs],
        [e.high / 60 for e in epochs],
        label="95% interval",
    )
    axes.plot(sizes, [e.value / 60 for e in epochs], "o-", label="median of the rounds")
    if knee:
        axes.axvline(knee, ls=":", color="grey", label=f"knee (batch {knee})")
    axes.set(xscale="log", yscale="log", xlabel="batch size", ylabel="time per epoch (min)")
    axes.legend()
    return figure


def memory_figure(data: dict[str, Any], model: MemoryModel) -> MplFigure:
    """Peak memory against batch size, with the fitted line."""
    from notelab.findings._plot import new_axes

    sizes, memory = list(data["sizes"]), data["memory"]
    figure, axes = new_axes()
    axes.plot(sizes, [memory.median(b) / 2**20 for b in sizes], "o", label="measured peak")
    axes.plot(
        sizes,
        [model.predict(b) / 2**20 for b in sizes],
        "-",
        label=f"{model.fixed_bytes / 2**20:.0f} MiB + {model.per_sample_bytes / 2**20:.2f} MiB "
        f"x batch",
    )
    axes.set(xlabel="batch size", ylabel="peak memory (MiB)")
    axes.legend()
    return figure


def _figures(data: dict[str, Any], knee: int | None) -> list[Figure]:
    return [
        Figure(
            "note01-time",
            f"Time per epoch of {SAMPLES:,} examples against batch size (one CPU thread), "
            f"the median of {data['curve'].count} interleaved rounds with its 95% interval.",
            time_figure(data, knee),
        ),
        Figure(
            "note01-memory",
            "Peak memory of a fresh worker against batch size, with the fitted line.",
            memory_figure(data, _memory_model(data)),
        ),
    ]


def run(scale: str = "quick", seed: int = 0) -> Finding:
    """Time and memory of the transformer workload across batch sizes; note 1's claims."""
    data = measure(scale, seed)
    profile = _profile(_rows(data))
    rounds = data["curve"].count
    return Finding(
        note=1,
        title=TITLE,
        claims=[one_to_two(data), falls_then_flattens(data), linear_memory(data)],
        workload=f"a small transformer encoder (2 layers, width 128, 64 tokens) trained at "
        f"batch sizes {data['sizes'][0]} to {data['sizes'][-1]}; epochs of {SAMPLES:,} examples "
        f"projected from {rounds} interleaved rounds of steps",
        device=f"this machine's CPU, {THREADS} thread, steps timed in CPU time",
        tables=[_table(data)],
        figures=_figures(data, profile.knee),
        data={
            **profile.as_dict(),
            "threads": THREADS,
            "clock": "process CPU time",
            "rounds": {k: data[k].as_dict() for k in ("curve", "memory")},
        },
    )
