"""PyTorch Lightning's batch-size finder loop (``_run_binsearch_scaling``), step for step: the
reference the search is compared with, by the tests and by ``benchmarks.bench_search_sim``
(``benchmarks.bench_search`` runs Lightning's real tuner and gets the same trial counts)."""

from __future__ import annotations

from collections.abc import Callable

CAP = 8192


def lightning_binsearch(fits: Callable[[int], bool], init_val: int = 2) -> tuple[int, int]:
    """Lightning's binsearch loop (no margin, capped at ``CAP``): (answer, trials)."""
    low, high, size, trials = 1, None, init_val, 0
    while size < CAP:
        trials += 1
        if fits(size):
            low = size
            if high and high - low <= 1:
                break
            size = (high + low) // 2 if high else min(2 * size, CAP)
        else:
            high, size = size, (size + low) // 2
            if high - low <= 1:
                break
    return size, trials
