"""Batch-size profiler: projection accuracy and overhead.

1. Projected epoch time (50 timed steps) against a measured full epoch, on three workloads and
   three batch sizes each (goal: within 10%), in interleaved rounds; the machine's drift between
   rounds (slowest round over fastest, both arms) beside each.
2. Overhead of each sweep: share of wall time outside timed steps; fixed cost per trial.
(The search for the largest batch, against Lightning's finder: ``bench_search``.)
Run: .venv/bin/python -m benchmarks.bench_profiler   (NOTELAB_BENCH_DEVICE=cuda on a GPU)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from benchmarks._timing import bench_device, print_table
from notelab._util.rounds import Rounds, interleave
from notelab.training.profiler import Profiler
from notelab.training.runner import run_in_worker
from notelab.training.schedule import steps_per_epoch
from notelab.training.trial import TrialSpec

CASES = {  # datasets sized so that every reference epoch lasts a few seconds at least
    "mlp": (100_000, (16, 64, 256)),
    "cnn": (15_000, (8, 32, 128)),
    "transformer": (3_000, (4, 16, 64)),
}


def epoch_to_epoch(measured: list[float]) -> float:
    """How far one measured epoch lies from the median of the others (median over epochs): the
    error a projection would have if it were itself another full epoch."""
    return float(
        np.median(
            [
                abs(m / np.median(measured[:i] + measured[i + 1 :]) - 1)
                for i, m in enumerate(measured)
            ]
        )
    )


def projected_and_measured(spec: TrialSpec, samples: int, batch: int, rounds: int) -> Rounds:
    """Epoch seconds as the profiler projects them and as a full epoch measures them, in
    interleaved rounds."""

    def measure(arm: str) -> float:
        if arm == "projected":
            return Profiler(samples, spec).sweep([batch]).rows[0].epoch_seconds
        steps = steps_per_epoch(samples, batch)
        full = replace(spec, batch_size=batch, steps=steps, timed_seconds=0.0)
        return sum(run_in_worker(full).step_seconds)

    return interleave(["projected", "measured"], measure, rounds=rounds)


def projection(rounds: int = 5) -> None:
    """Each case alternates a profiling trial and a full epoch in ``rounds`` interleaved rounds
    (``notelab._util.rounds``). On this VM a process's step time varies by about 10%
    (coefficient of variation, identical trials) and drifts over minutes, so one reference
    epoch is no firmer a measurement than one projection: the error is the median over rounds
    of projected / measured, each pair taken in one round."""
    rows = []
    for workload, (samples, sizes) in CASES.items():
        spec = TrialSpec(
            1, workload=workload, device=bench_device(), steps=50, warmup=5, dataset_size=samples
        )
        for batch in sizes:
            steps = steps_per_epoch(samples, batch)
            timing = projected_and_measured(spec, samples, batch, rounds)
            measured = timing.of("measured")
            typical = float(np.median(measured))
            rows.append(
                [
                    workload,
                    batch,
                    steps,
                    timing.median("projected"),
                    typical,
                    (max(measured) - min(measured)) / typical,
                    epoch_to_epoch(measured),
                    float(np.median(timing.ratios("projected", "measured"))) - 1,
                    timing.drift(),
                ]
            )
            print(*rows[-1], flush=True)
        profile = Profiler(samples, spec).sweep(list(sizes))
        print(
            f"{workload}: overhead {profile.overhead_share:.0%} of sweep wall time outside "
            f"timed steps; fixed cost per trial {profile.fixed_cost_seconds:.2f} s (goal < 3 s)"
        )
    print_table(
        f"Projected vs measured full epoch ({rounds} alternating rounds; error: median ratio)",
        [
            "workload",
            "batch",
            "steps",
            "projected s",
            "measured s",
            "measured range",
            "epoch vs epoch",
            "error",
            "machine drift",
        ],
        rows,
    )
    within = {w for w in CASES if all(abs(r[7]) <= 0.1 for r in rows if r[0] == w)}
    print(
        f"worst |error|: {max(abs(r[7]) for r in rows):.1%}; workloads with all three sizes "
        f"within 10%: {', '.join(sorted(within)) or 'none'} (goal: two); |error| no larger than "
        f"one full epoch's own deviation from the others: "
        f"{sum(abs(r[7]) <= r[6] for r in rows)}/{len(rows)}"
    )


if __name__ == "__main__":
    projection()
