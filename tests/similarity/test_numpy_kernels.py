"""The numpy kernels (small inputs, no numba) against the compiled ones: identical results.

Each kernel set is chosen with ``NOTELAB_KERNELS``; every array a run makes (shingle sets,
signatures, band keys, candidate and verified pairs, similarities, components, kept
documents) must be equal, bit for bit, on random texts of every kind of character.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notelab.similarity import Deduplicator, components
from notelab.similarity._kernels import COMPILED_FROM, kernels
from notelab.similarity.lsh import candidate_pairs

_PIECES = st.sampled_from(
    ["a", "B", "zz", " ", "\t", "\n", "\u2028", "\xa0", "é", "E\u0301", "İ", "ǅ", "ß", "😀",
     "_", "1", "-", ",", "Ω", "ﬁ", "\u3000", "字", "\x0b", "Σ", "ΑΣ", "ς"]
)  # fmt: skip
_TEXT = st.one_of(st.lists(_PIECES, max_size=40).map("".join), st.text(max_size=60))
_CORPUS = st.lists(_TEXT, min_size=1, max_size=12).map(lambda t: t + t[: len(t) // 2])


def _everything(texts, unit, ngram, verify, monkeypatch, which):
    monkeypatch.setenv("NOTELAB_KERNELS", which)
    dedup = Deduplicator(threshold=0.3, num_perm=32, ngram=ngram, unit=unit, verify=verify)
    sketch = dedup.hasher.sketch(texts)
    result = dedup.finish(sketch)
    keys = kernels("band", 0).band_keys(sketch.signatures, dedup.bands, dedup.rows, sketch.nonempty)
    candidates = candidate_pairs(sketch.signatures, dedup.bands, dedup.rows, sketch.nonempty)
    return {
        "values": sketch.values,
        "offsets": sketch.offsets,
        "signatures": sketch.signatures,
        "keys": keys,
        "candidates": candidates,
        "pairs": result.pairs,
        "similarity": result.jaccard,
        "labels": result.labels,
        "kept_as": result.kept_as,
    }


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    texts=_CORPUS,
    unit=st.sampled_from(["word", "char"]),
    ngram=st.integers(1, 5),
    verify=st.sampled_from(["exact", "signature"]),
)
def test_numpy_kernels_give_what_the_compiled_ones_give(texts, unit, ngram, verify, monkeypatch):
    compiled = _everything(texts, unit, ngram, verify, monkeypatch, "numba")
    numpy = _everything(texts, unit, ngram, verify, monkeypatch, "numpy")
    for name, value in compiled.items():
        assert value.dtype == numpy[name].dtype, name
        assert np.array_equal(value, numpy[name]), name


def test_numpy_kernels_on_the_planted_corpus(corpus, monkeypatch):
    args = (corpus, "word", 3, "exact", monkeypatch)
    compiled, numpy = _everything(*args, "numba"), _everything(*args, "numpy")
    assert len(compiled["pairs"]) > 20  # the corpus has near-duplicates to find
    for name, value in compiled.items():
        assert np.array_equal(value, numpy[name]), name


@given(edges=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=40))
def test_components_agree(edges):
    pairs = np.array(edges, np.int64).reshape(-1, 2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NOTELAB_KERNELS", "numpy")
        numpy = components(30, pairs)
        patch.setenv("NOTELAB_KERNELS", "numba")
        assert np.array_equal(numpy, components(30, pairs))


def test_small_work_runs_without_numba_and_large_work_compiled(monkeypatch):
    monkeypatch.setenv("NOTELAB_KERNELS", "auto")
    monkeypatch.setattr("notelab.similarity._kernels._numba_loaded", lambda: False)
    assert kernels("text", COMPILED_FROM - 1).__name__.endswith("_numpy_kernels")
    assert kernels("text", COMPILED_FROM).__name__.endswith("_text_kernels")
