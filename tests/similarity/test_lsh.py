import itertools

import numpy as np
import pytest

from notelab._util import InputError
from notelab.similarity import candidate_pairs, candidate_probability, optimal_params
from notelab.similarity.lsh import _areas


def test_optimal_params_is_the_brute_force_minimum():
    threshold, num_perm, weights = 0.7, 24, (0.3, 0.7)
    chosen = optimal_params(threshold, num_perm, weights)
    costs = {
        (b, r): weights[0] * _areas(threshold, b, r)[0] + weights[1] * _areas(threshold, b, r)[1]
        for b in range(1, num_perm + 1)
        for r in range(1, num_perm // b + 1)
    }
    assert (chosen.bands, chosen.rows) == min(costs, key=costs.get)


@pytest.mark.parametrize("threshold", [0.5, 0.8])
def test_default_weights_favour_recall(threshold):
    p = optimal_params(threshold, 128)
    assert p.bands * p.rows <= 128
    assert candidate_probability(threshold, p.bands, p.rows) > 0.97


def test_candidate_pairs_equal_brute_force_band_match():
    rng = np.random.default_rng(0)
    sig = rng.integers(0, 4, size=(40, 12)).astype(np.uint32)
    nonempty = np.ones(40, bool)
    nonempty[5] = False
    found = {tuple(p) for p in candidate_pairs(sig, 4, 3, nonempty)}
    expected = {
        (i, j)
        for i, j in itertools.combinations(range(40), 2)
        if nonempty[i]
        and nonempty[j]
        and any(
            np.array_equal(sig[i, b * 3 : b * 3 + 3], sig[j, b * 3 : b * 3 + 3]) for b in range(4)
        )
    }
    assert found == expected


def test_bad_threshold_and_banding():
    with pytest.raises(InputError, match="threshold"):
        optimal_params(1.0, 128)
    with pytest.raises(InputError, match="bands"):
        candidate_pairs(np.zeros((2, 8), np.uint32), 3, 3, np.ones(2, bool))
