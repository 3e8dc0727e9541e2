"""The compiled parts of the fused teacher-forced loss's cross-entropy: the loss and its
gradient with respect to the logits.

In NumPy alone that is about ten array operations (max, subtract, exp, sum, log, gather,
mean, divide, then the gradient's scatter), and on the small vocabularies of the built-in
tasks their calls, not the arithmetic, set the time. Compiled alone it is no faster: the
exponential is a scalar library call per value. So the caller takes the exponential with
NumPy's vectorised ``np.exp`` between :func:`shift` and :func:`finish`. At the CLI's size
(480 rows of 15 logits) that is 11 us, against 50 for NumPy alone and 48 compiled alone.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

A = np.ndarray
_jit = nb.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def shift(logits: A, targets: A, shifted: A) -> A:  # pragma: no cover - compiled
    """Writes each row of ``logits (rows, classes)`` less its largest value into ``shifted``
    and returns the shifted logit of each row's target (float64)."""
    rows, classes = logits.shape
    at_target = np.empty(rows, np.float64)
    for i in range(rows):
        row, out = logits[i], shifted[i]
        top = row[0]
        for j in range(1, classes):
            top = max(top, row[j])
        for j in range(classes):
            out[j] = row[j] - top
        at_target[i] = out[targets[i]]
    return at_target


@_jit
def finish(exp: A, at_target: A, targets: A) -> float:  # pragma: no cover - compiled
    """From the exponentials of the shifted logits (:func:`shift`, then ``np.exp``): returns
    the mean cross-entropy (sums in float64) and turns ``exp`` into its gradient with respect
    to the logits, ``(softmax - one hot) / rows``."""
    rows, classes = exp.shape
    total = 0.0
    for i in range(rows):
        row = exp[i]
        summed = 0.0
        for j in range(classes):
            summed += row[j]
        total += math.log(summed) - at_target[i]
        scale = row.dtype.type(1.0 / (summed * rows))
        for j in range(classes):
            row[j] *= scale
        row[targets[i]] -= row.dtype.type(1.0 / rows)
    return float(total / rows)
