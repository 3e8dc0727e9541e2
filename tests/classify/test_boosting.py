"""The compiled boosting grower against scikit-learn's: the same trees, node for node."""

import pickle
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.ensemble._hist_gradient_boosting import gradient_boosting as sklearn_boosting
from sklearn.ensemble._hist_gradient_boosting.grower import TreeGrower
from sklearn.utils._test_common.instance_generator import _get_expected_failed_checks
from sklearn.utils.estimator_checks import check_estimator
from threadpoolctl import threadpool_limits

from notelab.classify import _boosting_kernel as kernel
from notelab.classify.boosting import (
    CompiledGrower,
    CompiledHistGradientBoostingClassifier,
    _grower,
)


def assert_same_model(ours, theirs, X):
    assert ours.n_iter_ == theirs.n_iter_
    assert len(ours._predictors) == len(theirs._predictors)
    for mine, reference in zip(ours._predictors, theirs._predictors, strict=True):
        for a, b in zip(mine, reference, strict=True):
            assert a.nodes.shape == b.nodes.shape
            for field in a.nodes.dtype.names:
                assert np.array_equal(a.nodes[field], b.nodes[field]), field
    assert np.array_equal(ours.train_score_, theirs.train_score_)
    assert np.array_equal(ours.validation_score_, theirs.validation_score_)
    assert np.array_equal(ours.predict_proba(X), theirs.predict_proba(X))


def fit_both(X, y, sample_weight=None, **params):
    params.setdefault("random_state", 0)
    # one OpenMP thread: the trees do not depend on it (a test below), and several spin
    # badly on a busy machine
    with threadpool_limits(1):
        ours = CompiledHistGradientBoostingClassifier(**params).fit(X, y, sample_weight)
        theirs = HistGradientBoostingClassifier(**params).fit(X, y, sample_weight)
    return ours, theirs


def _ties(n=400, seed=0):
    """Integer features (many ties), a constant column and a duplicated column."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 5, size=(n, 6)).astype(float)
    X[:, 2] = 3.0
    X[:, 5] = X[:, 0]  # equal gains on two features: the first must win
    y = (X[:, 0] + X[:, 1] + rng.integers(0, 3, size=n) > 5).astype(int)
    return X, y


def _digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


DATA = {
    "iris": lambda: load_iris(return_X_y=True),
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "digits": _digits,
    "ties": _ties,
    "imbalanced": lambda: make_classification(
        2000, 12, n_informative=6, weights=[0.9, 0.1], random_state=3
    ),
}


@pytest.mark.parametrize("name", DATA)
def test_boosting_equals_sklearns(name):
    X, y = DATA[name]()
    ours, theirs = fit_both(X, y, max_iter=30)
    assert_same_model(ours, theirs, X)


@pytest.mark.parametrize(
    "params",
    [
        {"max_depth": 3, "learning_rate": 0.3},
        {"max_leaf_nodes": 7, "min_samples_leaf": 5, "l2_regularization": 1.0},
        {"max_leaf_nodes": None, "max_depth": 5},
        {"min_samples_leaf": 1, "max_leaf_nodes": 64},
        {"max_bins": 15},
        {"max_depth": 1},
        {"early_stopping": True, "n_iter_no_change": 3, "validation_fraction": 0.2},
        {"early_stopping": True, "scoring": "accuracy", "n_iter_no_change": 3},
        {"class_weight": "balanced"},
    ],
)
def test_boosting_settings_equal_sklearns(params):
    X, y = make_classification(1500, 10, n_informative=5, n_classes=3, random_state=1)
    ours, theirs = fit_both(X, y, max_iter=40, **params)
    assert_same_model(ours, theirs, X)


@pytest.mark.parametrize("l1_bytes", [0, 10**9])
@pytest.mark.parametrize("name", ["iris", "breast_cancer", "ties"])
def test_both_histogram_loop_orders_grow_sklearns_trees(name, l1_bytes, monkeypatch):
    # 0: every tree column by column; 10**9: every tree row by row
    monkeypatch.setattr("notelab.classify.boosting.L1_BYTES", l1_bytes)
    X, y = DATA[name]()
    ours, theirs = fit_both(X, y, max_iter=10)
    assert_same_model(ours, theirs, X)


def test_fractional_sample_weights_give_the_same_model():
    X, y = load_breast_cancer(return_X_y=True)
    weights = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    ours, theirs = fit_both(X, y, sample_weight=weights, max_iter=20)
    assert_same_model(ours, theirs, X)


def test_warm_start_adds_the_same_trees():
    X, y = load_iris(return_X_y=True)
    ours, theirs = fit_both(X, y, max_iter=5, warm_start=True)
    ours.set_params(max_iter=15).fit(X, y)
    theirs.set_params(max_iter=15).fit(X, y)
    assert_same_model(ours, theirs, X)


def test_threads_do_not_change_the_model():
    X, y = _digits()
    with threadpool_limits(1):
        one = CompiledHistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
    two = CompiledHistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
    theirs = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
    assert_same_model(one, theirs, X)
    assert_same_model(two, theirs, X)


@pytest.mark.parametrize(
    ("params", "change"),
    [
        ({"categorical_features": [0]}, None),
        ({}, "nan"),
        ({"monotonic_cst": [1, 0, 0, 0, 0, 0]}, None),
        ({"interaction_cst": [[0, 1], [2, 3, 4, 5]]}, None),
        ({"max_features": 0.5}, None),
    ],
)
def test_what_the_grower_does_not_cover_goes_to_sklearns(params, change):
    X, y = _ties()
    X[:, 0] = np.arange(len(y)) % 4  # a small categorical column
    if change == "nan":
        X[::7, 1] = np.nan
    ours, theirs = fit_both(X, y, max_iter=15, **params)
    assert_same_model(ours, theirs, X)


def _grower_arguments(**change):
    X = np.asfortranarray(np.random.default_rng(0).integers(0, 9, (60, 3)).astype(np.uint8))
    arguments = {
        "X_binned": X,
        "gradients": np.linspace(-1, 1, 60, dtype=np.float32),
        "hessians": np.full(60, 0.25, dtype=np.float32),
        "n_bins": 256,
        "n_bins_non_missing": np.full(3, 9, dtype=np.uint32),
        "has_missing_values": np.zeros(3, dtype=bool),
        "is_categorical": None,
        "monotonic_cst": None,
        "interaction_cst": None,
        "max_leaf_nodes": 31,
        "max_depth": None,
        "min_samples_leaf": 5,
        "l2_regularization": 0.0,
        "feature_fraction_per_split": 1.0,
        "rng": np.random.default_rng(0),
        "shrinkage": 0.1,
        "n_threads": 1,
    }
    return arguments | change


@pytest.mark.parametrize(
    "change",
    [
        {"hessians": np.ones(1, dtype=np.float32)},
        {"has_missing_values": np.array([False, True, False])},
        {"is_categorical": np.array([0, 0, 1], dtype=np.uint8)},
        {"monotonic_cst": np.array([0, -1, 0], dtype=np.int8)},
        {"interaction_cst": [{0}, {1, 2}]},
        {"feature_fraction_per_split": 0.5},
        {"min_gain_to_split": 0.1},  # an argument fit does not pass today
        {"max_leaf_nodes": None, "min_samples_leaf": 1, "n_bins_non_missing": np.full(3, 10**6)},
    ],
)
def test_growers_outside_the_covered_case_are_sklearns(change):
    assert isinstance(_grower(**_grower_arguments()), CompiledGrower)
    assert isinstance(_grower(**_grower_arguments(**change)), TreeGrower)


def test_large_histograms_on_several_threads_go_to_sklearns_grower():
    def arguments(n, levels, n_threads):
        X = np.random.default_rng(0).integers(0, levels, (n, 40)).astype(np.uint8)
        return _grower_arguments(
            X_binned=np.asfortranarray(X),
            gradients=np.linspace(-1, 1, n, dtype=np.float32),
            hessians=np.full(n, 0.25, dtype=np.float32),
            n_bins_non_missing=np.full(40, levels, dtype=np.uint32),
            n_threads=n_threads,
        )

    assert isinstance(_grower(**arguments(5000, 255, n_threads=2)), TreeGrower)
    assert isinstance(_grower(**arguments(5000, 255, n_threads=1)), CompiledGrower)
    assert isinstance(_grower(**arguments(5000, 6, n_threads=2)), CompiledGrower)
    assert isinstance(_grower(**arguments(30_000, 6, n_threads=2)), TreeGrower)
    assert isinstance(_grower(**arguments(100, 255, n_threads=2)), CompiledGrower)


def test_the_grower_alone_grows_sklearns_tree():
    arguments = _grower_arguments()
    ours, theirs = CompiledGrower(**arguments), TreeGrower(**arguments)
    ours.grow()
    theirs.grow()
    thresholds = [np.arange(9, dtype=float) + 0.5] * 3
    a, b = ours.make_predictor(thresholds).nodes, theirs.make_predictor(thresholds).nodes
    for field in a.dtype.names:
        assert np.array_equal(a[field], b[field]), field
    raw_ours, raw_theirs = np.zeros(60), np.zeros(60)
    ours.add_to(raw_ours)
    sklearn_boosting._update_raw_predictions(raw_theirs, theirs, 1)
    assert np.array_equal(raw_ours, raw_theirs)


def test_sklearns_module_is_left_alone_while_ours_fits():
    X, y = _digits()
    errors = []

    def stock():
        try:
            HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    thread = threading.Thread(target=stock)
    thread.start()
    CompiledHistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
    thread.join()
    assert not errors
    assert sklearn_boosting.TreeGrower is TreeGrower
    assert sklearn_boosting._update_raw_predictions.__module__.startswith("sklearn")


def test_pickled_model_predicts_the_same():
    X, y = load_iris(return_X_y=True)
    model = CompiledHistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(model))
    assert np.array_equal(again.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 127, 128, 129, 255, 256, 257, 1000, 4099])
def test_numpy_sum_is_numpys_pairwise_sum(n):
    rng = np.random.default_rng(n)
    values = rng.standard_normal(n) * 10.0 ** rng.integers(-6, 9, size=n)
    assert kernel.numpy_sum(values) == values.sum()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e12, 1e12, allow_nan=False), max_size=700))
def test_numpy_sum_matches_numpy_on_any_vector(values):
    array = np.array(values, dtype=np.float64)
    assert kernel.numpy_sum(array) == array.sum()


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(10, 250),
    p=st.integers(1, 6),
    levels=st.integers(2, 6),
    n_classes=st.integers(2, 3),
    max_leaf_nodes=st.sampled_from([None, 2, 3, 8, 31]),
    max_depth=st.sampled_from([None, 1, 2, 4]),
    min_samples_leaf=st.integers(1, 20),
    l2=st.sampled_from([0.0, 0.5]),
)
def test_any_integer_table_grows_sklearns_trees(
    seed, n, p, levels, n_classes, max_leaf_nodes, max_depth, min_samples_leaf, l2
):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, levels, size=(n, p)).astype(float)
    y = rng.integers(0, n_classes, size=n)
    y[:n_classes] = np.arange(n_classes)
    ours, theirs = fit_both(
        X, y, max_iter=8, max_leaf_nodes=max_leaf_nodes, max_depth=max_depth,
        min_samples_leaf=min_samples_leaf, l2_regularization=l2, early_stopping=False,
    )  # fmt: skip
    assert_same_model(ours, theirs, X)


def test_passes_sklearns_estimator_checks():
    expected = _get_expected_failed_checks(HistGradientBoostingClassifier())
    model = CompiledHistGradientBoostingClassifier(max_iter=10)
    check_estimator(model, expected_failed_checks=expected)
