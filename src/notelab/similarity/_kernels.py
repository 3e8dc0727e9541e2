r"""Numba kernels: shingle hashing, MinHash signatures, band keys, pair generation, set Jaccard.

Documents arrive as one flat ``uint8`` array of the UTF-8 bytes of the normalised text (NFC,
lower case) with ``offsets`` (CSR layout): document ``i`` is ``data[offsets[i]:offsets[i+1]]``.
Tokenising happens here, with look-up tables of Python's own ``\w`` (``str.isalnum()`` or
``_``) and ``\s`` (``str.isspace()``) over every code point.
"""

from __future__ import annotations

import numba as nb
import numpy as np

SPACE = np.uint32(32)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@nb.njit(inline="always")
def _mix(x):
    """splitmix64 finaliser: a bijection of uint64 with full avalanche."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


@nb.njit(inline="always")
def _combine(h, value):
    return _mix(h * _GOLDEN + value + np.uint64(1))


@nb.njit(cache=True)
def _token_hashes(codes, is_word):
    """FNV-1a of each run of word characters (Python's ``\\w+``), then mixed."""
    n = codes.shape[0]
    count = 0
    inside = False
    for i in range(n):
        word = is_word[codes[i]]
        if word and not inside:
            count += 1
        inside = word
    out = np.empty(count, np.uint64)
    k = -1
    h = _FNV_OFFSET
    inside = False
    for i in range(n):
        c = codes[i]
        if not is_word[c]:
            if inside:
                out[k] = _mix(h)
            inside = False
            continue
        if not inside:
            k += 1
            h = _FNV_OFFSET
            inside = True
        h = (h ^ np.uint64(c)) * _FNV_PRIME
    if inside:
        out[k] = _mix(h)
    return out


@nb.njit(cache=True)
def _char_hashes(codes, is_space):
    """Hashes of the whitespace-collapsed, trimmed text's characters (runs become one space)."""
    out = np.empty(codes.shape[0], np.uint64)
    k = 0
    pending_space = False
    for i in range(codes.shape[0]):
        c = codes[i]
        if is_space[c]:
            pending_space = k > 0
            continue
        if pending_space:
            out[k] = _mix(np.uint64(32) + _GOLDEN)
            k += 1
            pending_space = False
        out[k] = _mix(np.uint64(c) + _GOLDEN)
        k += 1
    return out[:k]


@nb.njit(cache=True)
def _decode_utf8(data):
    """Code points of valid UTF-8 bytes (as Python's encoder writes them)."""
    out = np.empty(data.shape[0], np.uint32)
    i = k = 0
    n = data.shape[0]
    while i < n:
        b = np.uint32(data[i])
        if b < 0x80:
            c, width = b, 1
        elif b < 0xE0:
            c, width = b & np.uint32(0x1F), 2
        elif b < 0xF0:
            c, width = b & np.uint32(0x0F), 3
        else:
            c, width = b & np.uint32(0x07), 4
        for j in range(1, width):
            c = (c << np.uint32(6)) | (np.uint32(data[i + j]) & np.uint32(0x3F))
        out[k] = c
        k += 1
        i += width
    return out[:k]


@nb.njit(cache=True)
def _gram_hashes(units, ngram):
    """Hashes of the contiguous n-grams of ``units``; fewer than n units make one shingle."""
    n = units.shape[0]
    if n == 0:
        return np.empty(0, np.uint64)
    width = min(ngram, n)
    out = np.empty(n - width + 1, np.uint64)
    for i in range(n - width + 1):
        h = np.uint64(width)
        for j in range(width):
            h = _combine(h, units[i + j])
        out[i] = h
    return out


@nb.njit(cache=True)
def _doc_shingles(codes, ngram, word_mode, is_word, is_space):
    if word_mode:
        return _gram_hashes(_token_hashes(codes, is_word), ngram)
    return _gram_hashes(_char_hashes(codes, is_space), ngram)


@nb.njit(parallel=True, cache=True)
def shingle_sets(data, offsets, ngram, word_mode, is_word, is_space):
    """Sorted unique shingle hashes of every document, as (values, offsets) in CSR layout."""
    n_docs = offsets.shape[0] - 1
    per_doc = [np.empty(0, np.uint64) for _ in range(n_docs)]
    sizes = np.zeros(n_docs + 1, np.int64)
    for d in nb.prange(n_docs):
        doc = _decode_utf8(data[offsets[d] : offsets[d + 1]])
        hashes = np.unique(_doc_shingles(doc, ngram, word_mode, is_word, is_space))
        per_doc[d] = hashes
        sizes[d + 1] = hashes.shape[0]
    out_offsets = np.cumsum(sizes)
    values = np.empty(out_offsets[-1], np.uint64)
    for d in nb.prange(n_docs):
        values[out_offsets[d] : out_offsets[d + 1]] = per_doc[d]
    return values, out_offsets


@nb.njit(parallel=True, cache=True)
def minhash_signatures(values, offsets, a, b):
    """MinHash of each document's shingle set under ``num_perm`` hash functions.

    Permutation ``j`` maps a shingle hash ``x`` to the top 32 bits of ``a[j] * x + b[j]``
    (mod 2**64; ``a`` odd): multiply-shift hashing. Empty documents get all ones.
    """
    n_docs = offsets.shape[0] - 1
    k = a.shape[0]
    out = np.empty((n_docs, k), np.uint32)
    shift = np.uint64(32)
    for d in nb.prange(n_docs):
        best = np.full(k, np.uint64(0xFFFFFFFFFFFFFFFF))
        for i in range(offsets[d], offsets[d + 1]):
            x = values[i]
            for j in range(k):
                h = a[j] * x + b[j]
                if h < best[j]:
                    best[j] = h
        for j in range(k):
            out[d, j] = np.uint32(best[j] >> shift)
    return out


@nb.njit(parallel=True, cache=True)
def band_keys(signatures, bands, rows, nonempty):
    """One uint64 key per (document, band): a hash of the band's ``rows`` signature values.

    Empty documents get distinct keys (their own index) so they never share a bucket.
    """
    n_docs = signatures.shape[0]
    out = np.empty((bands, n_docs), np.uint64)
    for d in nb.prange(n_docs):
        for band in range(bands):
            if not nonempty[d]:
                out[band, d] = np.uint64(d) ^ np.uint64(0xA5A5A5A5A5A5A5A5)
                continue
            h = np.uint64(band + 1)
            for r in range(rows):
                h = _combine(h, np.uint64(signatures[d, band * rows + r]))
            out[band, d] = h
    return out


@nb.njit(cache=True)
def bucket_pairs(keys, docs):
    """All pairs (lo, hi) of documents that share a key, with ``keys`` sorted ascending."""
    n = keys.shape[0]
    total = 0
    start = 0
    for i in range(1, n + 1):
        if i == n or keys[i] != keys[start]:
            m = i - start
            total += m * (m - 1) // 2
            start = i
    out = np.empty((total, 2), np.int64)
    k = 0
    start = 0
    for i in range(1, n + 1):
        if i == n or keys[i] != keys[start]:
            for x in range(start, i):
                for y in range(x + 1, i):
                    p, q = docs[x], docs[y]
                    out[k, 0] = min(p, q)
                    out[k, 1] = max(p, q)
                    k += 1
            start = i
    return out


@nb.njit(inline="always")
def _sorted_jaccard(x, y):
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
def pair_jaccard(values, offsets, pairs):
    """Exact Jaccard of each pair's sorted shingle sets."""
    out = np.empty(pairs.shape[0], np.float64)
    for p in nb.prange(pairs.shape[0]):
        a, b = pairs[p, 0], pairs[p, 1]
        out[p] = _sorted_jaccard(
            values[offsets[a] : offsets[a + 1]], values[offsets[b] : offsets[b + 1]]
        )
    return out


@nb.njit(parallel=True, cache=True)
def pair_agreement(signatures, pairs):
    """Share of equal signature values of each pair: the MinHash estimate of Jaccard."""
    out = np.empty(pairs.shape[0], np.float64)
    k = signatures.shape[1]
    for p in nb.prange(pairs.shape[0]):
        same = 0
        for j in range(k):
            same += signatures[pairs[p, 0], j] == signatures[pairs[p, 1], j]
        out[p] = same / k
    return out
