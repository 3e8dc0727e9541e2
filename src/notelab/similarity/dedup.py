"""The near-duplicate pipeline: shingles, signatures, LSH candidates, verification, clusters."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from time import perf_counter

import numpy as np

from notelab._util import InputError
from notelab.similarity import _kernels
from notelab.similarity._interrupt import deferred
from notelab.similarity.clusters import KEEP_RULES, components, representatives
from notelab.similarity.lsh import DEFAULT_WEIGHTS, candidate_pairs, check_bands, optimal_params
from notelab.similarity.minhash import MinHasher

VERIFY_MODES = ("exact", "signature")
Progress = Callable[[str], None]


@dataclass
class DedupStats:
    """What one run did; ``seconds`` holds the time of every phase."""

    documents: int = 0
    empty: int = 0
    shingles: int = 0
    bands: int = 0
    rows: int = 0
    candidate_pairs: int = 0
    similar_pairs: int = 0
    clusters: int = 0
    removed: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON output."""
        return asdict(self)


@dataclass
class DedupResult:
    """Verified similar pairs, and for every document the document it is kept as.

    ``kept_as[i] == i`` for a kept document, another index for a removed duplicate and
    ``-1`` for an empty document.
    """

    pairs: np.ndarray
    jaccard: np.ndarray
    kept_as: np.ndarray
    labels: np.ndarray
    stats: DedupStats

    @property
    def kept(self) -> np.ndarray:
        """Indices of kept documents."""
        return np.flatnonzero(self.kept_as == np.arange(len(self.kept_as)))

    @property
    def removed(self) -> np.ndarray:
        """Indices of removed duplicates."""
        return np.flatnonzero((self.kept_as >= 0) & (self.kept_as != np.arange(len(self.kept_as))))

    @property
    def empty(self) -> np.ndarray:
        """Indices of empty documents."""
        return np.flatnonzero(self.kept_as < 0)

    def clusters(self) -> Iterator[tuple[int, list[int]]]:
        """Each cluster with duplicates: the kept document and the removed ones, by kept index.

        Examples
        --------
        >>> result = Deduplicator(threshold=0.8, ngram=2).run(["a b c", "x y", "a b c"])
        >>> list(result.clusters())
        [(0, [2])]
        """
        groups: dict[int, list[int]] = {}
        for i in self.removed:
            groups.setdefault(int(self.kept_as[i]), []).append(int(i))
        for kept in sorted(groups):
            yield kept, groups[kept]


def _phases(stats: DedupStats, progress: Progress | None) -> Callable:
    """A context-manager factory that times each named phase into ``stats.seconds``."""

    @contextlib.contextmanager
    def phase(name: str) -> Iterator[None]:
        if progress:
            progress(name)
        start = perf_counter()
        yield
        stats.seconds[name] = perf_counter() - start

    return phase


def outcome(
    stats: DedupStats,
    candidates: np.ndarray,
    pairs: np.ndarray,
    jaccard: np.ndarray,
    labels: np.ndarray,
    kept_as: np.ndarray,
    nonempty: np.ndarray,
) -> DedupResult:
    """The result of either engine: empties marked, counts filled in from the arrays."""
    kept_as[~nonempty] = -1
    result = DedupResult(pairs, jaccard, kept_as, labels, stats)
    stats.empty = int((~nonempty).sum())
    stats.candidate_pairs, stats.similar_pairs = len(candidates), len(pairs)
    stats.removed = len(result.removed)
    stats.clusters = len(np.unique(labels[nonempty])) if len(labels) else 0
    return result


class Deduplicator:
    """Find near-duplicate documents and keep one per cluster.

    Parameters
    ----------
    threshold : float
        Jaccard similarity at or above which two documents are near-duplicates.
    num_perm, ngram, unit, seed
        MinHash parameters (see :class:`MinHasher`).
    bands, rows : int, optional
        LSH banding; chosen from ``threshold`` and ``weights`` when not given.
    weights : (float, float)
        False-positive and false-negative weights for choosing (bands, rows).
    verify : {"exact", "signature"}
        Check candidates with exact Jaccard of the shingle sets (never a false positive), or
        with the signature estimate (faster).
    keep : {"first", "longest"}
        Which document of a cluster is kept.

    Examples
    --------
    >>> texts = ["a b c d e f g", "a b c d e f g", "x y z"]
    >>> result = Deduplicator(threshold=0.8, ngram=2).run(texts)
    >>> result.kept.tolist(), result.removed.tolist()
    ([0, 2], [1])
    """

    def __init__(
        self,
        *,
        threshold: float = 0.8,
        num_perm: int = 128,
        ngram: int = 5,
        unit: str = "word",
        seed: int = 1,
        bands: int | None = None,
        rows: int | None = None,
        weights: tuple[float, float] = DEFAULT_WEIGHTS,
        verify: str = "exact",
        keep: str = "first",
    ) -> None:
        self.hasher = MinHasher(num_perm=num_perm, ngram=ngram, unit=unit, seed=seed)
        self.threshold = threshold
        self.bands, self.rows = self._banding(threshold, num_perm, bands, rows, weights)
        if verify not in VERIFY_MODES:
            raise InputError(f"verify from {', '.join(VERIFY_MODES)}", repr(verify))
        if keep not in KEEP_RULES:
            raise InputError(f"keep from {', '.join(KEEP_RULES)}", repr(keep))
        self.verify, self.keep = verify, keep

    @staticmethod
    def _banding(threshold, num_perm, bands, rows, weights) -> tuple[int, int]:
        if bands is None or rows is None:
            chosen = optimal_params(threshold, num_perm, weights)
            bands = bands or chosen.bands
            rows = rows or max(1, num_perm // bands)
        check_bands(bands, rows, num_perm)
        return bands, rows

    def run(self, texts: Sequence[str], progress: Progress | None = None) -> DedupResult:
        """Run every phase on ``texts``; ``progress`` is told each phase's name."""
        stats = DedupStats(documents=len(texts), bands=self.bands, rows=self.rows)
        phase = _phases(stats, progress)
        with phase("shingles"):
            values, offsets = self.hasher.shingle_sets(texts)
        with phase("signatures"):
            signatures = self.hasher.signatures_from_sets(values, offsets)
        lengths = np.fromiter((len(t) for t in texts), np.int64, len(texts))
        return self.finish(values, offsets, signatures, lengths, stats, phase)

    def finish(
        self,
        values: np.ndarray,
        offsets: np.ndarray,
        signatures: np.ndarray,
        lengths: np.ndarray,
        stats: DedupStats | None = None,
        phase: Callable | None = None,
    ) -> DedupResult:
        """Candidates, verification and clusters from shingle sets and signatures."""
        stats = stats or DedupStats(documents=len(lengths), bands=self.bands, rows=self.rows)
        phase = phase or _phases(stats, None)
        nonempty = np.diff(offsets) > 0
        stats.shingles = len(values)
        with phase("candidates"):
            candidates = candidate_pairs(signatures, self.bands, self.rows, nonempty)
        with phase("verify"):
            pairs, jaccard = self.verified(candidates, values, offsets, signatures)
        with phase("clusters"):
            labels = components(len(lengths), pairs)
            kept_as = representatives(labels, lengths, self.keep)
        return outcome(stats, candidates, pairs, jaccard, labels, kept_as, nonempty)

    def verified(self, candidates, values, offsets, signatures) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs whose similarity reaches the threshold, with that similarity."""
        with deferred():
            if self.verify == "exact":
                similarity = _kernels.pair_jaccard(values, offsets, candidates)
            else:
                similarity = _kernels.pair_agreement(signatures, candidates)
        keep = similarity >= self.threshold
        return candidates[keep], similarity[keep]
