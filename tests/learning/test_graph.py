"""Neighbours and graphs against brute force (scipy) and scikit-learn."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist
from sklearn.neighbors import kneighbors_graph

from notelab.learning import graph
from notelab.learning.graph import knn_graph, nearest, shifted_copies


def _brute(fitted, queries, k, exclude_self):
    d = cdist(queries, fitted)
    if exclude_self:
        np.fill_diagonal(d, np.inf)
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(d, order, 1), order


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(5, 60),
    d=st.sampled_from([2, 20]),
    k=st.integers(1, 4),
    chunk=st.sampled_from([7, 100, 4_000_000]),
    seed=st.integers(0, 10_000),
)
def test_nearest_is_brute_force(n, d, k, chunk, seed):
    X = np.random.default_rng(seed).normal(size=(n, d))
    found = nearest(X, X, k, exclude_self=True, chunk_cells=chunk)
    distances, _ = _brute(X, X, k, True)
    np.testing.assert_allclose(found.distances, distances, atol=1e-9)
    # indices may differ only between rows at the same distance
    np.testing.assert_allclose(
        np.linalg.norm(X[found.indices] - X[:, None, :], axis=2), distances, atol=1e-9
    )
    assert not (found.indices == np.arange(n)[:, None]).any()


def test_tree_and_brute_force_agree(monkeypatch):
    X = np.random.default_rng(0).normal(size=(300, 2))
    tree = nearest(X, X, 5, exclude_self=True)
    monkeypatch.setattr(graph, "TREE_DIMENSIONS", 0)
    brute = nearest(X, X, 5, exclude_self=True)
    np.testing.assert_allclose(tree.distances, brute.distances, atol=1e-12)
    assert np.array_equal(tree.indices, brute.indices)


def test_shift_distance_is_the_smallest_over_shifts():
    rng = np.random.default_rng(1)
    fitted, queries = rng.random((40, 16)), rng.random((9, 16))
    found = nearest(fitted, queries, 3, image_shape=(4, 4), max_shift=1)
    every = np.min([cdist(c, fitted) for c in shifted_copies(queries, (4, 4), 1)], axis=0)
    expected = np.sort(every, axis=1)[:, :3]
    np.testing.assert_allclose(found.distances, expected, atol=1e-9)


def test_shifted_copies_move_pixels():
    image = np.zeros((1, 9))
    image[0, 4] = 1.0  # the centre of a 3x3 image
    copies = shifted_copies(image, (3, 3), 1)
    assert len(copies) == 9
    assert sorted(int(np.argmax(c)) for c in copies) == list(range(9))


def test_knn_connectivity_matches_scikit_learn_symmetrised():
    X = np.random.default_rng(2).normal(size=(80, 20))
    ours, _ = knn_graph(X, n_neighbors=6, kernel="knn")
    theirs = kneighbors_graph(X, 6, mode="connectivity", include_self=False)
    theirs = theirs.maximum(theirs.T)
    assert (ours != theirs).nnz == 0
    assert ours.diagonal().sum() == 0


def test_rbf_weights():
    X = np.random.default_rng(3).normal(size=(50, 3))
    W, scale = knn_graph(X, n_neighbors=4, kernel="rbf", gamma=0.5)
    rows, cols = W.nonzero()
    d2 = ((X[rows] - X[cols]) ** 2).sum(axis=1)
    np.testing.assert_allclose(W[rows, cols].A1, np.exp(-0.5 * d2))
    local, _ = knn_graph(X, n_neighbors=4, kernel="rbf", gamma="local")
    rows, cols = local.nonzero()
    expected = np.exp(-((X[rows] - X[cols]) ** 2).sum(axis=1) / (scale[rows] * scale[cols]))
    np.testing.assert_allclose(local[rows, cols].A1, expected)
    assert (W != W.T).nnz == 0


def test_hundred_thousand_rows_stay_sparse():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(100_000, 2))
    W, _ = knn_graph(X, n_neighbors=7)
    assert W.shape == (100_000, 100_000)
    assert 7 * 100_000 <= W.nnz <= 14 * 100_000


@pytest.mark.parametrize("exclude", [True, False])
def test_duplicates_never_pair_a_row_with_itself(exclude):
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 5, axis=0)
    found = nearest(X, X, 3, exclude_self=exclude)
    if exclude:
        assert not (found.indices == np.arange(10)[:, None]).any()
    assert (found.distances[:, 0] == 0).all()
