"""Banded LSH (note 8): choose (bands, rows) from a threshold, then find candidate pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from notelab._util import InputError
from notelab.similarity._interrupt import deferred
from notelab.similarity._kernels import kernels

# (false-positive, false-negative) weights: recall first, since exact verification removes
# every false positive; at 128 permutations they give P(candidate) ~ 0.98-0.99 at the threshold.
DEFAULT_WEIGHTS = (0.02, 0.98)


def candidate_probability(s: np.ndarray | float, bands: int, rows: int) -> np.ndarray | float:
    """The S-curve: probability that a pair of Jaccard ``s`` shares a bucket, 1-(1-s^r)^b.

    Examples
    --------
    >>> round(float(candidate_probability(0.8, 20, 5)), 4)
    0.9996
    """
    return 1.0 - (1.0 - np.power(s, rows)) ** bands


def s_curve_threshold(bands: int, rows: int) -> float:
    """The S-curve's approximate threshold, (1/b)^(1/r)."""
    return float((1.0 / bands) ** (1.0 / rows))


@dataclass(frozen=True)
class LshParams:
    """Bands, rows and the weighted error areas under the S-curve they give."""

    bands: int
    rows: int
    false_positive_area: float
    false_negative_area: float


# Panel edges around the S-curve's step, in units of 1/rows in log s: (1-s^r)^b falls from 1 to
# 0 across a few units of r*log(s) + log(b), whatever b and r are (a double exponential).
_EDGES = np.array([-40.0, -24, -16, -12, -8, -6, -4, -3, -2, -1, 0, 1, 2, 3, 4, 6, 10])
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(16)
_BATCH = 32
_TIE = 1e-12  # costs closer than this are equal: the smaller (bands, rows) wins


def error_areas(
    threshold: float, bands: np.ndarray | int, rows: np.ndarray | int
) -> tuple[np.ndarray, np.ndarray]:
    """False-positive area (under the S-curve below ``threshold``) and false-negative area
    (above the curve from ``threshold`` to 1), for arrays of (bands, rows).

    Composite Gauss-Legendre quadrature of (1-s^r)^b on panels placed around the step of the
    curve, so the error stays far below the differences that decide a choice, for any b, r.

    Examples
    --------
    >>> fp, fn = error_areas(0.8, 17, 7)
    >>> round(float(fp[0]), 6), round(float(fn[0]), 6)
    (0.179259, 0.000381)
    """
    b = np.atleast_1d(np.asarray(bands, np.float64))[:, None]
    r = np.atleast_1d(np.asarray(rows, np.float64))[:, None]
    inner = np.exp(np.minimum(-np.log(b) / r + _EDGES / r, 0.0))
    ends = np.broadcast_to(np.array([0.0, threshold, 1.0]), (len(b), 3))
    edges = np.sort(np.concatenate([ends, inner], axis=1), axis=1)
    lo, hi = edges[:, :-1], edges[:, 1:]
    half = (hi - lo) / 2
    s = (lo + half)[..., None] + half[..., None] * _NODES
    with np.errstate(divide="ignore"):  # s = 1 on an empty panel at the end: weight 0
        survive = np.exp(b[..., None] * np.log1p(-np.power(s, r[..., None])))
    panels = half * (survive @ _WEIGHTS)
    below = (panels * (hi <= threshold)).sum(axis=1)
    above = (panels * (lo >= threshold)).sum(axis=1)
    return threshold - below, above


def _costs(
    threshold: float, weights: tuple[float, float], bands: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    fp, fn = error_areas(threshold, bands, rows)
    return weights[0] * fp + weights[1] * fn


def _best_bands(
    threshold: float, weights: tuple[float, float], rows: np.ndarray, num_perm: int
) -> np.ndarray:
    """For each row count, the band count of lowest cost. Binary search: for a fixed r the
    cost falls, then rises, in b (more bands move area from false negatives to positives,
    and ever more from below the threshold)."""
    lo, hi = np.ones_like(rows), num_perm // rows
    while np.any(lo < hi):
        open_ = lo < hi
        mid = (lo + hi) // 2
        rising = np.ones(len(rows), bool)
        rising[open_] = (
            _costs(threshold, weights, mid[open_] + 1, rows[open_])
            > _costs(threshold, weights, mid[open_], rows[open_]) - _TIE
        )
        hi = np.where(open_ & rising, mid, hi)
        lo = np.where(open_ & ~rising, mid + 1, lo)
    return lo


def optimal_params(
    threshold: float, num_perm: int, weights: tuple[float, float] = DEFAULT_WEIGHTS
) -> LshParams:
    """(bands, rows) with b*r <= num_perm minimising the weighted false-positive and
    false-negative areas under the S-curve; the default weights favour recall.

    For each r the best b is found by binary search; r stops growing once the smallest
    false-negative area any larger r could reach already costs more than the best so far
    (that area only grows with r). Milliseconds for any ``num_perm`` up to 65,536.

    Examples
    --------
    >>> p = optimal_params(0.8, 128)
    >>> p.bands, p.rows
    (17, 7)
    """
    _check_threshold(threshold)
    fp_weight, fn_weight = weights
    if fp_weight < 0 or fn_weight < 0 or fp_weight + fn_weight <= 0:
        raise InputError("two non-negative weights, not both 0", repr(weights))
    if isinstance(num_perm, bool) or not isinstance(num_perm, int | np.integer) or num_perm < 1:
        raise InputError("num_perm as a positive integer", repr(num_perm), "e.g. 128")
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    best = np.inf
    for start in range(1, num_perm + 1, _BATCH):
        if fn_weight * error_areas(threshold, num_perm // start, start)[1][0] > best:
            break
        rows = np.arange(start, min(start + _BATCH, num_perm + 1))
        bands = _best_bands(threshold, weights, rows, num_perm)
        cost = _costs(threshold, weights, bands, rows)
        found.append((bands, rows, cost))
        best = min(best, float(cost.min()))
    bands, rows, cost = (np.concatenate(x) for x in zip(*found, strict=True))
    tied = np.flatnonzero(cost <= cost.min() + _TIE)
    chosen = tied[np.lexsort((rows[tied], bands[tied]))[0]]  # the first (b, r), as a scan would
    fp, fn = error_areas(threshold, bands[chosen], rows[chosen])
    return LshParams(int(bands[chosen]), int(rows[chosen]), float(fp[0]), float(fn[0]))


def _check_threshold(threshold: float) -> None:
    """Raise a clear error unless 0 < threshold < 1 (so NaN too)."""
    if not isinstance(threshold, int | float | np.floating) or not 0.0 < threshold < 1.0:
        raise InputError("a threshold strictly between 0 and 1", repr(threshold), "e.g. 0.8")


def _check_bands(bands: int, rows: int, num_perm: int) -> None:
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
    _check_bands(bands, rows, signatures.shape[1])
    if signatures.shape[0] < 2:
        return np.empty((0, 2), np.int64)
    docs = np.arange(base, base + signatures.shape[0], dtype=np.int64)
    module = kernels("band", signatures.shape[0] * bands * rows)
    with deferred():
        keys = module.band_keys(signatures, bands, rows, nonempty)
        found = module.banded_pairs(keys, docs)
    return _unique_pairs(found)


def _unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Sorted, duplicate-free (n, 2) int64 pairs (document numbers below 2**32)."""
    if len(pairs) == 0:
        return np.empty((0, 2), np.int64)
    codes = np.unique(
        pairs[:, 0].astype(np.uint64) << np.uint64(32) | pairs[:, 1].astype(np.uint64)
    )
    return np.column_stack([(codes >> np.uint64(32)), codes & np.uint64(0xFFFFFFFF)]).astype(
        np.int64
    )
