"""A Sketch: what the pipeline keeps of each document, made one way and joined by concat()."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from notelab.similarity._interrupt import deferred
from notelab.similarity._kernels import kernels


def _concat_sets(
    parts: Sequence[tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Shingle sets in CSR layout, (values, offsets) after (values, offsets), as one.

    Examples
    --------
    >>> v, o = _concat_sets([(np.array([1, 2], np.uint64), np.array([0, 2])),
    ...                     (np.array([9, 5, 7], np.uint64), np.array([1, 1, 3]))])
    >>> v.tolist(), o.tolist()
    ([1, 2, 5, 7], [0, 2, 2, 4])
    """
    sizes = [np.diff(offsets) for _, offsets in parts]
    offsets = np.zeros(sum(len(s) for s in sizes) + 1, np.int64)
    np.cumsum(np.concatenate(sizes) if sizes else np.zeros(0, np.int64), out=offsets[1:])
    spans = [values[offsets_[0] : offsets_[-1]] for values, offsets_ in parts]
    return (np.concatenate(spans) if spans else np.empty(0, np.uint64)), offsets


@dataclass(frozen=True)
class Sketch:
    """Shingle sets (CSR), MinHash signatures and text lengths of documents, in order.

    Made by :meth:`MinHasher.sketch`; ``values[offsets[i]:offsets[i+1]]`` are document
    ``i``'s sorted unique shingle hashes, ``signatures[i]`` its signature.

    Examples
    --------
    >>> from notelab.similarity import MinHasher
    >>> hasher = MinHasher(num_perm=16, ngram=2)
    >>> both = Sketch.concat([hasher.sketch(["a b c"]), hasher.sketch(["a b d", ""])])
    >>> len(both), both.nonempty.tolist(), both.jaccard(np.array([[0, 1]])).tolist()
    (3, [True, True, False], [0.3333333333333333])
    """

    values: np.ndarray
    offsets: np.ndarray
    signatures: np.ndarray
    lengths: np.ndarray

    def __len__(self) -> int:
        return len(self.lengths)

    @property
    def nonempty(self) -> np.ndarray:
        """Whether each document has at least one shingle."""
        return np.diff(self.offsets) > 0

    @property
    def shingles(self) -> int:
        """Shingles over all documents (each document's counted once)."""
        return int(self.offsets[-1] - self.offsets[0])

    @classmethod
    def concat(cls, parts: Sequence[Sketch]) -> Sketch:
        """The documents of ``parts``, one after the other."""
        if len(parts) == 1:
            return parts[0]
        values, offsets = _concat_sets([(p.values, p.offsets) for p in parts])
        signatures = np.concatenate([p.signatures for p in parts])
        return cls(values, offsets, signatures, np.concatenate([p.lengths for p in parts]))

    def take(self, indices: Sequence[int] | np.ndarray) -> Sketch:
        """The documents at ``indices``, in that order."""
        indices = np.asarray(indices, np.int64)
        sizes = np.diff(self.offsets)[indices]
        offsets = np.zeros(len(indices) + 1, np.int64)
        np.cumsum(sizes, out=offsets[1:])
        spans = [self.values[self.offsets[i] : self.offsets[i + 1]] for i in indices]
        values = np.concatenate(spans) if spans else np.empty(0, np.uint64)
        return Sketch(values, offsets, self.signatures[indices], self.lengths[indices])

    def jaccard(self, pairs: np.ndarray, other: Sketch | None = None) -> np.ndarray:
        """Exact Jaccard similarity of the shingle sets of each pair (i, j); with ``other``,
        of document i here and document j there."""
        if len(pairs) == 0:
            return np.empty(0, np.float64)
        other = self if other is None else other
        with deferred():
            return kernels("pair", len(pairs) * 256).cross_jaccard(
                self.values, self.offsets, other.values, other.offsets, pairs
            )

    def agreement(self, pairs: np.ndarray, other: Sketch | None = None) -> np.ndarray:
        """Share of equal signature values of each pair: the MinHash estimate of Jaccard
        (with ``other``: document i here, j there)."""
        if len(pairs) == 0:
            return np.empty(0, np.float64)
        other = self if other is None else other
        with deferred():
            return kernels("pair", len(pairs) * 64).cross_agreement(
                self.signatures, other.signatures, pairs
            )
