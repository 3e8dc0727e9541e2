r"""Compiled shingling: UTF-8 bytes of normalised text in, sorted unique shingle hashes out.

Documents arrive as one flat ``uint8`` array (the UTF-8 of the NFC text, lower-cased here
one character at a time) with ``offsets`` (CSR): document ``i`` is
``data[offsets[i]:offsets[i+1]]``. Bytes are decoded as they are read; Python's ``\w``,
``\s`` and lower case come as look-up tables over every code point. Each document is
worked in place in one scratch array (units, then n-grams, then sorted and made unique);
the documents are cut into one run of about equal bytes per thread, the runs worked in
parallel: the result does not depend on the threads.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from notelab.similarity._arrays import Bytes, Codes, Flags, Hashes, Index, Ints
from notelab.similarity._hashing import FNV_OFFSET, FNV_PRIME, GOLDEN
from notelab.similarity._jit_hashing import combine, mix


def threads() -> int:
    """The threads the kernels run on."""
    return nb.get_num_threads()


@nb.njit(inline="always")
def _code_point(
    data: Bytes, i: Index, lower: Codes
) -> tuple[np.uint32, int]:  # pragma: no cover - compiled
    """The lower-cased code point starting at byte ``i`` of valid UTF-8, and its width in
    bytes."""
    b = np.uint32(data[i])
    if b < 0x80:
        if 65 <= b <= 90:
            b += np.uint32(32)
        return b, 1
    if b < 0xE0:
        c, width = b & np.uint32(0x1F), 2
    elif b < 0xF0:
        c, width = b & np.uint32(0x0F), 3
    else:
        c, width = b & np.uint32(0x07), 4
    for j in range(1, width):
        c = (c << np.uint32(6)) | (np.uint32(data[i + j]) & np.uint32(0x3F))
    return lower[c], width


@nb.njit(cache=True, nogil=True)
def _word_units(
    data: Bytes, lo: Index, hi: Index, is_word: Flags, lower: Codes, out: Hashes, at: Index
) -> Index:  # pragma: no cover - compiled
    """FNV-1a of each run of word characters (Python's ``\\w+``), mixed; returns the count.

    Each run is hashed in a loop of its own, ASCII bytes looked up without decoding (one
    loop with an "inside a word" state ran 10% slower on source code)."""
    k = at
    i = lo
    while i < hi:
        if data[i] < 0x80:
            if not is_word[data[i]]:
                i += 1
                continue
        else:
            c, width = _code_point(data, i, lower)
            if not is_word[c]:
                i += width
                continue
        h = FNV_OFFSET
        while i < hi:
            if data[i] < 0x80:
                if not is_word[data[i]]:
                    break
                h = (h ^ np.uint64(lower[data[i]])) * FNV_PRIME
                i += 1
            else:
                c, width = _code_point(data, i, lower)
                if not is_word[c]:
                    break
                h = (h ^ np.uint64(c)) * FNV_PRIME
                i += width
        out[k] = mix(h)
        k += 1
    return k - at


@nb.njit(cache=True, nogil=True)
def _char_units(
    data: Bytes, lo: Index, hi: Index, is_space: Flags, lower: Codes, out: Hashes, at: Index
) -> Index:  # pragma: no cover - compiled
    """Hashes of the whitespace-collapsed, trimmed text's characters; returns the count."""
    k = at
    pending_space: bool | np.bool_ = False
    i = lo
    while i < hi:
        c, width = _code_point(data, i, lower)
        i += width
        if is_space[c]:
            pending_space = k > at
            continue
        if pending_space:
            out[k] = mix(np.uint64(32) + GOLDEN)
            k += 1
            pending_space = False
        out[k] = mix(np.uint64(c) + GOLDEN)
        k += 1
    return k - at


@nb.njit(cache=True, nogil=True)
def _grams_in_place(
    buffer: Hashes, at: Index, units: Index, ngram: int
) -> Index:  # pragma: no cover - compiled
    """Replace ``units`` unit hashes at ``at`` by their n-gram hashes (forward, in place);
    fewer than n units make one shingle. Returns the number of n-grams."""
    if units == 0:
        return 0
    width = min(ngram, units)
    grams = units - width + 1
    for i in range(grams):
        h = np.uint64(width)
        for j in range(width):
            h = combine(h, buffer[at + i + j])
        buffer[at + i] = h
    return grams


@nb.njit(cache=True, nogil=True)
def _sort_unique(
    buffer: Hashes, spare: Hashes, tally: Ints, at: Index, t0: Index, count: Index
) -> Index:  # pragma: no cover - compiled
    """Sort ``buffer[at:at+count]`` and drop repeats, in place; returns the unique count.

    The values are hashes, so spread evenly: one counting pass on the top bits (counts in
    ``tally`` from ``t0``) puts them in buckets of one or two (in ``spare``), each then
    sorted by insertion. No allocation: every thread works in its documents' own spans.
    """
    if count < 2:
        return count
    bits = 1  # 2**bits <= count: the counts fit in the document's own span of ``tally``
    while bits < 16 and (1 << (bits + 1)) <= count:
        bits += 1
    buckets = 1 << bits
    shift = np.uint64(64 - bits)
    for b in range(buckets + 1):
        tally[t0 + b] = 0
    for i in range(at, at + count):
        tally[t0 + (buffer[i] >> shift) + 1] += 1
    for b in range(buckets):
        tally[t0 + b + 1] += tally[t0 + b]  # now the end of each bucket
    for i in range(at + count - 1, at - 1, -1):
        b = t0 + (buffer[i] >> shift) + 1
        tally[b] -= 1  # ends become starts as the bucket fills from the back
        spare[at + tally[b]] = buffer[i]
    for b in range(buckets):
        lo = at + tally[t0 + b + 1]
        hi = at + (tally[t0 + b + 2] if b + 1 < buckets else count)
        if hi - lo > 32:
            spare[lo:hi].sort()
            continue
        for i in range(lo + 1, hi):
            x = spare[i]
            j = i - 1
            while j >= lo and spare[j] > x:
                spare[j + 1] = spare[j]
                j -= 1
            spare[j + 1] = x
    kept = 0
    for i in range(at, at + count):
        if kept == 0 or spare[i] != buffer[at + kept - 1]:
            buffer[at + kept] = spare[i]
            kept += 1
    return kept


@nb.njit(cache=True, nogil=True)
def _even_runs(offsets: Ints, runs: int) -> Ints:  # pragma: no cover - compiled
    """Bounds of ``runs`` runs of documents of about equal bytes (a run may be empty)."""
    n_docs = offsets.shape[0] - 1
    bounds = np.empty(runs + 1, np.int64)
    bounds[0], bounds[runs] = 0, n_docs
    total = offsets[n_docs] - offsets[0]
    for r in range(1, runs):
        target = offsets[0] + total * r // runs
        bounds[r] = min(max(np.searchsorted(offsets, target), bounds[r - 1]), n_docs)
    return bounds


@nb.njit(cache=True, nogil=True)
def _shingle_run(
    data: Bytes,
    offsets: Ints,
    first: Index,
    last: Index,
    ngram: int,
    word_mode: bool,
    tables: tuple[Flags, Flags, Codes],
    buffers: tuple[Hashes, Hashes, Ints],
    sizes: Ints,
) -> None:  # pragma: no cover - compiled
    """Documents ``first`` to ``last`` (excluded): each one's set in its bytes' span of
    ``scratch``, its size in ``sizes[d + 1]``."""
    is_word, is_space, lower = tables
    scratch, spare, tally = buffers
    base = offsets[0]
    for d in range(first, last):
        lo, hi = offsets[d], offsets[d + 1]
        at = lo - base
        if word_mode:
            units = _word_units(data, lo, hi, is_word, lower, scratch, at)
        else:
            units = _char_units(data, lo, hi, is_space, lower, scratch, at)
        grams = _grams_in_place(scratch, at, units, ngram)
        sizes[d + 1] = _sort_unique(scratch, spare, tally, at, at + d, grams)


@nb.njit(parallel=True, cache=True)
def shingle_sets(
    data: Bytes,
    offsets: Ints,
    ngram: int,
    word_mode: bool,
    is_word: Flags,
    is_space: Flags,
    lower: Codes,
    scratch: Hashes,
    spare: Hashes,
    tally: Ints,
    runs: int,
    out: Hashes,
    filled: int,
    reserve: int,
) -> tuple[Hashes, Ints]:
    """Sorted unique shingle hashes of every document, appended to the ``filled`` values of
    ``out``, and their offsets (CSR, from 0): returns ``out``, or a copy grown to at least
    ``reserve`` values when they do not fit, and the offsets.

    A document has at most one unit per byte, so its bytes' span of ``scratch`` (at least
    as long as ``data``; reused from call to call, so its pages are touched once) holds its
    units, then its n-grams, then its set (the same span of ``spare``, and of ``tally``
    shifted by the document's number, help sort). The documents are cut into ``runs`` runs
    of about equal bytes, one a thread (numba's even split by count left one thread 16%
    more bytes, on average, of source files' chunks). The sets go straight into ``out``:
    an array of its own a call, joined at the end, touched twice the memory.
    """  # pragma: no cover - compiled
    n_docs = offsets.shape[0] - 1
    runs = max(1, min(n_docs, runs))
    bounds = _even_runs(offsets, runs)
    sizes = np.zeros(n_docs + 1, np.int64)
    for r in nb.prange(runs):
        _shingle_run(
            data,
            offsets,
            bounds[r],
            bounds[r + 1],
            ngram,
            word_mode,
            (is_word, is_space, lower),
            (scratch, spare, tally),
            sizes,
        )
    out_offsets = np.cumsum(sizes)
    if filled + out_offsets[-1] > out.shape[0]:
        grown = np.empty(max(filled + out_offsets[-1], reserve), np.uint64)
        grown[:filled] = out[:filled]
        out = grown
    base = offsets[0]
    for r in nb.prange(runs):
        for d in range(bounds[r], bounds[r + 1]):
            at = offsets[d] - base
            to = filled + out_offsets[d]
            out[to : to + sizes[d + 1]] = scratch[at : at + sizes[d + 1]]
    return out, out_offsets
