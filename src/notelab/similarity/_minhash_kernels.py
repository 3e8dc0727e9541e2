"""Compiled MinHash: the signature of every document's shingle set, documents in parallel."""

from __future__ import annotations

import numba as nb
import numpy as np

from notelab.similarity._arrays import Codes, Hashes, Index, Ints

_UNROLL = 8  # shingles per pass over the permutations: each a[j], b[j] is loaded once for 8


@nb.njit(inline="always")
def _fold(
    best: Hashes, a: Hashes, b: Hashes, x: np.uint64, k: int
) -> None:  # pragma: no cover - compiled
    for j in range(k):
        best[j] = min(best[j], a[j] * x + b[j])


@nb.njit(cache=True, nogil=True)
def _signature(
    values: Hashes, lo: Index, hi: Index, a: Hashes, b: Hashes, best: Hashes
) -> None:  # pragma: no cover - compiled
    """Fill ``best`` with min over shingles x of a[j]*x + b[j] (mod 2**64), per permutation."""
    k = a.shape[0]
    best[:] = np.uint64(0xFFFFFFFFFFFFFFFF)
    i = lo
    while i + _UNROLL <= hi:
        x = values[i : i + _UNROLL]
        for j in range(k):
            aj, bj = a[j], b[j]
            m = best[j]
            for u in range(_UNROLL):
                m = min(m, aj * x[u] + bj)
            best[j] = m
        i += _UNROLL
    while i < hi:
        _fold(best, a, b, values[i], k)
        i += 1


@nb.njit(parallel=True, cache=True)
def minhash_signatures(
    values: Hashes, offsets: Ints, a: Hashes, b: Hashes
) -> Codes:  # pragma: no cover - compiled
    """MinHash of each document's shingle set under ``num_perm`` hash functions.

    Permutation ``j`` maps a shingle hash ``x`` to the top 32 bits of ``a[j] * x + b[j]``
    (mod 2**64; ``a`` odd): multiply-shift hashing. Empty documents get all ones.
    """
    n_docs = offsets.shape[0] - 1
    k = a.shape[0]
    out = np.empty((n_docs, k), np.uint32)
    for d in nb.prange(n_docs):
        best = np.empty(k, np.uint64)
        _signature(values, offsets[d], offsets[d + 1], a, b, best)
        for j in range(k):
            out[d, j] = np.uint32(best[j] >> np.uint64(32))
    return out
