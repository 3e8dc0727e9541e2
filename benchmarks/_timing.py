"""Timing and memory helpers shared by the benchmarks."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from typing import Any


def best_of(function: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A plain-text table on stdout."""
    print(f"\n## {title}")
    widths = [max(len(str(c)), *(len(_fmt(r[i])) for r in rows)) for i, c in enumerate(columns)]
    print("  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(_fmt(v).ljust(w) for v, w in zip(row, widths, strict=True)))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def bench_device() -> str:
    """The device the training benchmarks use: ``NOTELAB_BENCH_DEVICE`` (default ``cpu``)."""
    return os.environ.get("NOTELAB_BENCH_DEVICE", "cpu")
