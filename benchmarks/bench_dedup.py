"""End to end (text in, verified clusters out): notelab vs the same pipeline on rensa and on
datasketch, with recall and precision against brute-force exact Jaccard.
Run: .venv/bin/python -m benchmarks.bench_dedup
"""

from __future__ import annotations

import time

from scipy.sparse.csgraph import connected_components

from benchmarks._corpus import real_texts, with_edited_copies
from benchmarks._reference import all_pairs_above
from benchmarks._timing import print_table
from notelab.similarity import DEFAULT_WEIGHTS, Deduplicator, shingles
from notelab.similarity.lsh import error_areas

NUM_PERM = 128


def _verify_and_cluster(n, candidates, sets, threshold):
    pairs = []
    for a, b in candidates:
        x, y = sets[a], sets[b]
        if x and y and len(x & y) / len(x | y) >= threshold:
            pairs.append((a, b))
    from scipy.sparse import coo_matrix

    if pairs:
        rows, cols = zip(*pairs, strict=True)
        graph = coo_matrix(([1] * len(pairs), (rows, cols)), shape=(n, n))
        connected_components(graph, directed=False)
    return set(pairs), len(candidates)


def _divisor_bands(threshold):
    """rensa needs bands dividing num_perm: the best such banding under our default weights."""
    weights = DEFAULT_WEIGHTS
    costs = {}
    for bands in (b for b in range(1, NUM_PERM + 1) if NUM_PERM % b == 0):
        fp, fn = (float(x[0]) for x in error_areas(threshold, bands, NUM_PERM // bands))
        costs[bands] = weights[0] * fp + weights[1] * fn
    return min(costs, key=costs.get)


def run_notelab(texts, threshold):
    result = Deduplicator(threshold=threshold).run(texts)
    return {tuple(map(int, p)) for p in result.pairs}, result.stats.candidate_pairs


def _peer_pipeline(texts, threshold, lsh, make_minhash):
    """A peer's pipeline: Python shingles, its MinHash and LSH, exact verification, clusters."""
    sets = [{" ".join(s) for s in shingles(t)} for t in texts]
    hashes = []
    for i, s in enumerate(sets):
        hashes.append(make_minhash(s))
        if s:
            lsh.insert(i, hashes[-1])
    candidates = {
        (min(i, j), max(i, j))
        for i, m in enumerate(hashes)
        if sets[i]
        for j in lsh.query(m)
        if j != i
    }
    return _verify_and_cluster(len(texts), candidates, sets, threshold)


def run_rensa(texts, threshold):
    from rensa import RMinHash, RMinHashLSH

    def make(tokens):
        m = RMinHash(NUM_PERM, 1)
        m.update(list(tokens))
        return m

    lsh = RMinHashLSH(threshold, NUM_PERM, _divisor_bands(threshold))
    return _peer_pipeline(texts, threshold, lsh, make)


def run_datasketch(texts, threshold):
    from datasketch import MinHash, MinHashLSH

    def make(tokens):
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch([x.encode() for x in tokens])
        return m

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return _peer_pipeline(texts, threshold, lsh, make)


def main() -> None:
    texts = with_edited_copies(real_texts(2500), 1500)
    Deduplicator().run(texts[:10])  # compile
    for threshold in (0.5, 0.8):
        truth = all_pairs_above(texts, threshold)
        rows, seconds = [], {}
        for name, function in (
            ("notelab", run_notelab),
            ("rensa", run_rensa),
            ("datasketch", run_datasketch),
        ):
            start = time.perf_counter()
            found, candidates = function(texts, threshold)
            seconds[name] = time.perf_counter() - start
            recall = len(found & set(truth)) / len(truth)
            precision = len(found & set(truth)) / len(found) if found else 1.0
            rows.append([name, seconds[name], candidates, len(found), recall, precision])
        for row in rows:
            row.append(row[1] / seconds["notelab"])
        print_table(
            f"{len(texts)} real documents, threshold {threshold}: {len(truth)} true pairs",
            ["pipeline", "seconds", "candidates", "pairs", "recall", "precision", "time / notelab"],
            rows,
        )
        print(
            f"notelab speed-up: {seconds['rensa'] / seconds['notelab']:.1f}x over rensa "
            f"(goal >= 3), {seconds['datasketch'] / seconds['notelab']:.1f}x over datasketch "
            "(goal >= 10)"
        )


if __name__ == "__main__":
    main()
