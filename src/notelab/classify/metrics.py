"""Scores of a fitted classifier on held-out rows: labels, probabilities and decision values.

ROC AUC is computed from what ranks the rows (probabilities, or decision values for models
without them), never from predicted labels; with several classes it is the one-vs-rest macro
average. Log loss and the Brier score need probabilities and are ``nan`` for models that have
none (the SVMs).
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
    from sklearn.metrics import roc_auc_score

    if len(classes) == 2:
        positive = scores if scores.ndim == 1 else scores[:, -1]
        return float(roc_auc_score(y == classes[1], positive))
    present = [j for j, c in enumerate(classes) if 0 < np.sum(y == c) < len(y)]
    return float(np.mean([roc_auc_score(y == classes[j], scores[:, j]) for j in present]))


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
    labels = np.asarray(model.predict(X))
    return {"labels": labels, "proba": None, "ranking": _aligned(decision, fitted, classes)}


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
    from sklearn.metrics import accuracy_score

    return accuracy_score(y, p["labels"])


def _balanced(y: np.ndarray, p: dict[str, Any], classes: np.ndarray) -> float:
    from sklearn.metrics import balanced_accuracy_score

    return balanced_accuracy_score(y, p["labels"])


def _f1(y: np.ndarray, p: dict[str, Any], classes: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return f1_score(y, p["labels"], average="macro", labels=classes, zero_division=0)


def _auc(y: np.ndarray, p: dict[str, Any], classes: np.ndarray) -> float:
    return ovr_macro_auc(y, p["ranking"], classes)


def _log_loss(y: np.ndarray, p: dict[str, Any], classes: np.ndarray) -> float:
    from sklearn.metrics import log_loss

    return np.nan if p["proba"] is None else log_loss(y, p["proba"], labels=classes)


def _brier(y: np.ndarray, p: dict[str, Any], classes: np.ndarray) -> float:
    """Mean squared error of the probabilities; for two classes, of the positive one."""
    if p["proba"] is None:
        return np.nan
    onehot = (np.asarray(y)[:, None] == classes[None, :]).astype(float)
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
