"""Does this machine keep its speed? Identical profiling trials back to back, with two probes.

The projection benchmark (``bench_profiler``) compares a short trial with a full epoch run
minutes apart; if the machine itself changes speed in between, no projection can match. This
runs the same trial (cnn, batch 128) ``TRIALS`` times in fresh workers, in interleaved rounds
(``notelab._util.rounds``) with two probes in this process: a 256 x 256 matrix product
(compute) and a fresh 128 MiB array (page faults). It prints each trial's median step time, and
that of its first and last ten steps (a change inside one trial), each round's speed factor,
then the range of each series: if the steps move and the probes do not, the change is in the
machine's memory system or scheduling, not the profiler.
Run: .venv/bin/python -m benchmarks.bench_drift
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch

from benchmarks._timing import bench_device, print_table
from notelab._util.rounds import interleave
from notelab.training.runner import run_in_worker
from notelab.training.trial import TrialSpec

TRIALS = 10


def matmul_probe(repeats: int = 80) -> float:
    """Microseconds per 256 x 256 matrix product (median of five batches)."""
    a = torch.randn(256, 256)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            a @ a
        times.append((time.perf_counter() - start) / repeats)
    return statistics.median(times) * 1e6


def page_fault_probe() -> float:
    """Milliseconds to create a fresh 128 MiB array (median of seven)."""
    times = []
    for _ in range(7):
        start = time.perf_counter()
        array = np.ones(16 * 2**20)
        times.append(time.perf_counter() - start)
        del array
    return statistics.median(times) * 1e3


def spread(values: list[float]) -> float:
    """Largest over smallest, minus one."""
    return max(values) / min(values) - 1


def main() -> None:
    torch.set_num_threads(2)
    spec = TrialSpec(
        128, workload="cnn", device=bench_device(), steps=50, warmup=5, dataset_size=15_000
    )
    inside: list[tuple[float, float]] = []  # each trial's first and last ten steps, ms

    def measure(arm: str) -> float:
        if arm == "matmul us":
            return matmul_probe()
        if arm == "fresh 128 MiB ms":
            return page_fault_probe()
        steps = run_in_worker(spec).step_seconds
        inside.append((statistics.median(steps[:10]) * 1e3, statistics.median(steps[-10:]) * 1e3))
        return statistics.median(steps) * 1e3

    arms = ["matmul us", "fresh 128 MiB ms", "step ms"]
    rounds = interleave(arms, measure, rounds=TRIALS)
    rows = [
        [index, *row, *inside[index], factor]
        for index, (row, factor) in enumerate(
            zip(rounds.values, rounds.round_factors(), strict=True)
        )
    ]
    print_table(
        f"cnn batch 128, {TRIALS} identical trials in interleaved rounds with two probes",
        ["trial", *arms, "first 10 ms", "last 10 ms", "round factor"],
        rows,
    )
    change = max(abs(last / first - 1) for first, last in inside)
    print(
        f"range over rounds: steps {spread(rounds.of('step ms')):.0%}, matmul probe "
        f"{spread(rounds.of('matmul us')):.0%}, page-fault probe "
        f"{spread(rounds.of('fresh 128 MiB ms')):.0%}; the machine's drift (slowest round over "
        f"fastest, all three) {rounds.drift():.0%}; largest change inside one trial (first 10 vs "
        f"last 10 steps): {change:.0%}"
    )


if __name__ == "__main__":
    main()
