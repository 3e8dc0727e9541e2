"""Banded LSH (note 8): choose (bands, rows) from a threshold, then find candidate pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate

from notelab._util import InputError
from notelab.similarity import _kernels

# (false-positive, false-negative) weights: recall first, since exact verification removes
# every false positive; at 128 permutations they give P(candidate) ~ 0.98-0.99 at the threshold.
DEFAULT_WEIGHTS = (0.02, 0.98)


def candidate_probability(s: np.ndarray | float, bands: int, rows: int) -> np.ndarray | float:
    """The S-curve: probability that a pair of Jaccard ``s`` shares a bucket, 1-(1-s^r)^b.

    Examples
    --------
    >>> round(candidate_probability(0.8, 20, 5), 4)
    0.9996
    """
    return 1.0 - (1.0 - np.power(s, rows)) ** bands


def s_curve_threshold(bands: int, rows: int) -> float:
    """The S-curve's approximate threshold, (1/b)^(1/r)."""
    return (1.0 / bands) ** (1.0 / rows)


@dataclass(frozen=True)
class LshParams:
    """Bands, rows and the weighted error areas under the S-curve they give."""

    bands: int
    rows: int
    false_positive_area: float
    false_negative_area: float


def _areas(threshold: float, bands: int, rows: int) -> tuple[float, float]:
    fp = integrate.quad(lambda s: candidate_probability(s, bands, rows), 0.0, threshold)[0]
    fn = integrate.quad(lambda s: 1 - candidate_probability(s, bands, rows), threshold, 1.0)[0]
    return fp, fn


def optimal_params(
    threshold: float, num_perm: int, weights: tuple[float, float] = DEFAULT_WEIGHTS
) -> LshParams:
    """(bands, rows) with b*r <= num_perm minimising the weighted false-positive and
    false-negative areas under the S-curve; the default weights favour recall.

    Examples
    --------
    >>> p = optimal_params(0.8, 128)
    >>> p.bands * p.rows <= 128
    True
    """
    if not 0.0 < threshold < 1.0:
        raise InputError("a threshold strictly between 0 and 1", repr(threshold), "e.g. 0.8")
    fp_weight, fn_weight = weights
    if fp_weight < 0 or fn_weight < 0 or fp_weight + fn_weight <= 0:
        raise InputError("two non-negative weights, not both 0", repr(weights))
    best: LshParams | None = None
    best_cost = np.inf
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            fp, fn = _areas(threshold, bands, rows)
            cost = fp_weight * fp + fn_weight * fn
            if cost < best_cost:
                best_cost, best = cost, LshParams(bands, rows, fp, fn)
    assert best is not None
    return best


def check_bands(bands: int, rows: int, num_perm: int) -> None:
    """Raise a clear error unless bands * rows <= num_perm."""
    if bands < 1 or rows < 1 or bands * rows > num_perm:
        raise InputError(
            f"bands * rows <= num_perm ({num_perm})",
            f"{bands} x {rows}",
            "lower --bands or --rows, or raise --num-perm",
        )


def candidate_pairs(
    signatures: np.ndarray, bands: int, rows: int, nonempty: np.ndarray, base: int = 0
) -> np.ndarray:
    """Unique (i, j), i < j, pairs of documents sharing a bucket in any band."""
    check_bands(bands, rows, signatures.shape[1])
    keys = _kernels.band_keys(signatures, bands, rows, nonempty)
    docs = np.arange(base, base + signatures.shape[0], dtype=np.int64)
    found = []
    for band in range(bands):
        order = np.argsort(keys[band], kind="stable")
        found.append(_kernels.bucket_pairs(keys[band][order], docs[order]))
    return unique_pairs(np.concatenate(found) if found else np.empty((0, 2), np.int64))


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Sorted, duplicate-free (n, 2) int64 pairs."""
    if len(pairs) == 0:
        return np.empty((0, 2), np.int64)
    codes = np.unique(
        pairs[:, 0].astype(np.uint64) << np.uint64(32) | pairs[:, 1].astype(np.uint64)
    )
    return np.column_stack([(codes >> np.uint64(32)), codes & np.uint64(0xFFFFFFFF)]).astype(
        np.int64
    )
