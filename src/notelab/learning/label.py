"""Label the empty rows of a table: pick a method by cross-validation, predict, keep every row.

``auto`` tries each candidate method the way it will be used: for each fold of the labelled
rows, the fold's labels are hidden (with the truly unlabelled rows), the method fits on every
row, and it is scored on the fold. The best accuracy wins; then it fits on all rows. The same
out-of-fold predictions fit a temperature, so a confidence of 0.9 means about 90% right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    temperature: float
    scores: dict[str, float]
    predicted: np.ndarray  # object array, one label per row (None below the threshold)
    confidence: np.ndarray
    labelled_before: int
    newly_labelled: int
    left_empty: int
    notes: list[str] = field(default_factory=list)


def check_labels(table: LabelledTable, classes: Sequence[Any] | None) -> None:
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


@dataclass
class Validation:
    """Cross-validated accuracy per method, and each method's out-of-fold probabilities."""

    scores: dict[str, float]
    out_of_fold: dict[str, np.ndarray]  # rows: the labelled rows, in order
    truth: np.ndarray


def cross_validate(
    table: LabelledTable,
    codes: np.ndarray,
    methods: Sequence[str],
    seed: int,
    progress: Progress | None = None,
) -> Validation:
    """Each method scored on held-out folds of the labelled rows (their labels hidden)."""
    from sklearn.model_selection import StratifiedKFold

    known = np.flatnonzero(codes >= 0)
    folds = min(FOLDS, int(np.bincount(codes[known]).min()))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    n_classes = int(codes.max()) + 1
    oof = {m: np.zeros((len(known), n_classes)) for m in methods}
    for done, (method, held) in enumerate(
        ((m, held) for _, held in splitter.split(known, codes[known]) for m in methods), start=1
    ):
        hidden = codes.copy()
        hidden[known[held]] = -1
        model = make_method(method, random_state=seed, image_shape=table.image_shape)
        oof[method][held] = model.fit(table.X, hidden).predict_proba(table.X[known[held]])
        if progress is not None:
            progress(done, folds * len(methods), f"cross-validating {method}")
    truth = codes[known]
    scores = {m: float(np.mean(p.argmax(axis=1) == truth)) for m, p in oof.items()}
    return Validation(scores, oof, truth)


def choose_method(
    table: LabelledTable, codes: np.ndarray, method: str, seed: int, progress: Progress | None
) -> tuple[str, float, dict[str, float], list[str]]:
    """The method (as given, or ``auto``'s best by cross-validation) and its temperature.

    The temperature scales the method's probabilities so that its confidence matches its
    out-of-fold accuracy (see :mod:`notelab.learning.calibration`); 1 when a class has a
    single labelled row and nothing can be held out.
    """
    from notelab._util.threads import one_native_thread
    from notelab.learning.calibration import fit_temperature

    candidates = AUTO_CANDIDATES if method == "auto" else (method,)
    if int(np.bincount(codes[codes >= 0]).min()) < 2:
        chosen = "label-spreading" if method == "auto" else method
        return chosen, 1.0, {}, [f"a class has one labelled row: {chosen}, not calibrated"]
    with one_native_thread():  # many small fits: extra BLAS threads only wait
        found = cross_validate(table, codes, candidates, seed, progress)
    chosen = max(found.scores, key=lambda m: found.scores[m])
    log_proba = np.log(np.clip(found.out_of_fold[chosen], 1e-12, None))
    return chosen, fit_temperature(log_proba, found.truth), found.scores, []


def label_rows(
    table: LabelledTable,
    *,
    method: str = "auto",
    min_confidence: float = 0.9,
    seed: int = 0,
    classes: Sequence[Any] | None = None,
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
    from notelab.learning.calibration import softmax

    check_labels(table, classes)
    if method != "auto":
        check_methods([method])
    names, codes = _codes(table)
    chosen, temperature, scores, notes = choose_method(table, codes, method, seed, progress)
    model = make_method(chosen, random_state=seed, image_shape=table.image_shape)
    raw = model.fit(table.X, codes).predict_proba(table.X)
    proba = softmax(np.log(np.clip(raw, 1e-12, None)) / temperature)
    confidence = np.where(codes >= 0, 1.0, proba.max(axis=1))
    guess = names[model.classes_[proba.argmax(axis=1)]]
    predicted = np.where(codes >= 0, names[np.maximum(codes, 0)], guess).astype(object)
    predicted[confidence < min_confidence] = None
    unlabelled = codes < 0
    newly = int((unlabelled & (confidence >= min_confidence)).sum())
    return Labelling(
        chosen,
        temperature,
        scores,
        predicted,
        confidence,
        int((~unlabelled).sum()),
        newly,
        int(unlabelled.sum()) - newly,
        notes,
    )
