import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture as SklearnGM
from sklearn.utils.estimator_checks import check_estimator

from notelab._util import InputError
from notelab.mixture import COVARIANCE_TYPES, CollapseWarning, GaussianMixture
from tests.mixture.conftest import same_start, synthetic

DATASETS = {
    "iris": load_iris().data,
    "wine": load_wine().data,
    "breast_cancer": load_breast_cancer().data,
    "digits": load_digits().data[:600],
}


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("name", [*DATASETS, "synthetic"])
def test_same_log_likelihood_as_sklearn_at_every_iteration(name, covariance_type):
    X = DATASETS.get(name, synthetic())
    params = same_start(X, 3, covariance_type)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = GaussianMixture(3, **params).fit(X)
        theirs = SklearnGM(3, **params).fit(X)
    assert len(ours.lower_bounds_) == len(theirs.lower_bounds_)
    np.testing.assert_allclose(ours.lower_bounds_, theirs.lower_bounds_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.means_, theirs.means_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-5)
    assert ours.score(X) == pytest.approx(theirs.score(X), abs=1e-6)
    assert ours.bic(X) == pytest.approx(theirs.bic(X), rel=1e-8)
    assert ours.aic(X) == pytest.approx(theirs.aic(X), rel=1e-8)


@pytest.mark.parametrize("init_params", ["kmeans", "k-means++", "random", "random_from_data"])
def test_same_fit_as_sklearn_from_the_same_random_state(init_params):
    X = load_iris().data
    ours = GaussianMixture(3, init_params=init_params, random_state=1, n_init=2).fit(X)
    theirs = SklearnGM(3, init_params=init_params, random_state=1, n_init=2).fit(X)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.lower_bound_ == pytest.approx(theirs.lower_bound_, abs=1e-8)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_log_likelihood_never_decreases(covariance_type):
    X = synthetic(3000, 4, 4, seed=3)
    model = GaussianMixture(
        4,
        covariance_type=covariance_type,
        init_params="random",
        random_state=0,
        tol=0.0,
        max_iter=60,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    history = np.array(model.lower_bounds_)
    assert np.all(np.diff(history) >= -1e-10)


def test_one_dimensional_vector_is_accepted():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 2, 500), rng.normal(4, 1, 500)])
    model = GaussianMixture(2, random_state=0).fit(x)
    assert model.means_.shape == (2, 1)
    assert model.predict(x).shape == (1000,)
    reference = SklearnGM(2, random_state=0).fit(x.reshape(-1, 1))
    np.testing.assert_allclose(model.means_, reference.means_, rtol=1e-6)


def test_float32_stays_float32_and_agrees():
    X = synthetic().astype(np.float32)
    model = GaussianMixture(3, random_state=0).fit(X)
    assert model.predict_proba(X).dtype == np.float32
    reference = GaussianMixture(3, random_state=0).fit(X.astype(np.float64))
    assert model.lower_bound_ == pytest.approx(reference.lower_bound_, abs=1e-4)


def test_sample_and_predict_shapes():
    model = GaussianMixture(2, covariance_type="diag", random_state=0).fit(synthetic(k=2))
    X, y = model.sample(100)
    assert X.shape == (100, 3) and y.shape == (100,)


def test_warm_start_continues():
    X = synthetic()
    model = GaussianMixture(3, random_state=0, warm_start=True, max_iter=2, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = model.fit(X).lower_bound_
        second = model.fit(X).lower_bound_
    assert second >= first


@pytest.mark.parametrize(
    ("X", "k", "message"),
    [
        (
            np.array([[1.0, 2.0], [2.0, 3.0], [0.0, np.nan]]),
            2,
            r"^Input X contains NaN\. .*X\[2, 1\]",
        ),
        (np.array([[1.0, np.inf], [2.0, 3.0], [0.0, 1.0]]), 2, "^Input X contains infinity"),
        (np.ones((3, 2)), 5, r"^Expected n_samples >= n_components .* \(lower n_components"),
        (np.array([["a", "b"], ["c", "d"]]), 1, "^could not convert string to float"),
        (np.ones((2, 2, 2)), 1, "^Found array with dim 3"),
    ],
)
def test_bad_input_is_a_clear_error(X, k, message):
    with pytest.raises(InputError, match=message):
        GaussianMixture(k).fit(X)


def test_bad_means_init_shape():
    with pytest.raises(InputError, match=r"'means' should have the shape of \(2, 3\)"):
        GaussianMixture(2, means_init=np.zeros((3, 3))).fit(synthetic())


COLLAPSING = dict(
    reg_covar=0.0,
    random_state=0,
    init_params="random_from_data",
    means_init=[[1.0, 2.0], [0, 0], [3, 3]],
)


def _collapsing_data():
    return np.vstack([np.tile([1.0, 2.0], (50, 1)), synthetic(200, 2, 2)])


def test_collapsing_component_raises_sklearns_error_by_default():
    X = _collapsing_data()
    with pytest.raises(ValueError, match="ill-defined empirical covariance") as theirs:
        SklearnGM(3, **COLLAPSING).fit(X)
    with pytest.raises(InputError) as ours:
        GaussianMixture(3, **COLLAPSING).fit(X)
    assert str(ours.value).startswith(str(theirs.value))
    assert "on_collapse='warn'" in str(ours.value)


def test_collapsing_component_warns_and_goes_on_when_asked():
    with pytest.warns(CollapseWarning, match="increase reg_covar"):
        model = GaussianMixture(3, on_collapse="warn", **COLLAPSING).fit(_collapsing_data())
    assert np.all(np.isfinite(model.means_))


def test_passes_sklearn_check_estimator_except_1d():
    expected = {"check_fit1d": "1-D input is accepted as one feature, as the issue asks"}
    results = check_estimator(GaussianMixture(), on_fail=None, expected_failed_checks=expected)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert failed == []
