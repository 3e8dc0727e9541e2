"""MinHash signatures (note 9): fast, seeded, the same on every machine and engine."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from notelab._util import InputError
from notelab.similarity import _kernels
from notelab.similarity._interrupt import deferred
from notelab.similarity.shingle import check_params, shingle_hash_sets


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The multiply-shift parameters (odd ``a``, any ``b``) of ``num_perm`` hash functions."""
    rng = np.random.Generator(np.random.PCG64(seed))
    a = rng.integers(0, 2**63, num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, num_perm, dtype=np.uint64)
    return a, b


class MinHasher:
    """Turns texts into MinHash signatures whose agreement rate estimates Jaccard similarity.

    Parameters
    ----------
    num_perm : int
        Hash functions (signature length).
    ngram : int
        Shingle width in units.
    unit : {"word", "char"}
        Word n-grams of ``\\w+`` tokens, or character n-grams of whitespace-collapsed text.
    seed : int
        Seeds the hash functions: same seed, same signatures everywhere.

    Examples
    --------
    >>> hasher = MinHasher(num_perm=64, ngram=2)
    >>> sig = hasher.signatures(["the cat sat on the mat", "the cat sat on a mat"])
    >>> sig.shape, sig.dtype
    ((2, 64), dtype('uint32'))
    """

    def __init__(self, num_perm: int = 128, ngram: int = 5, unit: str = "word", seed: int = 1):
        if isinstance(num_perm, bool) or not isinstance(num_perm, int) or num_perm < 1:
            raise InputError("num_perm as a positive integer", repr(num_perm), "e.g. 128")
        check_params(ngram, unit)
        self.num_perm = num_perm
        self.ngram = ngram
        self.unit = unit
        self.seed = seed
        self._a, self._b = permutations(num_perm, seed)

    def shingle_sets(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Sorted unique shingle hashes per text (values, offsets)."""
        return shingle_hash_sets(texts, self.ngram, self.unit)

    def signatures_from_sets(self, values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Signatures of documents given as shingle-hash sets."""
        with deferred():
            return _kernels.minhash_signatures(values, offsets, self._a, self._b)

    def signatures(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, num_perm) uint32 array; empty texts get all-ones rows."""
        return self.signatures_from_sets(*self.shingle_sets(texts))


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
