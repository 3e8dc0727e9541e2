"""Batch-size profiler: projection accuracy, overhead, and search against Lightning's binsearch.

1. Projected epoch time (50 timed steps) against a measured full epoch, on two workloads and
   three batch sizes (goal: within 10%).
2. Overhead of each sweep: share of wall time outside timed steps; fixed cost per trial.
3. The largest batch under a CPU memory limit: notelab's search against a faithful re-run of
   Lightning's ``binsearch`` mode (its algorithm, on the same trials), in trials and result.
Run: .venv/bin/python -m benchmarks.bench_profiler
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from benchmarks._timing import print_table
from notelab.training.profiler import Profiler
from notelab.training.runner import run_in_worker
from notelab.training.schedule import steps_per_epoch
from notelab.training.sizes import parse_size
from notelab.training.trial import TrialSpec

CASES = {"mlp": (20_000, (16, 64, 256)), "cnn": (3_000, (8, 32, 128))}


def projection(rounds: int = 3) -> None:
    """Each case alternates a profiling trial and a full epoch ``rounds`` times and compares the
    medians: this machine's step times drift by 10% or more between processes and minutes,
    so one reference epoch is no firmer a measurement than one projection."""
    rows = []
    for workload, (samples, sizes) in CASES.items():
        spec = TrialSpec(1, workload=workload, steps=50, warmup=5, dataset_size=samples)
        for batch in sizes:
            steps = steps_per_epoch(samples, batch)
            projected, measured = [], []
            for _ in range(rounds):
                projected.append(Profiler(samples, spec).sweep([batch]).rows[0].epoch_seconds)
                full = run_in_worker(replace(spec, batch_size=batch, steps=steps))
                measured.append(sum(full.step_seconds))
            p, m = float(np.median(projected)), float(np.median(measured))
            rows.append(
                [workload, batch, steps, p, m, (max(measured) - min(measured)) / m, p / m - 1]
            )
        profile = Profiler(samples, spec).sweep(list(sizes))
        print(
            f"{workload}: overhead {profile.overhead_share:.0%} of sweep wall time outside "
            f"timed steps; fixed cost per trial {profile.fixed_cost_seconds:.2f} s (goal < 3 s)"
        )
    print_table(
        f"Projected vs measured full epoch (medians of {rounds} alternating rounds)",
        ["workload", "batch", "steps", "projected s", "measured s", "measured range", "error"],
        rows,
    )
    print(f"worst |error|: {max(abs(r[6]) for r in rows):.1%} (goal <= 10%)")


def lightning_binsearch(fits, init_val: int = 2, max_trials: int = 25, cap: int = 10**9):
    """Lightning's ``_run_binsearch_scaling``, step for step, with ``fits(size)`` as its trial
    (``_try_loop_run``); returns (size, trials)."""
    low, high, count, new_size, trials = 1, None, 0, init_val, 0
    while True:
        trials += 1
        if fits(new_size):
            count += 1
            if count > max_trials:
                break
            low = new_size
            if high:
                if high - low <= 1:
                    break
                new_size = (high + low) // 2
            else:
                doubled = min(new_size * 2, cap)
                if doubled == new_size:
                    break
                new_size = doubled
        else:
            high = new_size
            new_size = (high + low) // 2
            if high - low <= 1:
                break
    return new_size, trials


def search() -> None:
    rows = []
    for workload, limit in (("transformer", "700MiB"), ("cnn", "600MiB")):
        spec = TrialSpec(1, workload=workload, steps=2, warmup=1, memory_limit=parse_size(limit))
        ours = Profiler(100_000, spec, margin=0.0)
        profile = ours.search(4096)
        cache = {}

        def fits(size, spec=spec, cache=cache):
            if size not in cache:
                cache[size] = run_in_worker(replace(spec, batch_size=size)).fits
            return cache[size]

        size, trials = lightning_binsearch(fits, cap=100_000)
        rows.append(
            [
                workload,
                limit,
                profile.largest_fit,
                len(profile.rows),
                profile.predicted_largest,
                size,
                trials,
            ]
        )
    print_table(
        "Largest batch under a CPU memory limit",
        [
            "workload",
            "limit",
            "notelab batch",
            "notelab trials",
            "predicted first",
            "Lightning batch",
            "Lightning trials",
        ],
        rows,
    )


if __name__ == "__main__":
    projection()
    search()
