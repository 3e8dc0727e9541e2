"""MinHash signatures (note 9): fast, seeded, the same on every machine and engine."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from notelab._util import InputError
from notelab.similarity._interrupt import deferred
from notelab.similarity._kernels import kernels
from notelab.similarity.options import DEFAULTS
from notelab.similarity.shingle import _check_params, _chunks, _shingle_hash_sets
from notelab.similarity.sketch import Sketch
from notelab.similarity.timing import PhaseTimer

_SHINGLES_PER_CHUNK = 1 << 22  # signatures are computed this many shingles at a time


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The multiply-shift parameters (odd ``a``, any ``b``) of ``num_perm`` hash functions."""
    rng = np.random.Generator(np.random.PCG64(seed))
    a = rng.integers(0, 2**63, num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, num_perm, dtype=np.uint64)
    return a, b


class MinHasher:
    """Turns texts into MinHash signatures whose agreement rate estimates Jaccard similarity.

    Parameters are those of :class:`DedupOptions` of the same names (defaults there).

    Examples
    --------
    >>> hasher = MinHasher(num_perm=64, ngram=2)
    >>> sig = hasher.signatures(["the cat sat on the mat", "the cat sat on a mat"])
    >>> sig.shape, sig.dtype
    ((2, 64), dtype('uint32'))
    """

    def __init__(
        self,
        num_perm: int = DEFAULTS.num_perm,
        ngram: int = DEFAULTS.ngram,
        unit: str = DEFAULTS.unit,
        seed: int = DEFAULTS.seed,
    ) -> None:
        if isinstance(num_perm, bool) or not isinstance(num_perm, int | np.integer) or num_perm < 1:
            raise InputError("num_perm as a positive integer", repr(num_perm), "e.g. 128")
        _check_params(ngram, unit)
        self.num_perm = num_perm
        self.ngram = ngram
        self.unit = unit
        self.seed = seed
        self._a, self._b = _permutations(num_perm, seed)

    def sketch(self, texts: Sequence[str], timer: PhaseTimer | None = None) -> Sketch:
        """Shingle sets, signatures and lengths of ``texts``: the one way a Sketch is made.

        ``timer`` times the ``shingles`` and ``signatures`` phases.
        """
        timer = timer or PhaseTimer()
        with timer.phase("shingles"):
            values, offsets = _shingle_hash_sets(texts, self.ngram, self.unit)
        with timer.phase("signatures"):
            signatures = self._signatures_of_sets(values, offsets)
        lengths = np.fromiter(map(len, texts), np.int64, len(texts))
        return Sketch(values, offsets, signatures, lengths)

    def _signatures_of_sets(self, values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        parts = []
        kernel = kernels("minhash", len(values) * self.num_perm // 64).minhash_signatures
        with deferred() as check:
            for lo, hi in _chunks(offsets, _SHINGLES_PER_CHUNK):
                check()
                local = offsets[lo : hi + 1] - offsets[lo]
                span = values[offsets[lo] : offsets[hi]]
                parts.append(kernel(span, local, self._a, self._b))
        return np.concatenate(parts) if parts else np.empty((0, self.num_perm), np.uint32)

    def signatures(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, num_perm) uint32 array; empty texts get all-ones rows."""
        return self.sketch(texts).signatures


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """The share of equal positions of two signatures.

    Examples
    --------
    >>> estimate_jaccard(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 4]))
    0.75
    """
    if sig_a.shape != sig_b.shape:
        raise InputError("signatures of the same length", f"{sig_a.shape} and {sig_b.shape}")
    return float(np.mean(sig_a == sig_b))
