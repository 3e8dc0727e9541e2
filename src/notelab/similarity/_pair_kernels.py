"""Compiled verification: exact Jaccard of shingle sets, or signature agreement, per pair."""

from __future__ import annotations

import numba as nb
import numpy as np

from notelab.similarity._arrays import Codes, Floats, Hashes, Ints


@nb.njit(inline="always")
def _sorted_jaccard(x: Hashes, y: Hashes) -> float:  # pragma: no cover - compiled
    i = j = inter = 0
    while i < x.shape[0] and j < y.shape[0]:
        if x[i] == y[j]:
            inter += 1
            i += 1
            j += 1
        elif x[i] < y[j]:
            i += 1
        else:
            j += 1
    union = x.shape[0] + y.shape[0] - inter
    return inter / union if union > 0 else 0.0


@nb.njit(parallel=True, cache=True)
def cross_jaccard(  # pragma: no cover - compiled
    values_a: Hashes, offsets_a: Ints, values_b: Hashes, offsets_b: Ints, pairs: Ints
) -> Floats:
    """Exact Jaccard of document pairs[p, 0] of set A and document pairs[p, 1] of set B
    (A and B the same arrays for pairs within one set)."""
    out = np.empty(pairs.shape[0], np.float64)
    for p in nb.prange(pairs.shape[0]):
        a, b = pairs[p, 0], pairs[p, 1]
        out[p] = _sorted_jaccard(
            values_a[offsets_a[a] : offsets_a[a + 1]], values_b[offsets_b[b] : offsets_b[b + 1]]
        )
    return out


@nb.njit(parallel=True, cache=True)
def cross_agreement(  # pragma: no cover - compiled
    signatures_a: Codes, signatures_b: Codes, pairs: Ints
) -> Floats:
    """Share of equal signature values of pairs (row of A, row of B): the MinHash estimate
    of their Jaccard similarity."""
    out = np.empty(pairs.shape[0], np.float64)
    k = signatures_a.shape[1]
    for p in nb.prange(pairs.shape[0]):
        same = 0
        for j in range(k):
            same += signatures_a[pairs[p, 0], j] == signatures_b[pairs[p, 1], j]
        out[p] = same / k
    return out
