"""MinHash signature throughput, shingles per second at 128 permutations: notelab vs rensa vs
datasketch on the same real texts (rensa's and datasketch's shingles made in Python, as their
users must). Run: .venv/bin/python benchmarks/bench_minhash.py
"""

from __future__ import annotations

import numpy as np

from benchmarks._corpus import real_texts
from benchmarks._timing import best_of, print_table
from notelab.similarity import MinHasher, shingles

NUM_PERM, NGRAM = 128, 5


def python_shingles(texts: list[str]) -> list[list[str]]:
    """Shingle strings as a rensa or datasketch user makes them (same definition as ours)."""
    return [[" ".join(s) for s in shingles(t, NGRAM)] for t in texts]


def run_notelab(texts):
    return MinHasher(num_perm=NUM_PERM, ngram=NGRAM).signatures(texts)


def run_rensa(texts):
    from rensa import RMinHash

    sets = python_shingles(texts)
    return RMinHash.digest_matrix_from_token_sets(sets, NUM_PERM, 1)


def run_datasketch(texts):
    from datasketch import MinHash

    out = []
    for tokens in python_shingles(texts):
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch([s.encode() for s in tokens])
        out.append(m.digest())
    return out


def main() -> None:
    texts = real_texts(3000)
    total = sum(len(s) for s in python_shingles(texts))
    run_notelab(texts[:10])  # compile
    rows = []
    timings = {}
    for name, function, sample in (
        ("notelab", run_notelab, texts),
        ("rensa", run_rensa, texts),
        ("datasketch", run_datasketch, texts[:600]),
    ):
        count = total if sample is texts else sum(len(s) for s in python_shingles(sample))
        seconds, _ = best_of(lambda f=function, s=sample: f(s), 3 if name != "datasketch" else 1)
        timings[name] = count / seconds
        rows.append([name, len(sample), count, seconds, count / seconds])
    for row in rows:
        row.append(timings["notelab"] / timings[row[0]])
    print_table(
        f"MinHash signatures, {NUM_PERM} permutations, word {NGRAM}-grams, real text",
        ["library", "docs", "shingles", "seconds", "shingles/s", "notelab speed-up"],
        rows,
    )
    print(f"\nnotelab / rensa: {timings['notelab'] / timings['rensa']:.2f}x (goal >= 2)")
    print(f"notelab / datasketch: {timings['notelab'] / timings['datasketch']:.1f}x (goal >= 20)")
    print(
        f"(threads: numba uses {__import__('numba').get_num_threads()} cores; "
        f"numpy {np.__version__})"
    )


if __name__ == "__main__":
    main()
