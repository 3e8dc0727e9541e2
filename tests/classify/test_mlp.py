"""CompiledMLPClassifier against scikit-learn's MLPClassifier: same weights, same training."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

from notelab.classify.mlp import CompiledMLPClassifier

ATOL = 1e-10  # the sums run in another order; over hundreds of epochs they stay near 1e-15


def _data(name):
    loader = {"iris": load_iris, "bc": load_breast_cancer, "digits": load_digits}[name]
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _both(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = MLPClassifier(random_state=0, **params).fit(X, y)
        ours = CompiledMLPClassifier(random_state=0, **params).fit(X, y)
    return theirs, ours


def assert_same_training(theirs, ours):
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.t_ == theirs.t_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=0, atol=ATOL)
    assert ours.best_loss_ == pytest.approx(theirs.best_loss_, abs=ATOL)
    assert ours._no_improvement_count == theirs._no_improvement_count
    mine_all, reference_all = ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_
    for mine, reference in zip(mine_all, reference_all, strict=True):
        assert mine.shape == reference.shape and mine.dtype == reference.dtype
        np.testing.assert_allclose(mine, reference, rtol=0, atol=ATOL)


@pytest.mark.parametrize(
    "name, params",
    [
        ("bc", {"hidden_layer_sizes": (32,), "max_iter": 300}),  # binary, the default model
        ("digits", {"hidden_layer_sizes": (32,), "max_iter": 60}),  # ten classes, softmax
        ("iris", {"hidden_layer_sizes": (16, 8), "activation": "tanh", "max_iter": 80}),
        ("iris", {"activation": "logistic", "batch_size": 37, "alpha": 0.1, "max_iter": 40}),
        ("bc", {"activation": "identity", "shuffle": False, "max_iter": 30}),
        ("iris", {"learning_rate_init": 0.01, "beta_1": 0.8, "epsilon": 1e-6, "tol": 1e-2}),
    ],
)
def test_training_equals_sklearns(name, params):
    X, y = _data(name)
    theirs, ours = _both(X, y, **params)
    assert_same_training(theirs, ours)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-10)
    assert np.array_equal(ours.predict(X), theirs.predict(X))


def test_stopping_early_on_the_training_loss_stops_at_the_same_epoch():
    X, y = _data("iris")
    theirs, ours = _both(X, y, tol=1e-2, max_iter=500)
    assert theirs.n_iter_ < 500  # the rule fired, not the cap
    assert_same_training(theirs, ours)


def test_multilabel_targets():
    X, Y = make_multilabel_classification(120, 6, n_classes=3, random_state=0)
    theirs, ours = _both(X, Y, hidden_layer_sizes=(10,), max_iter=50)
    assert_same_training(theirs, ours)


def test_the_cap_warns_as_sklearn_does():
    X, y = _data("iris")
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(5\\)"):
        CompiledMLPClassifier(max_iter=5, random_state=0).fit(X, y)


def test_adam_state_carries_into_partial_fit():
    X, y = _data("iris")
    theirs, ours = _both(X, y, max_iter=20)
    assert ours._optimizer.t == theirs._optimizer.t
    moments = ours._optimizer.ms + ours._optimizer.vs
    for mine, reference in zip(moments, theirs._optimizer.ms + theirs._optimizer.vs, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=0, atol=ATOL)
    theirs.partial_fit(X, y)
    ours.partial_fit(X, y)  # scikit-learn's own loop, from the compiled loop's state
    assert_same_training(theirs, ours)


def test_warm_start_continues_from_the_fitted_weights():
    X, y = _data("iris")
    theirs, ours = _both(X, y, max_iter=15, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
        ours.fit(X, y)
    assert_same_training(theirs, ours)


@pytest.mark.parametrize(
    "params, X_dtype",
    [
        ({"solver": "sgd"}, np.float64),
        ({"solver": "lbfgs"}, np.float64),
        ({"early_stopping": True}, np.float64),
        ({}, np.float32),
    ],
    ids=["sgd", "lbfgs", "early_stopping", "float32"],
)
def test_settings_outside_the_compiled_loop_train_as_sklearn(params, X_dtype):
    X, y = _data("iris")
    theirs, ours = _both(X.astype(X_dtype), y, max_iter=30, **params)
    for mine, reference in zip(ours.coefs_, theirs.coefs_, strict=True):
        assert np.array_equal(mine, reference)  # the same code ran: bit for bit


def test_sample_weights_go_to_sklearns_loop():
    X, y = _data("iris")
    weights = np.linspace(0.5, 2.0, len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = MLPClassifier(max_iter=20, random_state=0).fit(X, y, sample_weight=weights)
        ours = CompiledMLPClassifier(max_iter=20, random_state=0).fit(X, y, sample_weight=weights)
    assert np.array_equal(ours.coefs_[0], theirs.coefs_[0])


def test_is_an_mlp_classifier_with_its_parameters():
    model = CompiledMLPClassifier(hidden_layer_sizes=(7,), alpha=0.5)
    assert isinstance(model, MLPClassifier)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert MLPClassifier(**model.get_params()).get_params() == model.get_params()


@settings(max_examples=25, deadline=None)
@given(
    n_rows=st.integers(3, 90),
    n_features=st.integers(1, 6),
    n_classes=st.integers(2, 4),
    hidden=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    batch=st.one_of(st.just("auto"), st.integers(1, 40)),
    seed=st.integers(0, 2**16),
)
def test_any_shape_trains_as_sklearn(n_rows, n_features, n_classes, hidden, batch, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_features))
    y = np.arange(n_rows) % n_classes  # every class present
    rng.shuffle(y)
    params = {"hidden_layer_sizes": tuple(hidden), "max_iter": 15, "random_state": seed}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cap, and a batch larger than the rows
        theirs = MLPClassifier(batch_size=batch, **params).fit(X, y)
        ours = CompiledMLPClassifier(batch_size=batch, **params).fit(X, y)
    assert_same_training(theirs, ours)


def test_passes_sklearns_estimator_checks():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_estimator(CompiledMLPClassifier(random_state=0))
