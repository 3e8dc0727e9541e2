"""The protocol: accuracy against the labelled fraction, every method on the same splits.

For each seed the rows are split once into a held-out test part (never seen by any method)
and a training part. For each fraction, a labelled subset of the training part is drawn (one
row of every class first, then the rest at random); the other training rows keep their
features but their labels are replaced by ``-1`` before any method sees them. Every method
fits on the same training rows and labels and is scored on the same test rows.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from notelab._util import InputError
from notelab._util.estimate import Estimate
from notelab.learning._labels import UNLABELLED

FRACTIONS = (0.01, 0.02, 0.05, 0.1, 1.0)
TEST_SIZE = 0.3
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Split:
    """Row indices of one seed's split: training rows, their labelled subset, test rows."""

    train: np.ndarray
    labelled: np.ndarray
    test: np.ndarray


def labelled_count(fraction: float, n_train: int, n_classes: int) -> int:
    """Rows to label: ``floor(fraction * n_train)``, at least one per class, at most all.

    Examples
    --------
    >>> labelled_count(0.02, 1257, 10), labelled_count(0.001, 1257, 10)
    (25, 10)
    """
    return int(min(n_train, max(n_classes, math.floor(fraction * n_train + 1e-9))))


def draw_labelled(y_train: np.ndarray, count: int, seed: int) -> np.ndarray:
    """One random row of every class, then ``count - classes`` more at random (seeded).

    Examples
    --------
    >>> y = np.array([0, 0, 0, 1, 1, 2])
    >>> sorted(y[draw_labelled(y, 3, seed=0)].tolist())
    [0, 1, 2]
    """
    rng = np.random.default_rng(seed)
    classes = np.unique(y_train)
    first = np.array([rng.choice(np.flatnonzero(y_train == c)) for c in classes])
    rest = np.setdiff1d(np.arange(len(y_train)), first)
    more = rng.choice(rest, count - len(classes), replace=False)
    return np.concatenate([first, more])


def split(y: np.ndarray, *, fraction: float, seed: int, test_size: float = TEST_SIZE) -> Split:
    """The seed's stratified test split and the fraction's labelled training rows."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        np.arange(len(y)), test_size=test_size, stratify=y, random_state=seed
    )
    count = labelled_count(fraction, len(train), len(np.unique(y)))
    return Split(train, train[draw_labelled(y[train], count, seed)], test)


def hide_labels(y: np.ndarray, part: Split) -> np.ndarray:
    """The training rows' labels with every row outside the labelled subset set to ``-1``."""
    shown = np.full(len(part.train), UNLABELLED, dtype=np.int64)
    position = {row: i for i, row in enumerate(part.train)}
    keep = np.array([position[row] for row in part.labelled])
    shown[keep] = y[part.labelled]
    return shown


def _share_interval(values: Sequence[float]) -> Estimate:
    """The mean share over seeds with its Student-t 95% interval, cut to [0, 1]."""
    return Estimate.mean_interval(values).clipped(0.0, 1.0)


@dataclass
class Point:
    """One method at one labelled fraction: per-seed scores."""

    method: str
    fraction: float
    labelled: int
    accuracy: list[float] = field(default_factory=list)
    macro_f1: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Plain values: means and 95% intervals (clipped to [0, 1]) of accuracy and macro F1."""
        acc, f1 = _share_interval(self.accuracy), _share_interval(self.macro_f1)
        return {
            "method": self.method,
            "fraction": self.fraction,
            "labelled": self.labelled,
            "seeds": len(self.accuracy),
            "accuracy": acc.value,
            "accuracy_low": acc.low,
            "accuracy_high": acc.high,
            "macro_f1": f1.value,
            "macro_f1_low": f1.low,
            "macro_f1_high": f1.high,
            "seconds": float(np.mean(self.seconds)),
            "accuracy_per_seed": list(self.accuracy),
        }


@dataclass
class Curve:
    """Accuracy and macro F1 per method and labelled fraction, with the rows behind them."""

    methods: list[str]
    fractions: list[float]
    seeds: list[int]
    n_train: int
    n_test: int
    classes: list[Any]
    points: list[Point]

    def point(self, method: str, fraction: float) -> Point:
        """The point of ``method`` at ``fraction``."""
        return next(p for p in self.points if p.method == method and p.fraction == fraction)

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "methods": self.methods,
            "fractions": self.fractions,
            "seeds": self.seeds,
            "train_rows": self.n_train,
            "test_rows": self.n_test,
            "classes": [str(c) for c in self.classes],
            "points": [p.summary() for p in self.points],
        }


def check_classes(y: np.ndarray, test_size: float) -> None:
    """Every class needs a training row and a test row: at least two rows, test part large."""
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise InputError("at least two classes", f"{len(classes)}", "check the target column")
    if counts.min() < 2:
        rare = classes[counts.argmin()]
        raise InputError(
            "at least two rows of every class (one to learn from, one to test on)",
            f"class {rare!r} has {counts.min()}",
            "drop the class or add rows of it",
        )
    if math.floor(test_size * len(y)) < len(classes):
        raise InputError(
            f"a test part with a row of every class ({len(classes)} classes)",
            f"{math.floor(test_size * len(y))} test rows",
            "use more rows or a larger test part",
        )


def curve(
    X: ArrayLike,
    y: ArrayLike,
    *,
    fractions: Sequence[float] = FRACTIONS,
    seeds: int | Sequence[int] = 5,
    methods: Sequence[str] = ("logistic", "self-training", "label-spreading"),
    test_size: float = TEST_SIZE,
    image_shape: tuple[int, int] | None = None,
    custom: Mapping[str, Callable[[int], Any]] | None = None,
    progress: Progress | None = None,
) -> Curve:
    """Accuracy and macro F1 of each method as the labelled fraction of the training rows shrinks.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Features of every row.
    y : array-like of shape (n,)
        The true label of every row; the protocol hides all but the labelled subset.
    fractions : sequence of float in (0, 1]
        Labelled shares of the training rows (at least one row per class).
    seeds : int or sequence of int
        Seeds ``0..seeds-1``, or the seeds themselves: each gives its own split and draws.
    methods : sequence of str
        Names from :data:`notelab.learning.METHODS`.
    test_size : float
        Held-out share of the rows, stratified.
    image_shape : (int, int), optional
        Rows are images of this shape (methods that know about images use shifts).
    custom : mapping of str to callable, optional
        Methods of your own: ``name -> make(seed)`` returning an unfitted classifier whose
        ``fit`` takes ``-1`` for unlabelled rows; list their names in ``methods``.
    progress : callable, optional
        Called as ``progress(done, total, description)`` after each fit.

    Returns
    -------
    Curve

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> X, y = make_moons(200, noise=0.1, random_state=0)
    >>> c = curve(X, y, fractions=[0.05], seeds=2, methods=["logistic", "label-spreading"])
    >>> c.point("label-spreading", 0.05).summary()["accuracy"] > 0.9
    True
    """
    X = np.asarray(X, dtype=np.float64)
    classes, codes = np.unique(np.asarray(y), return_inverse=True)
    check_classes(codes, test_size)
    make = _method_maker(methods, dict(custom or {}), image_shape)
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    runs = list(itertools.product(seed_list, fractions, methods))
    points, part = _fit_all(runs, X, codes, make, test_size, progress)
    sizes = (len(part.train), len(part.test))
    return Curve(list(methods), list(fractions), seed_list, *sizes, classes.tolist(), points)


def _fit_all(
    runs: Sequence[tuple[int, float, str]],
    X: np.ndarray,
    codes: np.ndarray,
    make: Callable[[str, int], Any],
    test_size: float,
    progress: Progress | None,
) -> tuple[list[Point], Split]:
    """Fit and score every (seed, fraction, method), one split per seed and fraction; the
    points and the last split (every split has the same sizes)."""
    points: dict[tuple[str, float], Point] = {}
    parts: dict[tuple[int, float], Split] = {}
    for seed, fraction, method in runs:
        if (seed, fraction) not in parts:
            parts[seed, fraction] = split(codes, fraction=fraction, seed=seed, test_size=test_size)
        part = parts[seed, fraction]
        point = points.setdefault((method, fraction), Point(method, fraction, len(part.labelled)))
        _score(point, make(method, seed), X, codes, part)
        if progress is not None:
            progress(_done(points), len(runs), f"{method} at {fraction:g}")
    return list(points.values()), part


def _method_maker(
    methods: Sequence[str],
    custom: Mapping[str, Callable[[int], Any]],
    image_shape: tuple[int, int] | None,
) -> Callable[[str, int], Any]:
    """``make(method, seed)``: an unfitted classifier, the user's own or a named one (checked)."""
    from notelab.learning.methods import check_methods, make_method

    if not methods:
        raise InputError("at least one method", "none", "name one, e.g. label-spreading")
    check_methods([m for m in methods if m not in custom] or ["logistic"])

    def make(method: str, seed: int) -> Any:
        if method in custom:
            return custom[method](seed)
        return make_method(method, random_state=seed, image_shape=image_shape)

    return make


def _done(points: dict[tuple[str, float], Point]) -> int:
    return sum(len(p.accuracy) for p in points.values())


def _score(point: Point, model: Any, X: np.ndarray, codes: np.ndarray, part: Split) -> None:
    from sklearn.metrics import accuracy_score, f1_score

    start = time.perf_counter()
    model.fit(X[part.train], hide_labels(codes, part))
    predicted = model.predict(X[part.test])
    point.seconds.append(time.perf_counter() - start)
    point.accuracy.append(float(accuracy_score(codes[part.test], predicted)))
    point.macro_f1.append(float(f1_score(codes[part.test], predicted, average="macro")))
