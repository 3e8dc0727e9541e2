"""Notes 8 and 9: shingling, MinHash, banded LSH, near-duplicate detection, a Dask engine."""

from notelab.similarity.clusters import KEEP_RULES, components, representatives
from notelab.similarity.compare import Comparison, compare, looks_like_path, text_of
from notelab.similarity.corpus import ID_POLICIES, Corpus, ReadOptions, read_corpus
from notelab.similarity.dedup import VERIFY_MODES, Deduplicator, DedupResult, DedupStats
from notelab.similarity.index import Added, Match, MinHashIndex
from notelab.similarity.lsh import (
    DEFAULT_WEIGHTS,
    LshParams,
    candidate_pairs,
    candidate_probability,
    error_areas,
    optimal_params,
    s_curve_threshold,
)
from notelab.similarity.minhash import MinHasher, estimate_jaccard
from notelab.similarity.options import DEFAULTS, DedupOptions
from notelab.similarity.pipeline import (
    DedupOutputs,
    DedupReport,
    add_to_index,
    build_index,
    dedup_files,
    query_index,
)
from notelab.similarity.samples import pair_with_jaccard, stdlib_texts, with_edited_copies
from notelab.similarity.shingle import UNITS, exact_jaccard, shingles, tokens
from notelab.similarity.sketch import Sketch
from notelab.similarity.timing import PhaseTimer

__all__ = [
    "DEFAULTS",
    "DEFAULT_WEIGHTS",
    "ID_POLICIES",
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
    "PhaseTimer",
    "ReadOptions",
    "Sketch",
    "add_to_index",
    "build_index",
    "candidate_pairs",
    "candidate_probability",
    "compare",
    "components",
    "dedup_files",
    "error_areas",
    "estimate_jaccard",
    "exact_jaccard",
    "looks_like_path",
    "optimal_params",
    "pair_with_jaccard",
    "query_index",
    "read_corpus",
    "representatives",
    "s_curve_threshold",
    "shingles",
    "stdlib_texts",
    "text_of",
    "tokens",
    "with_edited_copies",
]
