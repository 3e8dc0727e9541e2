"""Compiled banding: one key per (document, band), and the pairs that share a key."""

from __future__ import annotations

import numba as nb
import numpy as np

from notelab.similarity._arrays import Codes, Flags, Hashes, Index, Ints
from notelab.similarity._hashing import EMPTY_SALT as _EMPTY_SALT
from notelab.similarity._jit_hashing import combine


@nb.njit(parallel=True, cache=True)
def band_keys(
    signatures: Codes, bands: int, rows: int, nonempty: Flags
) -> Hashes:  # pragma: no cover - compiled
    """One uint64 key per (band, document): a hash of the band's ``rows`` signature values.

    Empty documents get distinct keys (their own index) so they never share a bucket.
    """
    n_docs = signatures.shape[0]
    out = np.empty((bands, n_docs), np.uint64)
    for d in nb.prange(n_docs):
        for band in range(bands):
            if not nonempty[d]:
                out[band, d] = np.uint64(d) ^ _EMPTY_SALT
                continue
            h = np.uint64(band + 1)
            for r in range(rows):
                h = combine(h, np.uint64(signatures[d, band * rows + r]))
            out[band, d] = h
    return out


@nb.njit(cache=True, nogil=True)
def _bucket_pairs_into(
    keys: Hashes, docs: Ints, out: Ints, at: Index
) -> Index:  # pragma: no cover - compiled
    """Write every pair (lo, hi) sharing a key (``keys`` sorted) from ``at``; return the end."""
    n = keys.shape[0]
    start = 0
    k = at
    for i in range(1, n + 1):
        if i == n or keys[i] != keys[start]:
            for x in range(start, i):
                for y in range(x + 1, i):
                    p, q = docs[x], docs[y]
                    out[k, 0] = min(p, q)
                    out[k, 1] = max(p, q)
                    k += 1
            start = i
    return k


@nb.njit(cache=True, nogil=True)
def _pair_count(keys: Hashes) -> int:  # pragma: no cover - compiled
    n = keys.shape[0]
    total = 0
    start = 0
    for i in range(1, n + 1):
        if i == n or keys[i] != keys[start]:
            m = i - start
            total += m * (m - 1) // 2
            start = i
    return total


@nb.njit(cache=True, nogil=True)
def bucket_pairs(keys: Hashes, docs: Ints) -> Ints:  # pragma: no cover - compiled
    """All pairs (lo, hi) of documents that share a key, with ``keys`` sorted ascending."""
    out = np.empty((_pair_count(keys), 2), np.int64)
    _bucket_pairs_into(keys, docs, out, 0)
    return out


@nb.njit(cache=True, nogil=True)
def sorted_order(keys: Hashes) -> Ints:  # pragma: no cover - compiled
    """An order that sorts ``keys`` (hashes, so spread evenly): one counting pass on the top
    bits into buckets of about one key, each bucket then sorted by insertion. Linear time,
    several times quicker than a comparison sort on a million keys."""
    n = keys.shape[0]
    bits = 1
    while bits < 24 and (1 << bits) < n:
        bits += 1
    buckets = 1 << bits
    shift = np.uint64(64 - bits)
    starts = np.zeros(buckets + 1, np.int64)
    for i in range(n):
        starts[(keys[i] >> shift) + 1] += 1
    for b in range(buckets):
        starts[b + 1] += starts[b]
    order = np.empty(n, np.int64)
    fill = starts[:-1].copy()
    for i in range(n):
        b = keys[i] >> shift
        order[fill[b]] = i
        fill[b] += 1
    for b in range(buckets):
        for i in range(starts[b] + 1, starts[b + 1]):
            x = order[i]
            j = i - 1
            while j >= starts[b] and keys[order[j]] > keys[x]:
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = x
    return order


@nb.njit(parallel=True, cache=True)
def banded_pairs(keys: Hashes, docs: Ints) -> Ints:  # pragma: no cover - compiled
    """Pairs sharing a key in any band (repeats across bands kept), bands in parallel."""
    bands = keys.shape[0]
    orders = np.empty(keys.shape, np.int64)
    counts = np.zeros(bands + 1, np.int64)
    for band in nb.prange(bands):
        order = sorted_order(keys[band])
        orders[band] = order
        counts[band + 1] = _pair_count(keys[band][order])
    starts = np.cumsum(counts)
    out = np.empty((starts[-1], 2), np.int64)
    for band in nb.prange(bands):
        order = orders[band]
        _bucket_pairs_into(keys[band][order], docs[order], out, starts[band])
    return out
