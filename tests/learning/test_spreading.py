"""Label spreading and propagation: the loop against scikit-learn's, the graph at scale."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.semi_supervised import LabelPropagation as SkPropagation
from sklearn.semi_supervised import LabelSpreading as SkSpreading

from notelab.learning import LabelPropagation, LabelSpreading
from notelab.learning._labels import one_hot
from notelab.learning.spreading import balance, iterate
from tests.learning.conftest import few_labels


@pytest.mark.parametrize(
    ("cls", "variant", "options"),
    [
        (SkSpreading, "spreading", {"kernel": "knn", "n_neighbors": 7, "alpha": 0.2}),
        (SkSpreading, "spreading", {"kernel": "rbf", "gamma": 20, "alpha": 0.5}),
        (SkPropagation, "propagation", {"kernel": "knn", "n_neighbors": 7}),
        (SkPropagation, "propagation", {"kernel": "rbf", "gamma": 20}),
    ],
)
def test_loop_reproduces_scikit_learn_on_its_own_graph(digits, cls, variant, options):
    X, y = digits.X[:500], digits.y[:500]
    shown = few_labels(y, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = cls(max_iter=50, tol=1e-3, **options).fit(X, shown)
    S = theirs._build_graph()
    Y = one_hot(shown, 10)
    F, _ = iterate(
        S,
        Y,
        variant=variant,
        alpha=options.get("alpha", 0.0),
        max_iter=50,
        tol=1e-3 / len(X),  # ours: mean change per row; theirs: total change
    )
    F = F / np.where(F.sum(axis=1, keepdims=True) == 0, 1, F.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(F, theirs.label_distributions_, atol=1e-12)


def test_balancing_makes_class_masses_follow_the_prior():
    rng = np.random.default_rng(0)
    F = rng.random((200, 3)) * np.array([5.0, 1.0, 1.0])
    balanced = balance(F, np.full(3, 1 / 3), rounds=50)
    np.testing.assert_allclose(balanced.sum(axis=0) / 200, 1 / 3, atol=1e-6)
    np.testing.assert_allclose(balanced.sum(axis=1), 1.0)


@pytest.mark.parametrize("cls", [LabelSpreading, LabelPropagation])
def test_ahead_of_scikit_learn_on_digits_with_few_labels(digits, cls):
    X, y = digits.X, digits.y
    train, test = np.arange(0, 1200), np.arange(1200, len(y))
    shown = few_labels(y[train], 3, seed=1)
    ours = cls(image_shape=(8, 8)).fit(X[train], shown).score(X[test], y[test])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkSpreading if cls is LabelSpreading else SkPropagation
        theirs = sk(kernel="knn", n_neighbors=7).fit(X[train], shown).score(X[test], y[test])
    assert ours > theirs
    assert ours > 0.85


def test_transduction_and_predict_agree_on_fitted_rows(moons):
    shown = few_labels(moons.y, 3)
    model = LabelSpreading(n_neighbors=7).fit(moons.X, shown)
    assert (model.transduction_ == moons.y).mean() > 0.95
    assert (model.predict(moons.X) == model.transduction_).mean() > 0.97
    np.testing.assert_allclose(model.predict_proba(moons.X[:5]).sum(axis=1), 1.0)


def test_string_labels_and_unlabelled_components():
    X = np.array([[0.0], [0.1], [0.2], [10.0], [10.1], [50.0], [50.1]])
    y = np.array(["a", -1, -1, "b", -1, -1, -1], dtype=object)
    y = np.where(y == -1, -1, y)
    model = LabelSpreading(n_neighbors=1, kernel="knn", class_balance="none")
    model.fit(X, np.array([0, -1, -1, 1, -1, -1, -1]))
    # rows 5 and 6 form a component no label reaches: equal scores, never NaN
    np.testing.assert_allclose(model.label_distributions_[5], [0.5, 0.5])
    assert list(model.transduction_[:5]) == [0, 0, 0, 1, 1]


def test_hundred_thousand_rows():
    from sklearn.datasets import make_moons

    X, y = make_moons(100_000, noise=0.08, random_state=0)
    shown = few_labels(y, 5)
    model = LabelSpreading(n_neighbors=7).fit(X, shown)
    # 10 labels for 100,000 rows; alpha=0.99 lets a label's reach fade over a few hundred hops
    assert (model.transduction_ == y).mean() > 0.85
    assert model.n_iter_ < 300


def test_deterministic(digits):
    shown = few_labels(digits.y[:600], 2)
    a = LabelSpreading().fit(digits.X[:600], shown).label_distributions_
    b = LabelSpreading().fit(digits.X[:600], shown).label_distributions_
    assert np.array_equal(a, b)


def test_parameter_validation():
    with pytest.raises(ValueError, match="alpha"):
        LabelSpreading(alpha=1.5).fit(np.zeros((4, 1)), [0, 1, -1, -1])


@pytest.mark.parametrize("variant", ["spreading", "propagation"])
def test_conjugate_gradients_reach_the_loops_fixed_point(digits, variant):
    from notelab.learning.graph import knn_graph
    from notelab.learning.spreading import normalise, solve

    X, shown = digits.X[:400], few_labels(digits.y[:400], 2)
    W, _ = knn_graph(X, n_neighbors=7)
    Y = one_hot(shown, 10)
    looped, _ = iterate(
        normalise(W, variant), Y, variant=variant, alpha=0.9, max_iter=20_000, tol=1e-15
    )
    solved, _ = solve(W, Y, variant=variant, alpha=0.9, max_iter=1000, tol=1e-12)
    np.testing.assert_allclose(solved, looped, atol=1e-8)
