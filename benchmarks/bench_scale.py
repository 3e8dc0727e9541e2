"""Scale: N documents of ~1 KB (default 1,000,000) end to end on this machine, with documents
per second and peak RSS. Run: .venv/bin/python -m benchmarks.bench_scale [N]
"""

from __future__ import annotations

import sys
import time

from benchmarks._corpus import synthetic_documents
from benchmarks._timing import peak_rss_mib, print_table
from notelab.similarity import Deduplicator


def main(n: int) -> None:
    start = time.perf_counter()
    texts = synthetic_documents(n, size=1000)
    made = time.perf_counter() - start
    megabytes = sum(map(len, texts)) / 1e6
    rss_before = peak_rss_mib()
    Deduplicator().run(texts[:100])  # compile
    start = time.perf_counter()
    result = Deduplicator(threshold=0.8).run(texts)
    seconds = time.perf_counter() - start
    stats = result.stats
    rows = [[phase, s] for phase, s in stats.seconds.items()]
    rows.append(["total", seconds])
    print_table(
        f"{n:,} documents, {megabytes:,.0f} MB of text (made in {made:.0f} s)",
        ["phase", "seconds"],
        rows,
    )
    print(f"\ndocuments/s: {n / seconds:,.0f}; MB/s: {megabytes / seconds:,.1f}")
    print(
        f"similar pairs {stats.similar_pairs:,}, removed {stats.removed:,}, "
        f"candidates {stats.candidate_pairs:,}, bands x rows {stats.bands} x {stats.rows}"
    )
    print(f"peak RSS: {peak_rss_mib():,.0f} MiB (after making the corpus: {rss_before:,.0f} MiB)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
