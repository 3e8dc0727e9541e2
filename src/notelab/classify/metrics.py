"""Scores of a fitted classifier on held-out rows: labels, probabilities and decision values.

ROC AUC is computed from what ranks the rows (probabilities, or decision values for models
without them), never from predicted labels; with several classes it is the one-vs-rest macro
average. Log loss and the Brier score need probabilities and are ``nan`` for models that have
none (the SVMs).

The metrics are computed here with NumPy, by the same formulas as scikit-learn's functions (the
tests check them against those): scikit-learn's input validation cost about 25 ms per fold
with six metrics, more than fitting most models on a small data set, and a comparison scores
every model on every fold.
"""

from __future__ import annotations

from typing import Any

import numpy as np

METRICS = ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "log_loss", "brier")
LOWER_IS_BETTER = frozenset({"log_loss", "brier"})
UNBOUNDED = frozenset({"log_loss"})  # the others lie in [0, 1]
METRIC_LABELS = {
    "accuracy": "Accuracy",
    "balanced_accuracy": "Balanced accuracy",
    "f1_macro": "Macro F1",
    "roc_auc": "ROC AUC",
    "log_loss": "Log loss",
    "brier": "Brier score",
}


def ovr_macro_auc(y: np.ndarray, scores: np.ndarray, classes: np.ndarray) -> float:
    """ROC AUC from ranking scores: binary, or one-vs-rest macro average for several classes.

    ``scores`` is one column per class in the order of ``classes`` (a single column, or two,
    for two classes: the second class is positive). Works for decision values, which need not
    sum to one as scikit-learn's multi-class ``roc_auc_score`` requires.

    Examples
    --------
    >>> ovr_macro_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 1]))
    0.75
    """
    y, scores = np.asarray(y), np.asarray(scores, dtype=float)
    if len(classes) == 2:
        positive = scores if scores.ndim == 1 else scores[:, -1]
        return binary_auc(y == classes[1], positive)
    present = [j for j, c in enumerate(classes) if 0 < np.sum(y == c) < len(y)]
    return float(np.mean([binary_auc(y == classes[j], scores[:, j]) for j in present]))


def binary_auc(positive: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC of ``scores`` for the rows where ``positive`` is true (Mann-Whitney, ties 1/2).

    The area under the ROC curve equals the chance that a random positive row scores above a
    random negative one, ties counting a half (what ``sklearn.metrics.roc_auc_score`` gives).

    Examples
    --------
    >>> binary_auc(np.array([False, False, True, True]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.75
    """
    positive = np.asarray(positive, dtype=bool)
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError(
            "Only one class is present in y_true. ROC AUC score is not defined in that case."
        )
    order = np.argsort(scores, kind="mergesort")
    ordered = np.asarray(scores)[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(ordered)]
    ranks = np.empty(len(ordered))
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)  # average ranks of ties
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def _aligned(values: np.ndarray, model_classes: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Per-class columns of ``values`` re-ordered to ``classes`` (0 for unseen classes)."""
    if values.ndim == 1 or list(model_classes) == list(classes):
        return values
    out = np.zeros((len(values), len(classes)))
    index = {c: j for j, c in enumerate(classes)}
    for j, c in enumerate(model_classes):
        out[:, index[c]] = values[:, j]
    return out


def predict_all(model: Any, X: Any, classes: np.ndarray) -> dict[str, np.ndarray | None]:
    """Labels, probabilities (or ``None``) and ranking scores of ``model`` on ``X``.

    With probabilities the labels are their arg-max (what ``predict`` returns for every model
    here), so the model is evaluated once.
    """
    fitted = np.asarray(model.classes_)
    if hasattr(model, "predict_proba"):
        raw = np.asarray(model.predict_proba(X), dtype=float)
        proba = _aligned(raw, fitted, classes)
        return {"labels": fitted[np.argmax(raw, axis=1)], "proba": proba, "ranking": proba}
    decision = np.asarray(model.decision_function(X), dtype=float)
    labels = _labels_from_decision(model, decision, fitted)
    if labels is None:
        labels = np.asarray(model.predict(X))
    return {"labels": labels, "proba": None, "ranking": _aligned(decision, fitted, classes)}


def _labels_from_decision(
    model: Any, decision: np.ndarray, fitted: np.ndarray
) -> np.ndarray | None:
    """What ``model.predict`` returns, read off its decision values where its rule is known;
    ``None`` otherwise.

    - Linear classifiers (``LinearClassifierMixin``: logistic regression, LinearSVC): the
      positive class where the score is above 0; the arg-max with several classes.
    - ``SVC`` with two classes: libsvm votes for the first class where its own decision value
      is above 0, and scikit-learn's ``decision_function`` is that value negated, so the second
      class where it is ``>= 0``. With several classes ``predict`` counts one-vs-one votes that
      the one-vs-rest decision values do not keep, so it is called.

    The pipeline's transforms and the kernel evaluations then run once instead of twice (half
    of an RBF SVM's prediction time). Tests hold the labels to ``predict``'s.
    """
    from sklearn.linear_model._base import LinearClassifierMixin
    from sklearn.svm import SVC

    final = model.steps[-1][1] if hasattr(model, "steps") else model
    if isinstance(final, LinearClassifierMixin):
        if decision.ndim == 1:
            index = (decision > 0).astype(np.intp)
        else:
            index = np.argmax(decision, axis=1)
    elif isinstance(final, SVC) and decision.ndim == 1:
        index = (decision >= 0).astype(np.intp)
    else:
        return None
    return np.asarray(fitted[index])


def score_all(
    y: np.ndarray, predicted: dict[str, Any], classes: np.ndarray, metrics: tuple[str, ...]
) -> dict[str, float]:
    """Every metric in ``metrics`` from the output of :func:`predict_all`.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LogisticRegression(max_iter=500).fit(X, y)
    >>> s = score_all(y, predict_all(model, X, model.classes_), model.classes_, METRICS)
    >>> round(s["accuracy"], 2), round(s["roc_auc"], 3)
    (0.97, 0.998)
    """
    return {name: float(_SCORERS[name](y, predicted, classes)) for name in metrics}


def _accuracy(y: np.ndarray, p: dict[str, Any], classes: np.ndarray) -> float:
    return float(np.mean(np.asarray(y) == p["labels"]))


def _balanced(y: np.ndarray, p: dict[str, Any], classes: np.ndarray) -> float:
    """Mean recall over the classes present in ``y`` (scikit-learn's balanced accuracy)."""
    y, labels = np.asarray(y), p["labels"]
    present = np.unique(y)
    recalls = np.array([np.sum((y == c) & (labels == c)) / np.sum(y == c) for c in present])
    return float(np.mean(recalls))


def _f1(y: np.ndarray, p: dict[str, Any], classes: np.ndarray) -> float:
    """Macro F1 over ``classes``: 2 tp / (true + predicted) per class, 0 where both are 0."""
    y, labels = np.asarray(y), p["labels"]
    true = np.array([np.sum(y == c) for c in classes], dtype=float)
    predicted = np.array([np.sum(labels == c) for c in classes], dtype=float)
    hits = np.array([np.sum((y == c) & (labels == c)) for c in classes], dtype=float)
    denominator = true + predicted
    f1 = np.divide(2.0 * hits, denominator, out=np.zeros_like(hits), where=denominator > 0)
    return float(np.mean(f1))


def _auc(y: np.ndarray, p: dict[str, Any], classes: np.ndarray) -> float:
    return ovr_macro_auc(y, p["ranking"], classes)


def _onehot(y: np.ndarray, classes: np.ndarray) -> np.ndarray:
    onehot: np.ndarray = (np.asarray(y)[:, None] == np.asarray(classes)[None, :]).astype(float)
    return onehot


def _log_loss(y: np.ndarray, p: dict[str, Any], classes: np.ndarray) -> float:
    """Mean of -log(probability of the true class), probabilities clipped to [eps, 1 - eps]."""
    if p["proba"] is None:
        return np.nan
    eps = np.finfo(float).eps
    proba = np.clip(p["proba"], eps, 1 - eps)
    return float(np.mean(-np.sum(_onehot(y, classes) * np.log(proba), axis=1)))


def _brier(y: np.ndarray, p: dict[str, Any], classes: np.ndarray) -> float:
    """Mean squared error of the probabilities; for two classes, of the positive one."""
    if p["proba"] is None:
        return np.nan
    onehot = _onehot(y, classes)
    if len(classes) == 2:
        return float(np.mean((p["proba"][:, 1] - onehot[:, 1]) ** 2))
    return float(np.mean(np.sum((p["proba"] - onehot) ** 2, axis=1)))


_SCORERS = {
    "accuracy": _accuracy,
    "balanced_accuracy": _balanced,
    "f1_macro": _f1,
    "roc_auc": _auc,
    "log_loss": _log_loss,
    "brier": _brier,
}


def parse_metrics(names: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """Check metric names (a list or ``"accuracy,roc_auc"``); ``None`` means all of them.

    Examples
    --------
    >>> parse_metrics("roc_auc,accuracy")
    ('roc_auc', 'accuracy')
    """
    from notelab.classify._names import parse_names

    if names is None:
        return METRICS
    return tuple(parse_names(names, METRICS, what="metric", example="--metric roc_auc"))
