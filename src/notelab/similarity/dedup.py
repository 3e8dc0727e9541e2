"""The near-duplicate pipeline: shingles, signatures, LSH candidates, verification, clusters."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from notelab._util import InputError
from notelab.similarity.clusters import KEEP_RULES, components, representatives
from notelab.similarity.lsh import _check_bands, candidate_pairs, optimal_params
from notelab.similarity.minhash import MinHasher
from notelab.similarity.options import DEFAULTS
from notelab.similarity.sketch import Sketch
from notelab.similarity.timing import PhaseTimer

VERIFY_MODES = ("exact", "signature")
Progress = Callable[[str], None]


@dataclass
class DedupStats:
    """What one run did; ``seconds`` holds the time of every phase.

    ``documents = kept + removed + empty``; ``clusters`` counts the kept documents' groups
    (a document with no near-duplicate is a cluster of one).
    """

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


def _outcome(
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
    stats.documents = len(kept_as)
    stats.empty = int((~nonempty).sum())
    stats.candidate_pairs, stats.similar_pairs = len(candidates), len(pairs)
    stats.removed = len(result.removed)
    roots = labels == np.arange(len(labels))  # a component's label is its smallest member
    stats.clusters = int(np.count_nonzero(roots & nonempty))
    return result


class Deduplicator:
    """Find near-duplicate documents and keep one per cluster.

    Parameters are those of :class:`DedupOptions` (defaults there); ``bands`` and ``rows``
    are chosen from ``threshold`` and ``weights`` when not given.

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
        threshold: float = DEFAULTS.threshold,
        num_perm: int = DEFAULTS.num_perm,
        ngram: int = DEFAULTS.ngram,
        unit: str = DEFAULTS.unit,
        seed: int = DEFAULTS.seed,
        bands: int | None = DEFAULTS.bands,
        rows: int | None = DEFAULTS.rows,
        weights: tuple[float, float] = DEFAULTS.weights,
        verify: str = DEFAULTS.verify,
        keep: str = DEFAULTS.keep,
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
    def _banding(
        threshold: float,
        num_perm: int,
        bands: int | None,
        rows: int | None,
        weights: tuple[float, float],
    ) -> tuple[int, int]:
        if bands is None or rows is None:
            chosen = optimal_params(threshold, num_perm, weights)
            bands = bands or chosen.bands
            rows = rows or max(1, num_perm // bands)
        _check_bands(bands, rows, num_perm)
        return bands, rows

    def run(self, texts: Sequence[str], progress: Progress | None = None) -> DedupResult:
        """Run every phase on ``texts``; ``progress`` is told each phase's name."""
        timer = PhaseTimer(progress=progress)
        return self.finish(self.hasher.sketch(texts, timer), timer)

    def finish(self, sketch: Sketch, timer: PhaseTimer | None = None) -> DedupResult:
        """Candidates, verification and clusters of sketched documents."""
        timer = timer or PhaseTimer()
        stats = DedupStats(bands=self.bands, rows=self.rows, seconds=timer.seconds)
        stats.shingles = sketch.shingles
        nonempty = sketch.nonempty
        with timer.phase("candidates"):
            candidates = candidate_pairs(sketch.signatures, self.bands, self.rows, nonempty)
        with timer.phase("verify"):
            pairs, jaccard = self.verified(candidates, sketch)
        with timer.phase("clusters"):
            labels = components(len(sketch), pairs)
            kept_as = representatives(labels, sketch.lengths, self.keep)
        return _outcome(stats, candidates, pairs, jaccard, labels, kept_as, nonempty)

    def verified(
        self, candidates: np.ndarray, sketch: Sketch, other: Sketch | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs whose similarity reaches the threshold, with that similarity."""
        similarity = self.similarity(candidates, sketch, other)
        keep = similarity >= self.threshold
        return candidates[keep], similarity[keep]

    def similarity(
        self, pairs: np.ndarray, sketch: Sketch, other: Sketch | None = None
    ) -> np.ndarray:
        """Each pair's similarity as ``verify`` measures it (with ``other``: pairs of a
        document of ``sketch`` and one of ``other``)."""
        if self.verify == "exact":
            return sketch.jaccard(pairs, other)
        return sketch.agreement(pairs, other)
