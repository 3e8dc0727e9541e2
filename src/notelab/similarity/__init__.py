"""Notes 8 and 9: shingling, MinHash, banded LSH, near-duplicate detection, a Dask engine."""

from notelab.similarity.clusters import KEEP_RULES, components, representatives
from notelab.similarity.corpus import Corpus, ReadOptions, read_corpus
from notelab.similarity.dedup import VERIFY_MODES, Deduplicator, DedupResult, DedupStats
from notelab.similarity.index import Match, MinHashIndex
from notelab.similarity.lsh import (
    DEFAULT_WEIGHTS,
    LshParams,
    candidate_pairs,
    candidate_probability,
    optimal_params,
    s_curve_threshold,
)
from notelab.similarity.minhash import MinHasher, estimate_jaccard
from notelab.similarity.shingle import UNITS, exact_jaccard, shingles, tokens

__all__ = [
    "DEFAULT_WEIGHTS",
    "KEEP_RULES",
    "UNITS",
    "VERIFY_MODES",
    "Corpus",
    "DedupResult",
    "DedupStats",
    "Deduplicator",
    "LshParams",
    "Match",
    "MinHashIndex",
    "MinHasher",
    "ReadOptions",
    "candidate_pairs",
    "candidate_probability",
    "components",
    "estimate_jaccard",
    "exact_jaccard",
    "optimal_params",
    "read_corpus",
    "representatives",
    "s_curve_threshold",
    "shingles",
    "tokens",
]
