"""Notes 8 and 9: shingling, MinHash, banded LSH, near-duplicate detection, a Dask engine."""

from notelab.similarity.clusters import KEEP_RULES, components, representatives
from notelab.similarity.compare import Comparison, compare
from notelab.similarity.corpus import Corpus, ReadOptions, read_corpus
from notelab.similarity.dedup import VERIFY_MODES, Deduplicator, DedupResult, DedupStats
from notelab.similarity.index import Added, Match, MinHashIndex
from notelab.similarity.lsh import (
    DEFAULT_WEIGHTS,
    LshParams,
    candidate_pairs,
    candidate_probability,
    optimal_params,
    s_curve_threshold,
)
from notelab.similarity.minhash import MinHasher, estimate_jaccard
from notelab.similarity.options import DedupOptions
from notelab.similarity.pipeline import (
    DedupOutputs,
    DedupReport,
    add_to_index,
    build_index,
    dedup_files,
    query_index,
)
from notelab.similarity.shingle import UNITS, exact_jaccard, shingles, tokens

__all__ = [
    "DEFAULT_WEIGHTS",
    "KEEP_RULES",
    "UNITS",
    "VERIFY_MODES",
    "Added",
    "Comparison",
    "Corpus",
    "DedupOptions",
    "DedupOutputs",
    "DedupReport",
    "DedupResult",
    "DedupStats",
    "Deduplicator",
    "LshParams",
    "Match",
    "MinHashIndex",
    "MinHasher",
    "ReadOptions",
    "add_to_index",
    "build_index",
    "candidate_pairs",
    "candidate_probability",
    "compare",
    "components",
    "dedup_files",
    "estimate_jaccard",
    "exact_jaccard",
    "optimal_params",
    "query_index",
    "read_corpus",
    "representatives",
    "s_curve_threshold",
    "shingles",
    "tokens",
]
