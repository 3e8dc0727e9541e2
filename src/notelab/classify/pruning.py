"""A decision tree pruned by cost-complexity, with the pruning strength chosen by CV.

The note says a tree overfits and "pruning matters"; this is the tree with pruning done the
usual way: the candidate ``ccp_alpha`` values come from the tree's own pruning path, an inner
stratified k-fold picks the one with the best accuracy (the simpler tree on ties), and the tree
is refitted with it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class PrunedTree(ClassifierMixin, BaseEstimator):
    """Decision tree with ``ccp_alpha`` chosen by inner cross-validation.

    Parameters
    ----------
    cv : int
        Inner folds used to choose ``ccp_alpha``.
    max_alphas : int
        At most this many candidates, spread over the quantiles of the pruning path.
    random_state : int or None
        Seed of the trees and the inner folds.

    Attributes
    ----------
    ccp_alpha_ : float
        The chosen pruning strength.
    estimator_ : CompiledTreeClassifier
        The tree refitted on all rows with ``ccp_alpha_``.
    classes_ : numpy.ndarray

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> tree = PrunedTree(random_state=0).fit(X, y)
    >>> bool(tree.estimator_.get_n_leaves() < 20)
    True
    """

    def __init__(self, *, cv: int = 3, max_alphas: int = 10, random_state: int | None = None):
        self.cv = cv
        self.max_alphas = max_alphas
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> PrunedTree:
        """Choose ``ccp_alpha`` by inner CV, then fit the tree on all rows."""
        from sklearn.utils.multiclass import check_classification_targets
        from sklearn.utils.validation import validate_data

        from notelab.classify.forest import CompiledTreeClassifier  # scikit-learn's trees

        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.ccp_alpha_ = self._choose(X, y)
        self.estimator_ = CompiledTreeClassifier(
            random_state=self.random_state, ccp_alpha=self.ccp_alpha_
        ).fit(X, y)
        self.classes_ = self.estimator_.classes_
        return self

    def _choose(self, X: np.ndarray, y: np.ndarray) -> float:
        """The candidate alpha with the best inner-CV accuracy (0 when a class has one row)."""
        from sklearn.model_selection import StratifiedKFold, cross_val_score

        from notelab.classify.forest import CompiledTreeClassifier

        smallest = int(np.min(np.unique(y, return_counts=True)[1]))
        if smallest < 2:
            return 0.0
        base = CompiledTreeClassifier(random_state=self.random_state)
        alphas = self._candidates(base.cost_complexity_pruning_path(X, y).ccp_alphas)
        folds = StratifiedKFold(
            min(self.cv, smallest), shuffle=True, random_state=self.random_state
        )
        means = [
            cross_val_score(base.set_params(ccp_alpha=a), X, y, cv=folds).mean() for a in alphas
        ]
        best = np.flatnonzero(np.isclose(means, np.max(means)))[-1]  # ties: the simpler tree
        return float(alphas[best])

    def _candidates(self, path: np.ndarray) -> np.ndarray:
        """0 and the geometric midpoints of the path's alphas (as rpart does): a midpoint picks
        the same subtree on every inner fold's slightly different path; never the bare root."""
        alphas = np.unique(np.clip(path, 0, None))
        mids = np.sqrt(alphas[1:] * alphas[:-1])
        candidates = np.unique(np.concatenate([[0.0], mids[mids > 0]]))
        if len(candidates) > self.max_alphas:
            candidates = np.unique(np.quantile(candidates, np.linspace(0, 1, self.max_alphas)))
        return candidates

    def predict(self, X: Any) -> np.ndarray:
        """Class labels."""
        X = self._checked(X)
        return np.asarray(self.estimator_.predict(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (leaf class fractions)."""
        X = self._checked(X)
        return np.asarray(self.estimator_.predict_proba(X))

    def _checked(self, X: Any) -> Any:
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        return validate_data(self, X, reset=False)
