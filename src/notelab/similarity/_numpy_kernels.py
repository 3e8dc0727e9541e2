r"""The kernels in numpy: the same functions as the numba kernels, the same results, no numba.

Why a second implementation: importing numba and loading its cached kernels costs about
0.5 CPU-seconds, more than the whole work of a small input. :mod:`._kernels` runs these for
small work and the compiled ones for large, so ``notelab dedup`` on a few documents starts
in a fraction of a second. They are also a readable reference: the tests check that both
give identical shingle sets, signatures, band keys, pairs and components on random texts.
The hashing (``mix``, ``combine``, the constants) is ``_hashing``'s, shared with numba.
Documents are worked one at a time in Python loops over vectorised steps, which is fast
enough only for the small inputs they are meant for.
"""

from __future__ import annotations

import numpy as np

from notelab.similarity._arrays import Bytes, Codes, Flags, Floats, Hashes, Ints
from notelab.similarity._hashing import (
    ALL_ONES,
    EMPTY_SALT,
    FNV_OFFSET,
    FNV_PRIME,
    GOLDEN,
    combine,
    mix,
)

with np.errstate(over="ignore"):
    _SPACE_UNIT = mix(np.uint64(32) + GOLDEN)


def _code_points(data: np.ndarray, lo: int, hi: int, lower: np.ndarray) -> np.ndarray:
    """The code points of one document's UTF-8 bytes, lower-cased by ``lower`` (as the
    kernel)."""
    text = data[lo:hi].tobytes().decode("utf-8", "surrogatepass")
    return lower[np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)]


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of the runs of True in ``mask``."""
    edges = np.diff(np.concatenate([[False], mask, [False]]).astype(np.int8))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _word_units(codes: np.ndarray, is_word: np.ndarray) -> np.ndarray:
    """FNV-1a of each run of word characters, mixed: all runs advance one character a step,
    the longest first so the runs still going are always a prefix."""
    starts, ends = _runs(is_word[codes])
    order = np.argsort(ends - starts, kind="stable")[::-1]
    starts, lengths = starts[order], (ends - starts)[order]
    h = np.full(len(starts), FNV_OFFSET, np.uint64)
    for step in range(int(lengths[0]) if len(lengths) else 0):
        going = int(np.searchsorted(-lengths, -step, side="left"))  # runs longer than step
        h[:going] = (h[:going] ^ codes[starts[:going] + step].astype(np.uint64)) * FNV_PRIME
    units = np.empty(len(h), np.uint64)
    units[order] = mix(h)
    return units


def _char_units(codes: np.ndarray, is_space: np.ndarray) -> np.ndarray:
    """Each character that is not a space, with one space unit before each that follows a
    whitespace run (none before the first): the collapsed, trimmed text's characters."""
    spaces = is_space[codes]
    kept = np.flatnonzero(~spaces)
    after_space = np.zeros(len(kept), bool)
    after_space[1:] = spaces[np.maximum(kept[1:] - 1, 0)]
    units = np.empty(len(kept) + int(after_space.sum()), np.uint64)
    place = np.arange(len(kept)) + np.cumsum(after_space)
    units[place] = mix(codes[kept].astype(np.uint64) + GOLDEN)
    units[place[after_space] - 1] = _SPACE_UNIT
    return units


def _grams(units: np.ndarray, ngram: int) -> np.ndarray:
    """The n-gram hashes of a document's units (fewer than n units make one shingle)."""
    if len(units) == 0:
        return units
    width = min(ngram, len(units))
    grams = len(units) - width + 1
    h = np.full(grams, width, np.uint64)
    for j in range(width):
        h = combine(h, units[j : j + grams])
    return h


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
    ``out`` (grown to at least ``reserve`` when they do not fit), and their offsets (CSR,
    from 0); ``scratch``, ``spare``, ``tally`` and ``runs`` are the compiled kernel's,
    unused here."""
    sets = []
    with np.errstate(over="ignore"):
        for d in range(len(offsets) - 1):
            codes = _code_points(data, offsets[d], offsets[d + 1], lower)
            units = _word_units(codes, is_word) if word_mode else _char_units(codes, is_space)
            sets.append(np.unique(_grams(units, ngram)))
    sizes = np.fromiter(map(len, sets), np.int64, len(sets))
    out_offsets = np.zeros(len(sets) + 1, np.int64)
    np.cumsum(sizes, out=out_offsets[1:])
    end = filled + int(out_offsets[-1])
    if end > len(out):
        out = np.concatenate([out[:filled], np.empty(max(end, reserve) - filled, np.uint64)])
    out[filled:end] = np.concatenate(sets) if sets else np.empty(0, np.uint64)
    return out, out_offsets


def threads() -> int:
    """The threads these kernels run on: one."""
    return 1


def minhash_signatures(values: Hashes, offsets: Ints, a: Hashes, b: Hashes) -> Codes:
    """Top 32 bits of the minimum over each document's shingles x of a[j]*x + b[j]."""
    out = np.empty((len(offsets) - 1, len(a)), np.uint32)
    with np.errstate(over="ignore"):
        for d in range(len(offsets) - 1):
            x = values[offsets[d] : offsets[d + 1]]
            best = (a[:, None] * x[None, :] + b[:, None]).min(axis=1) if len(x) else ALL_ONES
            out[d] = best >> np.uint64(32)
    return out


def band_keys(signatures: Codes, bands: int, rows: int, nonempty: Flags) -> Hashes:
    """One key per (band, document), a hash of the band's signature values (empty documents:
    their own index, salted)."""
    out = np.empty((bands, signatures.shape[0]), np.uint64)
    empty = ~np.asarray(nonempty, bool)
    with np.errstate(over="ignore"):
        for band in range(bands):
            h = np.full(signatures.shape[0], band + 1, np.uint64)
            for r in range(rows):
                h = combine(h, signatures[:, band * rows + r].astype(np.uint64))
            h[empty] = np.flatnonzero(empty).astype(np.uint64) ^ EMPTY_SALT
            out[band] = h
    return out


def bucket_pairs(keys: Hashes, docs: Ints) -> Ints:
    """All pairs (lo, hi) of documents that share a key."""
    order = np.argsort(keys, kind="stable")
    keys, docs = keys[order], docs[order]
    starts, ends = _runs(np.concatenate([[False], keys[1:] == keys[:-1]]))
    found = [np.empty((0, 2), np.int64)]
    for lo, hi in zip(starts - 1, ends, strict=True):
        i, j = np.triu_indices(hi - lo, 1)
        found.append(
            np.column_stack(
                [np.minimum(docs[lo + i], docs[lo + j]), np.maximum(docs[lo + i], docs[lo + j])]
            )
        )
    return np.concatenate(found).astype(np.int64)


def banded_pairs(keys: Hashes, docs: Ints) -> Ints:
    """Pairs sharing a key in any band (repeats across bands kept)."""
    return np.concatenate([np.empty((0, 2), np.int64)] + [bucket_pairs(k, docs) for k in keys])


def cross_jaccard(
    values_a: Hashes, offsets_a: Ints, values_b: Hashes, offsets_b: Ints, pairs: Ints
) -> Floats:
    """Exact Jaccard of document pairs[p, 0] of set A and pairs[p, 1] of set B."""
    out = np.empty(len(pairs), np.float64)
    for p, (a, b) in enumerate(pairs):
        x = values_a[offsets_a[a] : offsets_a[a + 1]]
        y = values_b[offsets_b[b] : offsets_b[b + 1]]
        inter = len(np.intersect1d(x, y, assume_unique=True))
        union = len(x) + len(y) - inter
        out[p] = inter / union if union > 0 else 0.0
    return out


def cross_agreement(signatures_a: Codes, signatures_b: Codes, pairs: Ints) -> Floats:
    """Share of equal signature values of pairs (row of A, row of B)."""
    same = (signatures_a[pairs[:, 0]] == signatures_b[pairs[:, 1]]).sum(axis=1)
    return np.asarray(same / signatures_a.shape[1], np.float64)


def smallest_member(n_nodes: int, a: Ints, b: Ints) -> Ints:
    """For every node 0..n-1, the smallest node of its component (edges a[i]-b[i])."""
    parent = list(range(n_nodes))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        x, y = root(x), root(y)
        parent[max(x, y)] = min(x, y)
    return np.array([root(x) for x in range(n_nodes)], np.int64)
