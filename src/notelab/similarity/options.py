"""The options of a near-duplicate run, with every default in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

from notelab.similarity.corpus import ReadOptions
from notelab.similarity.lsh import DEFAULT_WEIGHTS


@dataclass(frozen=True)
class DedupOptions:
    """Everything that decides a run's result: shingling, MinHash, banding, verification,
    which document a cluster keeps, and how documents are read.

    Parameters
    ----------
    threshold : float
        Jaccard similarity at or above which two documents are near-duplicates.
    num_perm : int
        MinHash permutations (signature length).
    ngram : int
        Shingle width in units.
    unit : {"word", "char"}
        Word n-grams of ``\\w+`` tokens, or character n-grams of whitespace-collapsed text.
    seed : int
        Seeds the hash functions: same seed, same signatures everywhere.
    bands, rows : int, optional
        LSH banding; chosen from ``threshold`` and ``weights`` when not given.
    weights : (float, float)
        False-positive and false-negative weights for choosing (bands, rows).
    verify : {"exact", "signature"}
        Check candidates with the exact Jaccard of the shingle sets (never a false positive)
        or with the signature estimate.
    keep : {"first", "longest"}
        Which document of a cluster is kept.
    read : ReadOptions
        How documents are found in files.

    Examples
    --------
    >>> DedupOptions(threshold=0.5).num_perm
    128
    """

    threshold: float = 0.8
    num_perm: int = 128
    ngram: int = 5
    unit: str = "word"
    seed: int = 1
    bands: int | None = None
    rows: int | None = None
    weights: tuple[float, float] = DEFAULT_WEIGHTS
    verify: str = "exact"
    keep: str = "first"
    read: ReadOptions = field(default_factory=ReadOptions)


DEFAULTS = DedupOptions()
"""Every default, as one object: ``DEFAULTS.threshold``, ``DEFAULTS.num_perm``, ..."""
