"""``compare``: every model on the same repeated stratified k-fold, with a paired test.

The leaderboard ranks models by the mean of one metric; each model's mean comes with the
Nadeau-Bengio corrected 95% interval, and each model is tested against the best one on the same
folds with the corrected resampled t-test, so the table says which models are statistically
tied with the winner.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from notelab._util import InputError
from notelab.classify.data import check_classes, features
from notelab.classify.folds import FoldResult, FoldTask, run_folds
from notelab.classify.metrics import LOWER_IS_BETTER, METRICS, UNBOUNDED, parse_metrics
from notelab.classify.models import MODELS, parse_models
from notelab.classify.resampling import (
    CorrectedTest,
    corrected_interval,
    corrected_ttest,
    split_ratio,
    splits,
)

ALPHA = 0.05  # tied with the best: the corrected test cannot tell them apart at this level


@dataclass(frozen=True)
class ModelScores:
    """One model's results on every fold.

    Attributes
    ----------
    name, label : str
        Key in :data:`~notelab.classify.models.MODELS` and its name in words.
    folds : dict
        Metric -> array of test scores, one per fold (``nan`` where undefined).
    train : dict or None
        Metric -> training-set scores per fold, when asked for.
    fit_seconds, predict_seconds : numpy.ndarray
        Seconds per fold to fit, and to predict the test rows.
    error : str or None
        Why the model failed, if it did on any fold.
    """

    name: str
    label: str
    folds: dict[str, np.ndarray]
    train: dict[str, np.ndarray] | None
    fit_seconds: np.ndarray
    predict_seconds: np.ndarray
    error: str | None = None


@dataclass(frozen=True)
class Comparison:
    """The leaderboard of :func:`compare`: models best first, errors last.

    Attributes
    ----------
    models : list of ModelScores
    metric : str
        The metric that ranks the models.
    metrics : tuple of str
    cv, repeats : int
    ratio : float
        ``n_test / n_train`` of one split, used by the corrected statistics.
    best : str or None
        The model with the best mean ``metric``.
    tests : dict
        Model -> corrected t-test of best minus model on ``metric`` (same folds).
    classes : numpy.ndarray
    """

    models: list[ModelScores]
    metric: str
    metrics: tuple[str, ...]
    cv: int
    repeats: int
    ratio: float
    best: str | None
    tests: dict[str, CorrectedTest] = field(default_factory=dict)
    classes: np.ndarray = field(default_factory=lambda: np.array([]))

    def __getitem__(self, name: str) -> ModelScores:
        for m in self.models:
            if m.name == name:
                return m
        raise KeyError(f"no model {name!r} in this comparison")

    def interval(self, name: str, metric: str | None = None) -> tuple[float, float, float]:
        """Mean of ``metric`` for model ``name`` with its corrected 95% interval."""
        scores = self[name].folds[metric or self.metric]
        if np.isnan(scores).any():
            return math.nan, math.nan, math.nan
        mean, low, high = corrected_interval(scores, ratio=self.ratio)
        top = math.inf if (metric or self.metric) in UNBOUNDED else 1.0
        return mean, max(low, 0.0), min(high, top)  # the t interval, cut to the metric's range

    def tied_with_best(self, name: str) -> bool | None:
        """Whether ``name`` is the best or statistically tied with it (None: cannot tell)."""
        if name == self.best:
            return True
        test = self.tests.get(name)
        if test is None or math.isnan(test.p_value):
            return None
        return bool(test.p_value >= ALPHA)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``: models, best, cv, repeats."""
        return {
            "models": [self._model_dict(m) for m in self.models],
            "best": self.best,
            "metric": self.metric,
            "cv": self.cv,
            "repeats": self.repeats,
            "folds": self.cv * self.repeats,
            "classes": [_plain(c) for c in self.classes],
        }

    def _model_dict(self, m: ModelScores) -> dict[str, Any]:
        metrics = {}
        for metric in self.metrics:
            mean, low, high = self.interval(m.name, metric)
            metrics[metric] = {"mean": _finite(mean), "low": _finite(low), "high": _finite(high)}
        test = self.tests.get(m.name)
        return {
            "name": m.name,
            "label": m.label,
            "metrics": metrics,
            "fit_seconds": _finite(float(np.mean(m.fit_seconds))),
            "predict_seconds": _finite(float(np.mean(m.predict_seconds))),
            "tied_with_best": self.tied_with_best(m.name),
            "p_value_vs_best": _finite(test.p_value) if test else None,
            "error": m.error,
        }


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def compare(
    X: Any,
    y: Any,
    *,
    models: str | list[str] | None = None,
    cv: int = 5,
    repeats: int = 2,
    metric: str = "balanced_accuracy",
    metrics: str | list[str] | None = None,
    categorical: list[str] | None = None,
    n_jobs: int = -1,
    random_state: int = 0,
    scheduler: Any = None,
    train_scores: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Compare classifiers on the same repeated stratified k-fold splits.

    Parameters
    ----------
    X, y, categorical : array-like or DataFrame; array-like; list of str, optional
        Features, class labels and the categorical columns of a DataFrame (its other text
        columns must parse as numbers).
    models : str or list of str, optional
        Keys of :data:`~notelab.classify.models.MODELS` (default: all but the pruned tree).
    cv, repeats, random_state : int
        Folds (1: one stratified 80/20 holdout, LazyPredict's protocol), repeats of the k-fold
        with new shuffles, and the seed of the splits and the models.
    metric, metrics : str; str or list of str, optional
        The metric that ranks models and decides ties; the metrics computed (default: all of
        :data:`~notelab.classify.metrics.METRICS`).
    n_jobs, scheduler : int; str or distributed.Client, optional
        Parallel jobs over models x folds (-1: every core); with ``scheduler`` the folds run
        on that Dask cluster through joblib's Dask backend (same scores).
    train_scores, progress : bool; callable, optional
        Also score each fold's training rows (for the train-test gap); call
        ``progress(done, total)`` after each finished fold.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> result = compare(X, y, models="tree,logistic", cv=3, repeats=1, n_jobs=1)
    >>> result.best, result.tied_with_best("tree")
    ('logistic', True)
    """
    names, chosen = parse_models(models), _checked(cv, repeats, metric, metrics)
    feats, target = features(X, categorical), np.asarray(y)
    classes = check_classes(target, cv)
    folds = splits(target, cv=cv, repeats=repeats, random_state=random_state)
    tasks = _tasks(names, folds, chosen, random_state, train_scores)
    run = functools.partial(run_folds, n_jobs=n_jobs, scheduler=scheduler, progress=progress)
    results = run(feats, target, classes, tasks)
    scores = [_collect(name, [r for r in results if r.model == name], chosen) for name in names]
    return _leaderboard(scores, metric, chosen, cv, repeats, classes)


def _tasks(
    names: list[str],
    folds: list[tuple[np.ndarray, np.ndarray]],
    metrics: tuple[str, ...],
    random_state: int,
    train_scores: bool,
) -> list[FoldTask]:
    """One task per model and fold, model by model."""
    return [
        FoldTask(name, i, train, test, metrics, random_state, train_scores)
        for name in names
        for i, (train, test) in enumerate(folds)
    ]


def _checked(
    cv: int, repeats: int, metric: str, metrics: str | list[str] | None
) -> tuple[str, ...]:
    """The options checked; the metrics to compute (default all), the ranking one included."""
    chosen = parse_metrics(metrics)
    _check_options(cv, repeats, metric)
    return chosen if metric in chosen else (metric, *chosen)


def _check_options(cv: int, repeats: int, metric: str) -> None:
    if cv < 1 or repeats < 1:
        raise InputError(
            "--cv and --repeats of at least 1", f"--cv {cv} --repeats {repeats}", "e.g. --cv 5"
        )
    if metric not in METRICS:
        raise InputError(f"a metric from {', '.join(METRICS)}", repr(metric), "e.g. accuracy")


def _collect(name: str, results: list[FoldResult], metrics: tuple[str, ...]) -> ModelScores:
    folds = {m: np.array([r.scores[m] for r in results]) for m in metrics}
    train = None
    if results and results[0].train_scores is not None:
        train = {
            m: np.array([(r.train_scores or {}).get(m, np.nan) for r in results]) for m in metrics
        }
    errors = [r.error for r in results if r.error]
    return ModelScores(
        name,
        MODELS[name].label,
        folds,
        train,
        np.array([r.fit_seconds for r in results]),
        np.array([r.predict_seconds for r in results]),
        errors[0] if errors else None,
    )


def _leaderboard(
    scores: list[ModelScores],
    metric: str,
    metrics: tuple[str, ...],
    cv: int,
    repeats: int,
    classes: np.ndarray,
) -> Comparison:
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    ok = [m for m in scores if m.error is None and not np.isnan(m.folds[metric]).any()]
    ok.sort(key=lambda m: -sign * float(np.mean(m.folds[metric])))
    failed = [m for m in scores if m not in ok]
    ratio = split_ratio(cv)
    best = ok[0] if ok else None
    tests = (
        {
            m.name: corrected_ttest(sign * best.folds[metric], sign * m.folds[metric], ratio=ratio)
            for m in ok[1:]
        }
        if best
        else {}
    )
    return Comparison(
        ok + failed,
        metric,
        metrics,
        cv,
        repeats,
        ratio,
        best.name if best else None,
        tests,
        classes,
    )
