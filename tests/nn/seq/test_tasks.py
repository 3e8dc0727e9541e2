import pytest
from hypothesis import given
from hypothesis import strategies as st

from notelab._util import InputError
from notelab.nn.seq import TASKS, generate_pairs, parse_pairs, spell_number, task_split, task_target
from notelab.nn.seq.vocab import Vocabulary, detokenize, tokenize


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (20, "twenty"),
        (21, "twenty one"),
        (100, "one hundred"),
        (115, "one hundred fifteen"),
        (4021, "four thousand twenty one"),
        (90_000, "ninety thousand"),
        (1_000_000, "one million"),
        (999_999, "nine hundred ninety nine thousand nine hundred ninety nine"),
        (2_000_300_001, "two billion three hundred thousand one"),
    ],
)
def test_spell_number_by_hand(number, words):
    assert " ".join(spell_number(number)) == words


@given(st.integers(1, 10**12 - 1))
def test_spelled_numbers_have_no_zero_and_known_words(number):
    words = spell_number(number)
    assert "zero" not in words and all(w.isalpha() for w in words)


def test_targets_by_hand():
    assert task_target("copy", list("ABC")) == list("ABC")
    assert task_target("reverse", list("ABC")) == list("CBA")
    assert task_target("sort", list("CAB")) == list("ABC")
    assert task_target("add", list("999+1")) == list("1000")
    assert task_target("spell", list("4021")) == "four thousand twenty one".split()
    with pytest.raises(InputError, match="a sum like"):
        task_target("add", list("12-3"))
    with pytest.raises(InputError, match="a task from"):
        task_target("divide", ["1"])


@pytest.mark.parametrize("task", sorted(TASKS))
def test_generated_pairs_are_distinct_correct_and_split(task):
    fit, held = task_split(task, 200, 50, seed=3, min_length=3, max_length=8)
    assert len(fit) == 200 and len(held) == 50
    sources = [tuple(s) for s, _ in fit + held]
    assert len(set(sources)) == len(sources)
    assert all(task_target(task, s) == t for s, t in fit + held)
    if task in ("copy", "reverse", "sort"):
        assert all(3 <= len(s) <= 8 for s, _ in fit)
    assert generate_pairs(task, 5, seed=3) == generate_pairs(task, 5, seed=3)


def test_bad_lengths():
    with pytest.raises(InputError):
        generate_pairs("copy", 5, min_length=5, max_length=2)
    with pytest.raises(InputError, match="symbols"):
        generate_pairs("copy", 5, symbols=40)


def test_pairs_from_tsv():
    assert parse_pairs("ab\tba\n\ncd\tdc") == [(["a", "b"], ["b", "a"]), (["c", "d"], ["d", "c"])]
    assert parse_pairs("the cat\tle chat\n", "word") == [(["the", "cat"], ["le", "chat"])]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ab\tba\nno tab here\n", "line 2"),
        ("ab\t\n", "a non-empty target"),
        ("\tba\n", "a non-empty source"),
        ("a\tb\tc\n", "exactly one tab"),
        ("\n\n", "at least one"),
    ],
)
def test_bad_tsv(text, message):
    with pytest.raises(InputError, match=message):
        parse_pairs(text, name="pairs.tsv")


def test_vocabulary_and_unknown_tokens():
    vocab = Vocabulary.build([["b", "a"], ["c"]])
    assert vocab.tokens[:5] == ("<pad>", "<bos>", "<eos>", "<sep>", "<unk>")
    assert vocab.decode([*vocab.encode(["a", "c"]), vocab.eos, 7]) == ["a", "c"]
    with pytest.raises(InputError, match="1 unseen: 'z'"):
        vocab.encode(["a", "z", "z"])
    assert vocab.encode(["a", "z"], unknown="map") == [5, vocab.unk]
    with pytest.raises(InputError):
        vocab.encode(["a"], unknown="ignore")


@given(st.text(alphabet="ab c", max_size=12))
def test_char_tokens_round_trip(text):
    assert detokenize(tokenize(text, "char"), "char") == text
    assert detokenize(tokenize(text, "word"), "word") == " ".join(text.split())
