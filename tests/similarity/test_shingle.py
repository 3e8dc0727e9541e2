import importlib
import subprocess
import sys
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notelab._util import InputError
from notelab.similarity import exact_jaccard, shingles, tokens
from notelab.similarity.shingle import _character_tables, _encode, _shingle_hash_sets

texts = st.text(alphabet=st.sampled_from("ab cdé.\nÀ\t1_-ΣΑİ\u0307"), max_size=40)


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


def test_lower_case_table_is_str_lower_of_each_character():
    tables = _character_tables()
    for c in [*range(0x250), 0x130, 0x3A3, 0x1E9E, 0x10400, 0x1F600, 0xD800, sys.maxunicode]:
        lowered = chr(c).lower()
        assert tables.lower[c] == (ord(lowered) if len(lowered) == 1 else c), hex(c)
    assert set(tables.context) == {"\u0130", "\u03a3"}  # lower case longer, or by context


@pytest.mark.parametrize(
    "text", ["ΟΔΟΣ ΣΑΣ", "ΑΣ.Σ", "İstanbul İİ", "CAFÉ ǅ ẞ Ω", "Σ", "x" * 300 + " ΜΑΣ"]
)
def test_kernels_lower_the_case_as_str_lower(text):
    """Texts the kernels lower themselves, and texts lowered first (final sigma, İ)."""
    values, offsets = _shingle_hash_sets([text, unicodedata.normalize("NFC", text).lower()], 2)
    assert np.array_equal(values[offsets[0] : offsets[1]], values[offsets[1] : offsets[2]])
    assert offsets[1] == len(shingles(text, 2))


@pytest.mark.parametrize("kernels", ["_text_kernels", "_numpy_kernels"])
def test_same_sets_however_the_documents_are_cut_among_threads_or_appended(kernels):
    shingle_sets = importlib.import_module(f"notelab.similarity.{kernels}").shingle_sets
    texts = ["a b c " * n + "Ω" * (n % 3) for n in range(40)] + ["", "x" * 5000]
    codes, offsets = _encode(texts, _character_tables().context)
    size = len(codes) + len(texts) + 1
    before = np.arange(7, dtype=np.uint64)
    results = [
        shingle_sets(
            codes, offsets, 3, True, *_character_tables()[:3],
            np.empty(size, np.uint64), np.empty(size, np.uint64), np.empty(size, np.int64),
            runs, out, filled, reserve,
        )
        for runs, out, filled, reserve in [
            (1, np.empty(0, np.uint64), 0, 0), (2, before, 7, 0), (3, before, 5, 10**4),
            (7, np.empty(10**5, np.uint64), 0, 0), (100, before, 0, 3),
        ]
    ]  # fmt: skip
    values, sizes = results[0]
    assert len(values) == sizes[-1] and np.array_equal(before, np.arange(7))  # not written
    assert np.diff(sizes)[-2:].tolist() == [0, 1]  # "": no shingle; "x" * 5000: one
    for (out, appended), filled in zip(results[1:], [7, 5, 0, 0], strict=True):
        assert np.array_equal(out[filled : filled + len(values)], values)
        assert np.array_equal(out[:filled], np.arange(filled))
        assert np.array_equal(appended, sizes)
    assert len(results[2][0]) >= 10**4  # grown to the reserve asked for


def test_loading_the_compiled_kernels_does_not_import_scipy_linalg():
    code = (
        "import sys; from notelab.similarity.shingle import _shingle_hash_sets;"
        "from notelab.similarity._kernels import kernels; kernels('text', 10**9);"
        "v, o = _shingle_hash_sets(['a b c'] * 3); print(o[-1], 'scipy.linalg' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["3", "False"]
