"""Scale: N documents of ~1 KB (default 1,000,000) end to end on this machine, with documents
per second, each phase's wall and CPU seconds, and peak RSS.
Run: .venv/bin/python -m benchmarks.bench_scale [N]

On a shared machine the wall time depends on the load (printed); the CPU seconds much less:
CPU seconds / cores is what the run would take with every core to itself and kept busy.
"""

from __future__ import annotations

import os
import sys
import time

from benchmarks._corpus import synthetic_documents
from benchmarks._timing import peak_rss_mib, print_table
from notelab.similarity import Deduplicator, PhaseTimer


class _CpuPerPhase:
    """A progress hook noting the process's CPU time as each phase starts."""

    def __init__(self) -> None:
        self.starts: list[tuple[str, float]] = []

    def __call__(self, phase: str) -> None:
        self.starts.append((phase, time.process_time()))

    def seconds(self, end: float) -> dict[str, float]:
        ends = [t for _, t in self.starts[1:]] + [end]
        return {name: e - t for (name, t), e in zip(self.starts, ends, strict=True)}


def main(n: int) -> None:
    start = time.perf_counter()
    texts = synthetic_documents(n, size=1000)
    made = time.perf_counter() - start
    megabytes = sum(map(len, texts)) / 1e6
    rss_before = peak_rss_mib()
    Deduplicator().run(texts[:100])  # compile
    load, cpu = os.getloadavg()[0], _CpuPerPhase()
    dedup, timer = Deduplicator(threshold=0.8), PhaseTimer(progress=cpu)
    start, start_cpu = time.perf_counter(), time.process_time()
    result = dedup.finish(dedup.hasher.sketch(texts, timer), timer)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    stats, cores = result.stats, os.cpu_count() or 1
    cpu_phases = cpu.seconds(start_cpu + cpu_seconds)
    rows = [[phase, s, cpu_phases.get(phase, 0.0)] for phase, s in stats.seconds.items()]
    rows.append(["total", seconds, cpu_seconds])
    print_table(
        f"{n:,} documents, {megabytes:,.0f} MB of text (made in {made:.0f} s); "
        f"load average {load:.1f} on {cores} cores",
        ["phase", "wall seconds", "CPU seconds"],
        rows,
    )
    print(
        f"\ndocuments/s: {n / seconds:,.0f} (wall); {n * cores / cpu_seconds:,.0f} with the "
        f"{cores} cores to itself (documents per CPU-second x cores); MB/s: "
        f"{megabytes / seconds:,.1f}"
    )
    print(
        f"similar pairs {stats.similar_pairs:,}, removed {stats.removed:,}, "
        f"candidates {stats.candidate_pairs:,}, bands x rows {stats.bands} x {stats.rows}"
    )
    print(f"peak RSS: {peak_rss_mib():,.0f} MiB (after making the corpus: {rss_before:,.0f} MiB)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
