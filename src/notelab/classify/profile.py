"""``profile``: the note's pros and cons of each classifier, measured on the user's data.

For every model: the train-test gap (overfitting); for the tree, the gap against depth and with
cost-complexity pruning chosen by CV; how scores and predictions change when the features are
rescaled by random factors or transformed monotonically (log, rank); the score as irrelevant
noise columns are added; fit and predict time against the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from notelab.classify.data import Features, check_classes, features
from notelab.classify.folds import FoldResult, FoldTask, run_folds
from notelab.classify.models import parse_models
from notelab.classify.resampling import splits

METRIC = ("balanced_accuracy",)
NOISE_COLUMNS = (10, 100, 1000)
TRANSFORMS = ("rescale", "log", "rank")
DEPTHS = (1, 2, 3, 4, 6, 8, 12, 16)


@dataclass(frozen=True)
class Profile:
    """What :func:`profile` measured (balanced accuracy, means over the folds).

    Attributes
    ----------
    models : list of str
    rows : int
        Rows used (a stratified sample of at most ``max_rows``).
    gap : dict
        Model -> ``{"train", "test", "gap"}``.
    depth : list of dict
        The tree against ``max_depth`` (``None``: unlimited), then the pruned tree and the
        forest: ``{"model", "depth", "train", "test", "gap", "leaves"}``.
    sensitivity : dict
        Model -> transform -> ``{"score", "change", "agreement"}``: the score after the
        transform, its change, and the fraction of test predictions left unchanged, with the
        model run without a scaler (so a family that needs one shows it).
    noise : dict
        Model -> number of added noise columns (0 first) -> score.
    timing : list of dict
        ``{"model", "rows", "fit_seconds", "predict_seconds"}``.
    """

    models: list[str]
    rows: int
    gap: dict[str, dict[str, float]] = field(default_factory=dict)
    depth: list[dict[str, Any]] = field(default_factory=list)
    sensitivity: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    noise: dict[str, dict[int, float]] = field(default_factory=dict)
    timing: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` (noise keys as strings)."""
        return {
            "models": self.models,
            "rows": self.rows,
            "gap": self.gap,
            "depth": self.depth,
            "sensitivity": self.sensitivity,
            "noise": {m: {str(k): v for k, v in row.items()} for m, row in self.noise.items()},
            "timing": self.timing,
        }


@dataclass(frozen=True)
class Setup:
    """The data and folds every part of a profile shares."""

    features: Features
    y: np.ndarray
    classes: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]
    random_state: int = 0
    n_jobs: int = -1
    scheduler: Any = None

    def run(
        self, tasks: list[FoldTask], data: Features | None = None, folds: Any = None
    ) -> list[FoldResult]:
        """Run ``tasks`` on ``data`` (default: the setup's features)."""
        return run_folds(
            data or self.features,
            self.y,
            self.classes,
            tasks,
            n_jobs=self.n_jobs,
            scheduler=self.scheduler,
        )

    def tasks(self, models: Sequence[str], **options: Any) -> list[FoldTask]:
        """One task per model and fold."""
        return [
            FoldTask(name, i, train, test, METRIC, self.random_state, **options)
            for name in models
            for i, (train, test) in enumerate(self.folds)
        ]


def make_setup(
    X: Any,
    y: Any,
    *,
    categorical: list[str] | None = None,
    cv: int = 3,
    max_rows: int | None = 2000,
    random_state: int = 0,
    n_jobs: int = -1,
    scheduler: Any = None,
) -> Setup:
    """Features, target and folds for a profile; a stratified sample of ``max_rows`` rows."""
    feats, target = features(X, categorical), np.asarray(y)
    check_classes(target, cv)
    if max_rows is not None and len(target) > max_rows:
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(
            np.arange(len(target)), train_size=max_rows, stratify=target, random_state=random_state
        )
        keep = np.sort(keep)
        feats, target = _subset(feats, keep), target[keep]
    classes = check_classes(target, cv)
    folds = splits(target, cv=cv, repeats=1, random_state=random_state)
    return Setup(feats, target, classes, folds, random_state, n_jobs, scheduler)


def _subset(feats: Features, index: np.ndarray) -> Features:
    rows = feats.rows(index)
    return replace(feats, X=rows if isinstance(rows, np.ndarray) else rows.reset_index(drop=True))


def _mean(results: list[FoldResult], model: str, train: bool = False) -> float:
    picked = [r for r in results if r.model == model]
    if train:
        return float(np.mean([(r.train_scores or {}).get(METRIC[0], np.nan) for r in picked]))
    return float(np.mean([r.scores[METRIC[0]] for r in picked]))


def overfitting(setup: Setup, models: Sequence[str]) -> dict[str, dict[str, float]]:
    """Model -> mean training score, test score and their gap."""
    results = setup.run(setup.tasks(models, train_scores=True))
    out = {}
    for name in models:
        train, test = _mean(results, name, train=True), _mean(results, name)
        out[name] = {"train": train, "test": test, "gap": train - test}
    return out


def depth_curve(
    setup: Setup, depths: Sequence[int] = DEPTHS, *, references: bool = True
) -> list[dict[str, Any]]:
    """The tree's train/test score against ``max_depth``, then (with ``references``) the
    unlimited tree, the pruned tree and the forest."""
    variants: list[tuple[str, int | None, tuple[tuple[str, Any], ...]]] = [
        ("tree", d, (("max_depth", d),)) for d in depths
    ]
    if references:
        variants += [("tree", None, ()), ("pruned_tree", None, ()), ("forest", None, ())]
    tasks = [
        replace(t, fold=(k, t.fold))
        for k, (name, _, params) in enumerate(variants)
        for t in setup.tasks([name], train_scores=True, params=params)
    ]
    results = setup.run(tasks)
    rows = []
    for k, (name, depth, _) in enumerate(variants):
        mine = [r for r in results if r.fold[0] == k]
        train, test = _mean(mine, name, train=True), _mean(mine, name)
        rows.append(
            {"model": name, "depth": depth, "train": train, "test": test, "gap": train - test}
        )
    return rows


def transform(feats: Features, name: str, seed: int = 0) -> Features:
    """``feats`` with every numeric column rescaled, logged (``sign(x) log(1 + |x|)``) or
    replaced by its ranks.

    Rescaling multiplies each column by a random power of two from 2^-10 to 2^10 (about 1e-3
    to 1e3). Powers of two scale floating-point numbers exactly, so a tree's split midpoints
    scale exactly too: with decimal factors, a test value lying exactly on a midpoint (common
    in rounded data such as iris) can fall on either side after rounding.
    """
    from scipy.stats import rankdata

    rng = np.random.default_rng(seed)
    factors = 2.0 ** rng.integers(-10, 11, size=len(feats.numeric))
    functions: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
        "rescale": lambda x, j: x * factors[j],
        "log": lambda x, j: np.sign(x) * np.log1p(np.abs(x)),
        "rank": lambda x, j: rankdata(x, nan_policy="omit"),
    }
    return _map_numeric(feats, functions[name])


def _map_numeric(feats: Features, function: Callable[[np.ndarray, int], np.ndarray]) -> Features:
    X = feats.X.copy()
    for j, column in enumerate(feats.numeric):
        if isinstance(X, np.ndarray):
            X[:, column] = function(X[:, column], j)
        else:
            X[column] = function(X[column].to_numpy(dtype=float), j)
    return replace(feats, X=X)


def sensitivity(
    setup: Setup,
    models: Sequence[str],
    transforms: Sequence[str] = TRANSFORMS,
    params: Mapping[str, tuple[tuple[str, Any], ...]] | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """Model -> transform -> score after it, its change and the share of unchanged predictions.

    The models run without their scaler here, so the numbers show which families need one.
    ``params`` sets hyperparameters per model (e.g. a smaller forest).
    """
    params = params or {}

    def tasks() -> list[FoldTask]:
        return [
            task
            for name in models
            for task in setup.tasks(
                [name], keep_predictions=True, scale=False, params=params.get(name, ())
            )
        ]

    base = setup.run(tasks())
    out: dict[str, dict[str, dict[str, float]]] = {name: {} for name in models}
    for kind in transforms:
        after = setup.run(tasks(), transform(setup.features, kind, seed=setup.random_state))
        for name in models:
            score = _mean(after, name)
            out[name][kind] = {
                "score": score,
                "change": score - _mean(base, name),
                "agreement": _agreement(base, after, name),
            }
    return out


def _agreement(base: list[FoldResult], after: list[FoldResult], model: str) -> float:
    pairs = [
        (a.predictions, b.predictions)
        for a, b in zip(base, after, strict=True)
        if a.model == model and a.predictions is not None and b.predictions is not None
    ]
    if not pairs:
        return float("nan")
    same = sum(int(np.sum(a == b)) for a, b in pairs)
    return same / sum(len(a) for a, _ in pairs)


def with_noise(feats: Features, columns: int, seed: int = 0) -> Features:
    """``feats`` with ``columns`` irrelevant standard-normal columns added."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = len(feats.X)
    noise = rng.standard_normal((n, columns))
    names = feats.names + [f"noise{j}" for j in range(columns)]
    if isinstance(feats.X, np.ndarray):
        d = feats.X.shape[1]
        return replace(
            feats, X=np.hstack([feats.X, noise]), names=names, numeric=list(range(d + columns))
        )
    extra = pd.DataFrame(noise, columns=names[len(feats.names) :])
    return replace(
        feats,
        X=pd.concat([feats.X.reset_index(drop=True), extra], axis=1),
        names=names,
        numeric=feats.numeric + list(extra.columns),
    )


def noise_curve(
    setup: Setup, models: Sequence[str], columns: Sequence[int] = NOISE_COLUMNS
) -> dict[str, dict[int, float]]:
    """Model -> number of noise columns added (0 first) -> test score."""
    out: dict[str, dict[int, float]] = {name: {} for name in models}
    for k in (0, *columns):
        data = with_noise(setup.features, k, seed=setup.random_state) if k else None
        results = setup.run(setup.tasks(models), data)
        for name in models:
            out[name][k] = _mean(results, name)
    return out


def timing_curve(
    setup: Setup, models: Sequence[str], fractions: Sequence[float] = (0.25, 0.5, 1.0)
) -> list[dict[str, Any]]:
    """Fit and predict seconds per model on growing stratified samples (first fold)."""
    train, test = setup.folds[0]
    rng = np.random.default_rng(setup.random_state)
    order = rng.permutation(train)
    rows = []
    for fraction in fractions:
        part = np.sort(order[: max(len(setup.classes) * 2, int(len(order) * fraction))])
        tasks = [FoldTask(m, 0, part, test, METRIC, setup.random_state) for m in models]
        for r in setup.run(tasks):
            rows.append(
                {
                    "model": r.model,
                    "rows": len(part),
                    "fit_seconds": r.fit_seconds,
                    "predict_seconds": r.predict_seconds,
                }
            )
    return rows


def profile(
    X: Any,
    y: Any,
    *,
    models: str | list[str] | None = None,
    categorical: list[str] | None = None,
    cv: int = 3,
    max_rows: int | None = 2000,
    noise: Sequence[int] = NOISE_COLUMNS,
    n_jobs: int = -1,
    random_state: int = 0,
    scheduler: Any = None,
    progress: Callable[[str], None] | None = None,
) -> Profile:
    """Measure the note's pros and cons of each model on ``X, y``.

    Parameters
    ----------
    X, y : array-like or DataFrame, array-like
        Features (text columns named in ``categorical``) and class labels.
    models : str or list of str, optional
        Models to profile (default: all twelve families).
    cv, max_rows : int; int or None
        Folds for every score; profile a stratified sample of at most this many rows (None:
        all rows).
    noise : sequence of int
        Numbers of irrelevant columns to add.
    n_jobs, random_state, scheduler
        As for :func:`~notelab.classify.compare`.
    progress : callable, optional
        ``progress(part)`` before each part (``"overfitting"``, ``"depth"``...).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> p = profile(X, y, models="tree,knn", noise=(10,), n_jobs=1)
    >>> p.sensitivity["tree"]["rescale"]["agreement"]
    1.0
    """
    names = parse_models(models)
    setup = make_setup(
        X,
        y,
        categorical=categorical,
        cv=cv,
        max_rows=max_rows,
        random_state=random_state,
        n_jobs=n_jobs,
        scheduler=scheduler,
    )
    return _measure(setup, names, noise, progress or (lambda part: None))


def _measure(
    setup: Setup, names: list[str], noise: Sequence[int], step: Callable[[str], None]
) -> Profile:
    """Every part of a profile in turn, announcing each to ``step``."""
    step("overfitting")
    gap = overfitting(setup, names)
    step("depth")
    depth = depth_curve(setup)
    step("sensitivity")
    sens = sensitivity(setup, names)
    step("noise")
    noisy = noise_curve(setup, names, noise)
    step("timing")
    timing = timing_curve(setup, names)
    return Profile(names, len(setup.y), gap, depth, sens, noisy, timing)
