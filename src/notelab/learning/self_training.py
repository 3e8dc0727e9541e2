"""Self-training: a model labels the unlabelled rows it is surest of, then learns from them.

Round by round, the base model (temperature-scaled, so its confidence means what it says) is
fitted on the labelled rows plus the pseudo-labelled ones so far, predicts the rest, and the
confident predictions become pseudo-labels: every prediction above ``threshold``, or the
``k_best`` most confident. A pseudo-label is never revised, so a wrong one stays and teaches
the next round: ``rounds_`` keeps what each round added, so its accuracy can be checked against
the truth.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from notelab.learning._labels import UNLABELLED, encode_partial
from notelab.learning.baseline import logistic_regression
from notelab.learning.calibration import out_of_fold_temperature, softmax

CRITERIA = ("threshold", "k_best")


def _best_per_class(
    confidence: np.ndarray, predicted: np.ndarray, k: int, n_classes: int
) -> np.ndarray:
    """The ``ceil(k / n_classes)`` most confident rows of each predicted class.

    Examples
    --------
    >>> _best_per_class(np.array([0.9, 0.8, 0.7, 0.6]), np.array([0, 0, 0, 1]), 2, 2).tolist()
    [0, 3]
    """
    per_class = -(-k // n_classes)
    order = np.argsort(-confidence, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    for c in np.unique(predicted):
        members = order[predicted[order] == c]
        rank[members] = np.arange(len(members))
    return np.sort(np.flatnonzero(rank < per_class))


class SelfTraining(ClassifierMixin, BaseEstimator):
    """Self-training with a calibrated base model, a per-round selection and a stop rule.

    Parameters
    ----------
    estimator : classifier with ``predict_log_proba``, optional
        Default: logistic regression.
    criterion : {"threshold", "k_best"}, default="threshold"
        Pseudo-label every row whose top probability exceeds ``threshold``, or the ``k_best``
        most confident rows of each round.
    threshold : float in [0, 1), default=0.9
    k_best : int, default=100
    max_rounds : int, default=5
    calibration_folds : int, default=3
        Folds of the out-of-fold temperature scaling of the base model's probabilities, fitted
        once on the given labels (0: none; see :mod:`notelab.learning.calibration`).
    stop_change : float, default=0.0
        Also stop when fewer than this share of the still-unlabelled rows changed prediction
        since the previous round (0: never).
    balanced : bool, default=True
        With ``k_best``: the ``k_best / n_classes`` surest rows of each predicted class, so one
        class the model is sure of cannot fill every round (class-balanced self-training).

    Attributes
    ----------
    classes_, estimator_, transduction_
    temperature_ : float
        The base model's fitted temperature (1: not calibrated).
    labeled_iter_ : ndarray
        Round in which each row got its label (0: given; -1: never).
    rounds_ : list of dict
        Per round: ``added`` row indices, their pseudo-labels (class indices) and confidences.
    stop_reason_ : str
        ``"no_change"``, ``"max_rounds"``, ``"all_labelled"`` or ``"stable"``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> y_few = np.full(150, -1); y_few[::10] = y[::10]
    >>> model = SelfTraining(criterion="k_best", k_best=30).fit(X, y_few)
    >>> len(model.rounds_), model.score(X, y) > 0.8
    (5, True)
    """

    _parameter_constraints: dict[str, Any] = {  # noqa: RUF012 (scikit-learn's convention)
        "estimator": [None, HasMethods(["fit", "predict_log_proba"])],
        "criterion": [StrOptions(set(CRITERIA))],
        "threshold": [Interval(Real, 0, 1, closed="left")],
        "k_best": [Interval(Integral, 1, None, closed="left")],
        "max_rounds": [Interval(Integral, 1, None, closed="left")],
        "calibration_folds": [Interval(Integral, 0, None, closed="left")],
        "stop_change": [Interval(Real, 0, 1, closed="both")],
        "balanced": ["boolean"],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        criterion: str = "threshold",
        threshold: float = 0.9,
        k_best: int = 100,
        max_rounds: int = 5,
        calibration_folds: int = 3,
        stop_change: float = 0.0,
        balanced: bool = True,
    ) -> None:
        self.estimator = estimator
        self.criterion = criterion
        self.threshold = threshold
        self.k_best = k_best
        self.max_rounds = max_rounds
        self.calibration_folds = calibration_folds
        self.stop_change = stop_change
        self.balanced = balanced

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike) -> Self:
        """Fit round by round on ``X`` with ``y`` (``-1`` = unlabelled)."""
        X = validate_data(self, X, dtype=np.float64)
        self.classes_, codes = encode_partial(y, len(X))
        self.labeled_iter_ = np.where(codes >= 0, 0, -1)
        self.rounds_, self.stop_reason_, previous = [], "max_rounds", None
        known = codes >= 0
        self.temperature_ = (
            out_of_fold_temperature(self._base(), X[known], codes[known], self.calibration_folds)
            if self.calibration_folds >= 2
            else 1.0
        )
        for round_ in range(1, self.max_rounds + 1):
            if (codes >= 0).all():
                self.stop_reason_ = "all_labelled"
                break
            self._fit_base(X, codes)
            rows, labels, confidence, predicted = self._select(X, codes)
            if self._stable(previous, predicted) or len(rows) == 0:
                self.stop_reason_ = "no_change" if len(rows) == 0 else "stable"
                break
            codes[rows], self.labeled_iter_[rows], previous = labels, round_, predicted
            self.rounds_.append({"added": rows, "labels": labels, "confidence": confidence})
        else:
            self.stop_reason_ = "all_labelled" if (codes >= 0).all() else "max_rounds"
        self._fit_base(X, codes)
        self.transduction_ = np.where(codes >= 0, self.classes_[np.maximum(codes, 0)], -1)
        return self

    def _base(self) -> Any:
        return logistic_regression() if self.estimator is None else self.estimator

    def _fit_base(self, X: np.ndarray, codes: np.ndarray) -> None:
        known = codes >= 0
        self.estimator_ = clone(self._base()).fit(X[known], codes[known])

    def _proba(self, X: np.ndarray) -> np.ndarray:
        """The base model's probabilities, tempered (columns in ``estimator_.classes_`` order)."""
        return softmax(self.estimator_.predict_log_proba(X) / self.temperature_)

    def _select(
        self, X: np.ndarray, codes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The unlabelled rows to pseudo-label this round, their labels and confidences."""
        unlabelled = np.flatnonzero(codes == UNLABELLED)
        proba = self._proba(X[unlabelled])
        confidence = proba.max(axis=1)
        predicted = self.estimator_.classes_[proba.argmax(axis=1)]
        if self.criterion == "threshold":
            chosen = np.flatnonzero(confidence > self.threshold)
        elif self.balanced:
            chosen = _best_per_class(confidence, predicted, self.k_best, len(self.classes_))
        else:
            chosen = np.argsort(-confidence, kind="stable")[: self.k_best]
        full = np.full(len(codes), UNLABELLED)
        full[unlabelled] = predicted
        return unlabelled[chosen], predicted[chosen], confidence[chosen], full

    def _stable(self, previous: np.ndarray | None, predicted: np.ndarray) -> bool:
        if previous is None or self.stop_change <= 0:
            return False
        both = (previous != UNLABELLED) & (predicted != UNLABELLED)
        return bool(both.any() and (previous[both] != predicted[both]).mean() < self.stop_change)

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities of the final model (columns in ``classes_`` order)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        proba = np.zeros((len(X), len(self.classes_)))
        proba[:, self.estimator_.classes_] = self._proba(X)
        return proba

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each row."""
        return np.asarray(self.classes_[self.predict_proba(X).argmax(axis=1)])
