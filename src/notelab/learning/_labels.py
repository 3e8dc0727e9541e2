"""Partly labelled targets: ``-1`` marks a row whose label is hidden or unknown."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from notelab._util import InputError

UNLABELLED = -1


def encode_partial(y: ArrayLike, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The classes of the labelled rows and every row's class index (``-1``: unlabelled).

    Examples
    --------
    >>> classes, codes = encode_partial([3, -1, 5, 3], 4)
    >>> classes.tolist(), codes.tolist()
    ([3, 5], [0, -1, 1, 0])
    """
    y = np.asarray(y)
    if y.shape != (n_rows,):
        raise InputError(f"one label per row ({n_rows})", f"shape {y.shape}", "pass y as 1-D")
    labelled = y != UNLABELLED
    if not labelled.any():
        raise InputError(
            "at least one labelled row", "every label is -1", "label a few rows of each class"
        )
    classes, codes = np.unique(y[labelled], return_inverse=True)
    full = np.full(n_rows, UNLABELLED, dtype=np.int64)
    full[labelled] = codes
    return classes, full


def one_hot(codes: np.ndarray, n_classes: int) -> np.ndarray:
    """Rows of zeros with a one at each labelled row's class (unlabelled rows stay zero)."""
    Y = np.zeros((len(codes), n_classes))
    known = codes >= 0
    Y[known, codes[known]] = 1.0
    return Y
