"""What a user of scikit-learn's GaussianMixture meets, met the same way (issue 18): parameters
checked from one table with scikit-learn's sentences first, verbose output, the convergence
warning, and the private hooks code written against scikit-learn's internals calls."""

from __future__ import annotations

import contextlib
import io
import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture as SklearnGM

from notelab._util import InputError
from notelab.mixture import GaussianMixture
from notelab.mixture._validation import FIXES, PARAMETER_CONSTRAINTS
from notelab.mixture._verbose import VerboseReport
from tests.mixture.conftest import synthetic

BAD_VALUES = {
    "n_components": 0,
    "covariance_type": "round",
    "tol": -1.0,
    "reg_covar": -1e-6,
    "max_iter": -1,
    "n_init": 0,
    "init_params": "magic",
    "weights_init": 5,
    "means_init": "means",
    "precisions_init": 1.5,
    "random_state": "seed",
    "warm_start": "yes",
    "verbose": -1,
    "verbose_interval": 0,
    "chunk_bytes": 0,
    "on_collapse": "ignore",
}


def test_the_table_covers_every_parameter():
    names = set(GaussianMixture().get_params())
    assert set(PARAMETER_CONSTRAINTS) == names == set(FIXES) == set(BAD_VALUES)
    assert set(SklearnGM().get_params()) <= names


def _message(estimator, X) -> str:
    """The error's message, a set's items sorted (their order varies between set objects)."""
    with pytest.raises(ValueError) as caught:
        estimator.fit(X)
    return re.sub(
        r"\{([^{}]*)\}",
        lambda m: "{" + ", ".join(sorted(m[1].split(", "))) + "}",
        str(caught.value),
    )


@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_a_bad_parameter_says_what_sklearn_says_then_what_to_pass(name):
    X = synthetic(60, 2, 2)
    ours = _message(GaussianMixture(**{name: BAD_VALUES[name]}), X)
    assert ours.endswith(f"({FIXES[name]})")
    with pytest.raises(InputError):
        GaussianMixture(**{name: BAD_VALUES[name]}).fit(X)
    if name in SklearnGM().get_params():
        assert ours.startswith(_message(SklearnGM(**{name: BAD_VALUES[name]}), X))
    else:
        assert ours.startswith(f"The '{name}' parameter of GaussianMixture must be")


@pytest.mark.parametrize(
    "params",
    [
        {"weights_init": [0.7, 0.7]},
        {"weights_init": [0.2, 0.3]},
        {"weights_init": [[0.5], [0.5]]},
        {"means_init": np.zeros((3, 2))},
        {"precisions_init": np.ones((2, 3))},
        {"precisions_init": -np.ones((2, 2)), "covariance_type": "diag"},
        {"precisions_init": np.array([[1.0, 2.0], [0.0, 1.0]]), "covariance_type": "tied"},
    ],
)
def test_bad_starting_arrays_word_sklearns_error_first(params):
    X = synthetic(60, 2, 2)
    theirs = _message(SklearnGM(2, **params), X)
    ours = _message(GaussianMixture(2, **params), X)
    assert ours.startswith(theirs) and len(ours) > len(theirs)


def _output(fit) -> list[str]:
    stream = io.StringIO()
    with contextlib.redirect_stdout(stream), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit()
    return stream.getvalue().splitlines()


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_verbose_prints_sklearns_lines(covariance_type):
    X = synthetic(300, 2, 2, seed=4, spread=1.5)
    params = dict(covariance_type=covariance_type, random_state=0, n_init=2, verbose_interval=2)
    for verbose in (1, 2):
        ours = _output(lambda v=verbose: GaussianMixture(2, verbose=v, **params).fit(X))
        theirs = _output(lambda v=verbose: SklearnGM(2, verbose=v, **params).fit(X))
        lapse = re.compile(r"time lapse [0-9.]+s")  # the clocks differ, nothing else
        assert [lapse.sub("", line) for line in ours] == [lapse.sub("", line) for line in theirs]
        assert len(ours) > 4


def test_verbose_two_with_an_injected_clock():
    lines: list[str] = []
    ticks = iter([10.0, 10.5, 11.25, 12.0])
    report = VerboseReport(2, 1, clock=lambda: next(ticks), write=lines.append)
    report.init_begin(0)
    report.iteration(1, float("inf"))
    report.iteration(2, 0.125)
    report.init_end(-2.5, False)
    assert lines == [
        "Initialization 0",
        "  Iteration 1\t time lapse 0.50000s\t ll change inf",
        "  Iteration 2\t time lapse 0.75000s\t ll change 0.12500",
        "Initialization did not converge. time lapse 2.00000s\t lower bound -2.50000.",
    ]


def test_non_convergence_warns_as_sklearn_does():
    X = synthetic(300, 2, 3, spread=1.0)
    with pytest.warns(ConvergenceWarning) as ours:
        GaussianMixture(3, max_iter=2, random_state=0).fit(X)
    with pytest.warns(ConvergenceWarning) as theirs:
        SklearnGM(3, max_iter=2, random_state=0).fit(X)
    assert str(ours[0].message) == str(theirs[0].message)


def test_private_parameter_hooks_round_trip():
    X = synthetic(400, 2, 2)
    fitted = GaussianMixture(2, random_state=0).fit(X)
    other = GaussianMixture(2)
    other._set_parameters(fitted._get_parameters())
    np.testing.assert_allclose(other.precisions_, fitted.precisions_)
    other.n_features_in_ = 2
    np.testing.assert_allclose(other.predict_proba(X), fitted.predict_proba(X))


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_initialize_from_responsibilities_as_sklearn(covariance_type):
    X = synthetic(300, 3, 3)
    resp = np.random.default_rng(0).random((300, 3))
    resp /= resp.sum(axis=1, keepdims=True)
    ours, theirs = (cls(3, covariance_type=covariance_type) for cls in (GaussianMixture, SklearnGM))
    ours._initialize(X, resp)
    theirs._initialize(X, resp)
    for name in ("weights_", "means_", "precisions_cholesky_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-7)


def test_max_iter_zero_keeps_the_last_start_as_sklearn():
    X = synthetic(300, 2, 3)
    ours = GaussianMixture(3, max_iter=0, n_init=3, random_state=0).fit(X)
    theirs = SklearnGM(3, max_iter=0, n_init=3, random_state=0).fit(X)
    np.testing.assert_allclose(ours.means_, theirs.means_, rtol=1e-7)
    assert ours.n_iter_ == 0 and not ours.converged_
