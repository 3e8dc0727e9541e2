import pytest
from hypothesis import given
from hypothesis import strategies as st

from notelab.text import compare, sort_by_rule


@given(st.text(), st.text())
def test_verdict_is_pythons(a, b):
    result = compare(a, b)
    expected = "<" if a < b else (">" if a > b else "==")
    assert result.verdict == expected
    if result.index is not None:
        assert a[: result.index] == b[: result.index]
        assert a[result.index] != b[result.index]
        assert (ord(result.char_a) < ord(result.char_b)) == (result.verdict == "<")
    else:
        assert result.prefix_rule == (a != b)
        assert a.startswith(b) or b.startswith(a)


@given(st.lists(st.text(max_size=6), max_size=20))
def test_sort_by_rule_is_pythons_sort(words):
    assert sort_by_rule(words) == sorted(words)


@pytest.mark.parametrize(
    ("a", "b", "verdict", "index"),
    [
        ("Apple", "apple", "<", 0),
        ("10", "9", "<", 0),
        ("abc", "abcd", "<", None),
        ("same", "same", "==", None),
        ("b", "a", ">", 0),
    ],
)
def test_note_examples(a, b, verdict, index):
    result = compare(a, b)
    assert (result.verdict, result.index) == (verdict, index)


def test_explanations_name_codes_and_prefix():
    assert "'A' (65) < 'a' (97)" in compare("Apple", "apple").explanation
    assert "prefix" in compare("abcd", "abc").explanation
    assert compare("café", "cafe").non_ascii == ["é"]
