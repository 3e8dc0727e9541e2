"""Label the empty rows of a table: pick a method by cross-validation, predict, keep every row.

``auto`` tries each candidate method the way it will be used: for each fold of the labelled
rows, the fold's labels are hidden (with the truly unlabelled rows), the method fits on every
row, and it is scored on the fold. The best mean accuracy wins; then it fits on all rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from notelab._util import InputError
from notelab.learning.methods import check_methods, make_method
from notelab.learning.tables import LabelledTable

AUTO_CANDIDATES = ("logistic", "self-training", "label-spreading", "label-propagation")
FOLDS = 5
Progress = Callable[[int, int, str], None]


@dataclass
class Labelling:
    """What :func:`label_rows` did: the method, its cross-validated scores, the predictions."""

    method: str
    scores: dict[str, float]
    predicted: np.ndarray  # object array, one label per row (None below the threshold)
    confidence: np.ndarray
    labelled_before: int
    newly_labelled: int
    left_empty: int
    notes: list[str] = field(default_factory=list)


def check_labels(table: LabelledTable, classes: Sequence | None) -> None:
    """The bad inputs of ``semi label``: no labelled row, no empty row, a class never labelled."""
    labelled = table.labelled
    if not labelled.any():
        raise InputError(
            f"some labelled rows in {table.target!r}",
            "every row's target is empty",
            "label a few rows of each class",
        )
    if labelled.all():
        raise InputError(
            f"some rows with an empty {table.target!r} to label",
            f"all {len(labelled):,} rows are labelled",
            "leave the target empty where the label is unknown (or use --hide)",
        )
    known = {str(v) for v in table.labels[labelled]}
    if len(known) < 2:
        raise InputError("labelled rows of at least two classes", f"only {known}", "label more")
    missing = [c for c in (classes or []) if str(c) not in known]
    if missing:
        raise InputError(
            "a labelled row of every class in --classes",
            f"no labelled row of {', '.join(map(repr, missing))}",
            "label at least one row of each class, or drop it from --classes",
        )


def _codes(table: LabelledTable) -> tuple[np.ndarray, np.ndarray]:
    """The classes and each row's class index (-1: unlabelled), classes compared as text."""
    labelled = table.labelled
    names = np.array([str(v) for v in table.labels[labelled]])
    classes, inverse = np.unique(names, return_inverse=True)
    codes = np.full(len(labelled), -1, dtype=np.int64)
    codes[labelled] = inverse
    originals = {str(v): v for v in table.labels[labelled]}
    return np.array([originals[c] for c in classes], dtype=object), codes


def cross_validate(
    table: LabelledTable,
    codes: np.ndarray,
    methods: Sequence[str],
    seed: int,
    progress: Progress | None = None,
) -> dict[str, float]:
    """Mean accuracy of each method on held-out folds of the labelled rows."""
    from sklearn.model_selection import StratifiedKFold

    known = np.flatnonzero(codes >= 0)
    folds = min(FOLDS, int(np.bincount(codes[known]).min()))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    scores: dict[str, list[float]] = {m: [] for m in methods}
    total, done = folds * len(methods), 0
    for _, held in splitter.split(known, codes[known]):
        hidden = codes.copy()
        hidden[known[held]] = -1
        for method in methods:
            model = make_method(method, random_state=seed, image_shape=table.image_shape)
            model.fit(table.X, hidden)
            scores[method].append(
                float(np.mean(model.predict(table.X[known[held]]) == codes[known[held]]))
            )
            done += 1
            if progress is not None:
                progress(done, total, f"cross-validating {method}")
    return {m: float(np.mean(v)) for m, v in scores.items()}


def choose_method(
    table: LabelledTable, codes: np.ndarray, method: str, seed: int, progress: Progress | None
) -> tuple[str, dict[str, float], list[str]]:
    """The method to use: as given, or ``auto``'s best by cross-validation."""
    if method != "auto":
        check_methods([method])
        return method, {}, []
    smallest = int(np.bincount(codes[codes >= 0]).min())
    if smallest < 2:
        note = "auto: a class has one labelled row, too few to cross-validate; label-spreading"
        return "label-spreading", {}, [note]
    from notelab.learning._threads import one_blas_thread

    with one_blas_thread():  # many small fits: extra BLAS threads only wait
        scores = cross_validate(table, codes, AUTO_CANDIDATES, seed, progress)
    return max(scores, key=lambda m: scores[m]), scores, []


def label_rows(
    table: LabelledTable,
    *,
    method: str = "auto",
    min_confidence: float = 0.9,
    seed: int = 0,
    classes: Sequence | None = None,
    progress: Progress | None = None,
) -> Labelling:
    """Predict a label and its confidence for every unlabelled row of ``table``.

    Labelled rows keep their label with confidence 1; an unlabelled row whose confidence is
    below ``min_confidence`` keeps an empty prediction (its confidence is still reported).

    Examples
    --------
    >>> import pandas as pd
    >>> from notelab.learning.tables import from_frame
    >>> frame = pd.DataFrame(
    ...     {"x": [0, 0.1, 0.2, 5, 5.1, 5.2], "y": ["a", None, None, "b", None, None]}
    ... )
    >>> result = label_rows(from_frame(frame, "y"), method="label-spreading", min_confidence=0.5)
    >>> result.predicted.tolist()
    ['a', 'a', 'a', 'b', 'b', 'b']
    """
    check_labels(table, classes)
    names, codes = _codes(table)
    chosen, scores, notes = choose_method(table, codes, method, seed, progress)
    model = make_method(chosen, random_state=seed, image_shape=table.image_shape)
    proba = model.fit(table.X, codes).predict_proba(table.X)
    confidence = np.where(codes >= 0, 1.0, proba.max(axis=1))
    guess = names[model.classes_[proba.argmax(axis=1)]]
    predicted = np.where(codes >= 0, names[np.maximum(codes, 0)], guess).astype(object)
    predicted[confidence < min_confidence] = None
    unlabelled = codes < 0
    newly = int((unlabelled & (confidence >= min_confidence)).sum())
    return Labelling(
        chosen,
        scores,
        predicted,
        confidence,
        int((~unlabelled).sum()),
        newly,
        int(unlabelled.sum()) - newly,
        notes,
    )
