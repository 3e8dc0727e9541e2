import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notelab._util import InputError
from notelab.similarity import exact_jaccard, shingles, tokens
from notelab.similarity.shingle import _shingle_hash_sets

texts = st.text(alphabet=st.sampled_from("ab cdé.\nÀ\t1_-"), max_size=40)


def test_normalisation_nfc_and_lower():
    assert tokens("Cafe\u0301 CAFÉ") == ["café", "café"]
    assert tokens("snake_case, x-y") == ["snake_case", "x", "y"]


def test_short_document_is_one_shingle_and_empty_is_empty():
    assert shingles("one two", ngram=5) == {("one", "two")}
    assert shingles("  ,,, ", ngram=5) == set()
    assert exact_jaccard("", "") == 0.0


def test_char_unit_collapses_whitespace():
    assert shingles("ab  \n c", ngram=3, unit="char") == {"ab ", "b c"}


@settings(max_examples=200, deadline=None)
@given(texts, st.integers(1, 4), st.sampled_from(["word", "char"]))
def test_hashed_sets_have_the_reference_size(text, ngram, unit):
    values, offsets = _shingle_hash_sets([text], ngram, unit)
    assert offsets[-1] == len(shingles(text, ngram, unit))
    assert np.all(np.diff(values) > 0)


@settings(max_examples=200, deadline=None)
@given(texts, texts, st.integers(1, 3), st.sampled_from(["word", "char"]))
def test_hashed_jaccard_equals_exact(a, b, ngram, unit):
    values, offsets = _shingle_hash_sets([a, b], ngram, unit)
    x, y = set(values[offsets[0] : offsets[1]]), set(values[offsets[1] : offsets[2]])
    hashed = len(x & y) / len(x | y) if x and y else 0.0
    assert hashed == pytest.approx(exact_jaccard(a, b, ngram, unit))


@pytest.mark.parametrize(("ngram", "unit"), [(0, "word"), (-1, "word"), (2.5, "word"), (3, "line")])
def test_bad_parameters(ngram, unit):
    with pytest.raises(InputError):
        shingles("x", ngram, unit)
