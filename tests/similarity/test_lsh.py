import itertools

import numpy as np
import pytest
from scipy import integrate

from notelab._util import InputError
from notelab.similarity import candidate_pairs, candidate_probability, lsh, optimal_params
from notelab.similarity.lsh import error_areas


def quad_areas(threshold, bands, rows):
    """The areas as the first implementation computed them (adaptive quadrature)."""
    fp = integrate.quad(lambda s: candidate_probability(s, bands, rows), 0.0, threshold)[0]
    fn = integrate.quad(lambda s: 1 - candidate_probability(s, bands, rows), threshold, 1.0)[0]
    return fp, fn


def scan_params(threshold, num_perm, weights):
    """The first implementation's choice: every (b, r) in order, the first strict minimum."""
    best, best_cost = None, np.inf
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            fp, fn = quad_areas(threshold, bands, rows)
            cost = weights[0] * fp + weights[1] * fn
            if cost < best_cost:
                best_cost, best = cost, (bands, rows)
    return best


@pytest.mark.parametrize(
    ("num_perm", "threshold", "weights"),
    [
        (n, t, w)
        for n in (1, 2, 3, 8, 24, 64)
        for t in (0.3, 0.5, 0.8, 0.95)
        for w in ((0.02, 0.98), (0.5, 0.5), (0.9, 0.1))
    ]
    + [(128, t, (0.02, 0.98)) for t in (0.5, 0.8, 0.9)]
    + [(200, 0.7, (0.3, 0.7))],
)
def test_same_choice_as_the_full_scan(num_perm, threshold, weights):
    chosen = optimal_params(threshold, num_perm, weights)
    assert (chosen.bands, chosen.rows) == scan_params(threshold, num_perm, weights)


@pytest.mark.parametrize(
    ("threshold", "bands", "rows"),
    [(0.8, 17, 7), (0.5, 1, 1), (0.3, 300, 3), (0.9, 20, 40), (0.95, 2000, 30), (0.5, 64, 1)],
)
def test_areas_match_adaptive_quadrature(threshold, bands, rows):
    fp, fn = error_areas(threshold, bands, rows)
    assert (fp[0], fn[0]) == pytest.approx(quad_areas(threshold, bands, rows), abs=1e-10)


def test_areas_exact_where_quadrature_misses_the_step():
    # (1-s)^b for b = 65536 is a spike at 0 that adaptive quadrature does not see
    fp, fn = error_areas(0.5, 65536, 1)
    assert fp[0] == pytest.approx(0.5 - (1 - 0.5**65537) / 65537, abs=1e-15)
    assert fn[0] == pytest.approx(0.5**65537 / 65537, abs=1e-15)


def test_choosing_is_a_few_thousand_costs_up_to_65536(monkeypatch):
    evaluated = []
    real = lsh.error_areas

    def counting(threshold, bands, rows):
        evaluated.append(np.size(bands))
        return real(threshold, bands, rows)

    monkeypatch.setattr(lsh, "error_areas", counting)
    for num_perm in (1024, 20_000, 65_536):
        evaluated.clear()
        chosen = optimal_params(0.8, num_perm)
        assert chosen.bands * chosen.rows <= num_perm
        assert sum(evaluated) < 10_000, num_perm  # the full scan: ~ num_perm * ln(num_perm)


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


@pytest.mark.parametrize("threshold", [1.0, 0.0, -0.1, 2, float("nan"), float("inf")])
def test_bad_threshold(threshold):
    with pytest.raises(InputError, match="threshold"):
        optimal_params(threshold, 128)


def test_bad_banding():
    with pytest.raises(InputError, match="bands"):
        candidate_pairs(np.zeros((2, 8), np.uint32), 3, 3, np.ones(2, bool))
