import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from notelab.classify.metrics import (
    METRICS,
    _labels_from_decision,
    binary_auc,
    ovr_macro_auc,
    predict_all,
    score_all,
)


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=1000))
    return X, y, model.fit(X[::2], y[::2])


def test_auc_from_probabilities_is_sklearns_ovr_macro(wine):
    X, y, model = wine
    proba = model.predict_proba(X[1::2])
    ours = ovr_macro_auc(y[1::2], proba, model.classes_)
    assert ours == pytest.approx(roc_auc_score(y[1::2], proba, multi_class="ovr", average="macro"))


def test_auc_ranks_by_scores_not_labels():
    X, y = load_breast_cancer(return_X_y=True)
    svm = make_pipeline(StandardScaler(), SVC(C=0.05)).fit(X[::2], y[::2])
    predicted = predict_all(svm, X[1::2], svm.classes_)
    assert predicted["proba"] is None
    scores = score_all(y[1::2], predicted, svm.classes_, ("roc_auc", "log_loss", "brier"))
    decision = svm.decision_function(X[1::2])
    assert scores["roc_auc"] == pytest.approx(roc_auc_score(y[1::2], decision))
    from_labels = roc_auc_score(y[1::2], svm.predict(X[1::2]))  # LazyPredict's fallback
    assert scores["roc_auc"] > from_labels
    assert np.isnan(scores["log_loss"]) and np.isnan(scores["brier"])


def test_multiclass_decision_values_are_scored_one_vs_rest(wine):
    X, y, _ = wine
    svm = make_pipeline(StandardScaler(), SVC()).fit(X[::2], y[::2])
    decision = svm.decision_function(X[1::2])
    expected = np.mean([roc_auc_score(y[1::2] == c, decision[:, c]) for c in range(3)])
    assert ovr_macro_auc(y[1::2], decision, svm.classes_) == pytest.approx(expected)


def test_every_metric_against_sklearn(wine):
    X, y, model = wine
    classes = model.classes_
    scores = score_all(y[1::2], predict_all(model, X[1::2], classes), classes, METRICS)
    proba = model.predict_proba(X[1::2])
    assert scores["accuracy"] == pytest.approx(model.score(X[1::2], y[1::2]))
    assert scores["log_loss"] == pytest.approx(log_loss(y[1::2], proba))
    onehot = np.eye(3)[y[1::2]]
    assert scores["brier"] == pytest.approx(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
    Xb, yb = load_breast_cancer(return_X_y=True)
    lr = make_pipeline(StandardScaler(), LogisticRegression()).fit(Xb[::2], yb[::2])
    binary = score_all(yb[1::2], predict_all(lr, Xb[1::2], lr.classes_), lr.classes_, METRICS)
    p = lr.predict_proba(Xb[1::2])[:, 1]
    assert binary["brier"] == pytest.approx(brier_score_loss(yb[1::2], p))
    assert binary["roc_auc"] == pytest.approx(roc_auc_score(yb[1::2], p))


def test_labels_from_probabilities_equal_predict(wine):
    X, _, model = wine
    assert np.array_equal(predict_all(model, X, model.classes_)["labels"], model.predict(X))


def test_a_class_missing_from_the_training_fold_gets_a_zero_column():
    X = np.arange(12, dtype=float).reshape(-1, 1)
    y = np.array([0] * 5 + [1] * 5 + [2] * 2)
    model = LogisticRegression().fit(X[:10], y[:10])  # class 2 never seen
    predicted = predict_all(model, X, np.array([0, 1, 2]))
    assert predicted["proba"].shape == (12, 3)
    assert np.all(predicted["proba"][:, 2] == 0)


@st.composite
def _labelled_scores(draw):
    """True labels, predicted labels and per-class scores (ties likely) for 2 to 4 classes."""
    k = draw(st.integers(2, 4))
    n = draw(st.integers(k + 2, 40))
    y = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    assume(len(np.unique(y)) >= 2)
    labels = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    cells = st.integers(0, 5).map(lambda v: v / 5)  # coarse values: many ties
    raw = np.array(draw(st.lists(cells, min_size=n * k, max_size=n * k))).reshape(n, k) + 0.01
    return np.arange(k), y, labels, raw / raw.sum(axis=1, keepdims=True)


@settings(max_examples=60, deadline=None)
@given(_labelled_scores())
def test_numpy_metrics_equal_sklearns(case):
    """The NumPy metrics (the fast path of every fold) against scikit-learn's functions."""
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

    classes, y, labels, proba = case
    scores = score_all(y, {"labels": labels, "proba": proba, "ranking": proba}, classes, METRICS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # classes absent from y or from the predictions
        assert scores["accuracy"] == pytest.approx(accuracy_score(y, labels), abs=1e-12)
        expected = balanced_accuracy_score(y, labels)
        assert scores["balanced_accuracy"] == pytest.approx(expected, abs=1e-12)
        f1 = f1_score(y, labels, average="macro", labels=classes, zero_division=0)
        assert scores["f1_macro"] == pytest.approx(f1, abs=1e-12)
        assert scores["log_loss"] == pytest.approx(log_loss(y, proba, labels=classes), abs=1e-12)
    present = [c for c in classes if 0 < np.sum(y == c) < len(y)]
    if len(classes) == 2:
        auc = roc_auc_score(y == 1, proba[:, 1])
    else:
        auc = np.mean([roc_auc_score(y == c, proba[:, c]) for c in present])
    assert scores["roc_auc"] == pytest.approx(auc, abs=1e-12)


def test_auc_of_one_class_raises_like_sklearn():
    with pytest.raises(ValueError, match="Only one class"):
        binary_auc(np.array([True, True]), np.array([0.2, 0.4]))


@pytest.mark.parametrize(
    "estimator",
    [SVC(C=0.5), LinearSVC(), LogisticRegression()],
    ids=["svc", "linear_svc", "logistic"],
)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_labels_read_off_decision_values_equal_predict(estimator, n_classes):
    X, y = load_wine(return_X_y=True)
    keep = y < n_classes
    X, y = X[keep], np.array(["a", "b", "c"])[y[keep]]  # string labels: the mapping is checked
    model = make_pipeline(StandardScaler(), clone(estimator)).fit(X[::2], y[::2])
    if isinstance(estimator, LogisticRegression):  # the probability path; read off decisions
        decision = model.decision_function(X)
        labels = _labels_from_decision(model, decision, model.classes_)
    else:
        labels = predict_all(model, X, model.classes_)["labels"]
    assert np.array_equal(labels, model.predict(X))


@pytest.mark.parametrize("estimator", [SVC(), LinearSVC()], ids=["svc", "linear_svc"])
def test_a_decision_of_exactly_zero_gets_predicts_class(estimator):
    X, y = load_breast_cancer(return_X_y=True)
    model = clone(estimator).fit(X[::4], y[::4])
    if isinstance(model, SVC):  # libsvm reads these: every decision value becomes 0
        model._dual_coef_ = np.zeros_like(model._dual_coef_)
        model._intercept_ = np.zeros_like(model._intercept_)
    else:
        model.coef_, model.intercept_ = np.zeros_like(model.coef_), np.zeros(1)
    decision = model.decision_function(X[:5])
    assert np.all(decision == 0)
    expected = model.predict(X[:5])
    assert np.array_equal(_labels_from_decision(model, decision, model.classes_), expected)


def test_labels_of_multiclass_svc_come_from_predict():
    X, y = load_wine(return_X_y=True)
    model = SVC().fit(X, y)
    assert _labels_from_decision(model, model.decision_function(X), model.classes_) is None
