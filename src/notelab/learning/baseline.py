"""The labels-only baseline: any supervised classifier fitted on the labelled rows alone."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from notelab.learning._labels import encode_partial


def logistic_regression(random_state: int | None = 0) -> Any:
    """The baseline's model: scikit-learn's logistic regression, allowed to converge."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000, random_state=random_state)


class LabelsOnly(ClassifierMixin, BaseEstimator):
    """Fit ``estimator`` on the rows whose label is known; unlabelled rows (``-1``) are ignored.

    Parameters
    ----------
    estimator : classifier, optional
        Default: logistic regression.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> y_few = np.full(150, -1); y_few[::10] = y[::10]
    >>> LabelsOnly().fit(X, y_few).score(X, y) > 0.8
    True
    """

    def __init__(self, estimator: Any = None) -> None:
        self.estimator = estimator

    def fit(self, X: ArrayLike, y: ArrayLike) -> Self:
        """Fit the estimator on the labelled rows of ``X``."""
        X = np.asarray(X, dtype=np.float64)
        self.classes_, codes = encode_partial(y, len(X))
        base = logistic_regression() if self.estimator is None else self.estimator
        known = codes >= 0
        self.estimator_ = clone(base).fit(X[known], codes[known])
        return self

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities from the fitted estimator (columns in ``classes_`` order)."""
        check_is_fitted(self)
        X = np.asarray(X)
        proba = np.zeros((len(X), len(self.classes_)))
        proba[:, self.estimator_.classes_] = self.estimator_.predict_proba(X)
        return proba

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each row."""
        return np.asarray(self.classes_[self.predict_proba(X).argmax(axis=1)])
