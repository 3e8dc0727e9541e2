"""The largest-batch search on simulated memory curves: notelab against Lightning's
``binsearch`` loop, over many limits, without a worker in sight (seconds).

The curves go through peaks measured here (``bench_search``'s workers, MiB at each batch size):
the transformer's is nearly linear, the cnn's concave. With no noise they behave as CUDA's
allocator peaks do (deterministic, monotone); Gaussian noise per size mimics the CPU's RSS.
Lightning's loop is ``_run_binsearch_scaling`` step for step (init 2, no margin;
``tests/training/lightning_loop.py``, which the tests use too); on the real tuner it gives the
same trial counts (``bench_search`` runs the real one).
Run: .venv/bin/python -m benchmarks.bench_search_sim
"""

from __future__ import annotations

import numpy as np
from tests.training.lightning_loop import CAP, lightning_binsearch

from benchmarks._timing import print_table
from notelab.training.profiler import Profiler
from notelab.training.trial import TrialResult, TrialSpec

MiB = 2**20
CURVES = {
    "transformer": {1: 292, 2: 294.5, 4: 299.7, 8: 313.5, 16: 339.6, 32: 381.7, 64: 473.7,
                    128: 657.7, 256: 961.8, 512: 1700, 1024: 3200, 8192: 24000},
    "cnn": {1: 350.4, 2: 359.8, 4: 361, 8: 362.8, 16: 366, 32: 372, 64: 385, 128: 413.9,
            256: 456, 512: 536.6, 1024: 657, 2048: 900, 8192: 2400},
}  # fmt: skip


def curve(points: dict[int, float], noise_mib: float, seed: int):
    """Peak bytes at batch B: the measured points joined by straight lines, plus noise."""
    xs = np.array(sorted(points), dtype=float)
    ys = np.array([points[int(x)] for x in xs])
    rng, cache = np.random.default_rng(seed), {}

    def peak(size: int) -> int:
        if size not in cache:
            cache[size] = int((np.interp(size, xs, ys) + rng.normal(0, noise_mib)) * MiB)
        return cache[size]

    return peak


def ours(peak, limit: int) -> tuple[int, int]:
    """notelab's search on the curve (no re-check: a noise-free curve cannot change)."""

    def run(spec: TrialSpec) -> TrialResult:
        value = peak(spec.batch_size)
        fits = value <= spec.memory_limit
        return TrialResult(spec.batch_size, fits, [0.01] if fits else [], value, value)

    spec = TrialSpec(1, memory_limit=limit)
    profile = Profiler(10**6, spec, margin=0.0, runner=run, recheck=False).search(CAP)
    return profile.largest_fit or 0, profile.trials


def main() -> None:
    rows = []
    for name, points in CURVES.items():
        # up to 1300 MiB: the answers stay under 4096, where Lightning's loop would stop at its
        # cap (8192) and report it untried
        limits = np.linspace(min(points.values()) + 30, 1300, 40)
        for noise in (0.0, 1.0, 3.0, 10.0, 30.0):
            cases = []
            for limit in limits:
                for seed in range(3):
                    peak = curve(points, noise, seed)
                    byte_limit = int(limit * MiB)
                    mine = ours(peak, byte_limit)
                    theirs = lightning_binsearch(lambda b, p=peak, m=byte_limit: p(b) <= m)
                    cases.append((*mine, *theirs))
            a = np.array(cases, dtype=float)
            rows.append(
                [
                    name,
                    noise,
                    len(a),
                    a[:, 1].mean(),
                    a[:, 3].mean(),
                    f"{int((a[:, 1] <= a[:, 3]).sum())}/{len(a)}",
                    f"{int((a[:, 0] == a[:, 2]).sum())}/{len(a)}",
                    f"{int((a[:, 0] >= a[:, 2]).sum())}/{len(a)}",
                ]
            )
    print_table(
        "Largest batch on simulated curves, 40 limits x 3 seeds each",
        [
            "curve",
            "noise MiB",
            "cases",
            "mean trials notelab",
            "mean trials Lightning",
            "notelab fewer or equal",
            "same batch",
            "notelab batch >=",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
