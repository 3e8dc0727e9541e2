import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from notelab.nn.seq import Compounding, compounding, edit_distance, evaluate
from tests.nn.seq.conftest import ids


def test_hand_example(bigram):
    # bigram: <bos> -> A, A -> B, B -> <eos>. Target "A C" (+ <eos>):
    #   teacher forced inputs <bos> A C -> predictions A B <eos>?  no: C -> C
    #   so predictions A B C against truth A C <eos>: 1 of 3 right
    #   free running: <bos> -> A -> B -> <eos>: A B <eos> against A C <eos>: 2 of 3 right
    m = evaluate(bigram, [([3], ids("A", "C"))])
    assert (m.examples, m.tokens) == (1, 3)
    assert m.teacher_forced_accuracy == pytest.approx(1 / 3)
    assert m.free_running_accuracy == pytest.approx(2 / 3)
    assert m.exposure_bias_gap == pytest.approx(-1 / 3)
    assert m.exact_match == 0.0
    assert m.edit_distance == 1.0  # "A B" against "A C"
    assert m.position_accuracy_teacher == [1.0, 0.0, 0.0]
    assert m.position_accuracy_free == [1.0, 0.0, 1.0]
    assert m.position_counts == [1, 1, 1]
    # free running: error at position 2 only; position 3 follows an error and is right
    assert m.compounding_free == Compounding(0, 1, 1, 2)
    assert m.compounding_teacher == Compounding(1, 1, 1, 2)


def test_exact_match_and_lengths(bigram):
    pairs = [([3], ids("A", "B")), ([3], ids("A")), ([3], ids("A", "B", "C"))]
    m = evaluate(bigram, pairs)
    # free running always outputs "A B": exact for the first, too long / too short otherwise
    assert m.exact_match == pytest.approx(1 / 3)
    assert m.edit_distance == pytest.approx((0 + 1 + 1) / 3)
    assert m.position_counts == [3, 3, 2, 1]
    # fed the truth, 3 of 9 tokens are wrong (logit 10 on another of the 8 tokens)
    wrong, right = np.log(np.exp(10) + 7), np.log(1 + 7 * np.exp(-10))
    assert m.teacher_forced_loss == pytest.approx((3 * wrong + 6 * right) / 9, rel=1e-5)
    assert m.teacher_forced_accuracy == pytest.approx(6 / 9)


def test_compounding_by_hand():
    errors = np.array([[False, True, False, True], [False, False, False, True]])
    mask = np.array([[True, True, True, True], [True, True, True, False]])
    c = compounding(errors, mask)
    # row 1: steps 3, 4 follow an error (1 error); steps 1, 2 do not (1 error)
    # row 2: steps 1-3 have no error before (0 errors); step 4 is padding
    assert c == Compounding(1, 2, 1, 5)
    assert c.rate_after_error == 0.5 and c.rate_without_error == 0.2
    assert np.isnan(Compounding(0, 0, 0, 1).rate_after_error)


def _reference_distance(a, b):
    @functools.cache
    def d(i, j):
        if i == 0 or j == 0:
            return i + j
        return min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] != b[j - 1]))

    return d(len(a), len(b))


@given(st.text("abc", max_size=8), st.text("abc", max_size=8))
def test_edit_distance_matches_the_recursive_definition(a, b):
    assert edit_distance(a, b) == _reference_distance(a, b)
    assert edit_distance(a, b) == edit_distance(b, a)


def test_evaluate_needs_examples(bigram):
    from notelab._util import InputError

    with pytest.raises(InputError):
        evaluate(bigram, [])
