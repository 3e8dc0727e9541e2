"""Fused EM passes in numba: per row, the log-densities, the responsibilities and the sufficient
statistics, with no (n, k) temporaries; row blocks run in parallel on every core."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt

from notelab._util.forking import numba_threads_unsafe

Array = npt.NDArray[Any]
Sums = tuple[Array, Array, Array, float]


def _normalise_rows(logp: Array, resp: Array) -> float:
    """Responsibilities from log-probabilities; return the row's log-likelihood."""
    top = logp[0]
    for j in range(1, logp.shape[0]):
        top = max(top, logp[j])
    s = 0.0
    for j in range(logp.shape[0]):
        resp[j] = np.exp(logp[j] - top)
        s += resp[j]
    inverse = 1.0 / s
    for j in range(logp.shape[0]):
        resp[j] *= inverse
    return float(top + np.log(s))


_normalise: Callable[[Array, Array], float] = nb.njit(inline="always")(_normalise_rows)


def blocks_for(n: int) -> int:
    """Row blocks for a pass: a few per thread, none tiny."""
    return max(1, min(n // 256, 8 * nb.get_num_threads()))


def _pass_diag(
    X: Array, shift: Array, means: Array, precisions: Array, const: Array, blocks: int
) -> Sums:
    """One EM pass for diagonal (and spherical, and 1-D) covariances.

    ``precisions`` is (k, d); ``const[j]`` = log w_j + log det_j - d/2 log 2 pi.
    """
    n, d = X.shape
    k = means.shape[0]
    nk = np.zeros((blocks, k))
    sx = np.zeros((blocks, k, d))
    sxx = np.zeros((blocks, k, d))
    loglik = np.zeros(blocks)
    step = (n + blocks - 1) // blocks
    for b in nb.prange(blocks):
        x = np.empty(d)
        logp = np.empty(k)
        resp = np.empty(k)
        for i in range(b * step, min(n, (b + 1) * step)):
            for t in range(d):
                x[t] = X[i, t] - shift[t]
            for j in range(k):
                q = 0.0
                for t in range(d):
                    diff = x[t] - means[j, t]
                    q += diff * diff * precisions[j, t]
                logp[j] = const[j] - 0.5 * q
            loglik[b] += _normalise(logp, resp)
            for j in range(k):
                r = resp[j]
                nk[b, j] += r
                for t in range(d):
                    rx = r * x[t]
                    sx[b, j, t] += rx
                    sxx[b, j, t] += rx * x[t]
    return nk.sum(axis=0), sx.sum(axis=0), sxx.sum(axis=0), loglik.sum()


pass_diag: Callable[..., Sums] = nb.njit(parallel=True, cache=True, fastmath=True)(_pass_diag)


def _pass_full(
    X: Array,
    shift: Array,
    quad: Array,
    linear: Array,
    offset: Array,
    const: Array,
    rows_i: Array,
    cols_j: Array,
    blocks: int,
) -> Sums:
    """One EM pass for full covariances, by the pairwise products of each row.

    With ``xx[m] = x[rows_i[m]] * x[cols_j[m]]`` over the upper triangle, the Mahalanobis
    term of component j is ``quad[j] . xx - 2 linear[j] . x + offset[j]`` (``quad`` holds
    the precision's upper triangle with off-diagonals doubled, ``linear`` = P mean,
    ``offset`` = mean' P mean). The same ``xx`` feeds sum r x x^T, so every inner loop is a
    contiguous dot product or update.
    """
    n, d = X.shape
    k, pairs = quad.shape
    nk = np.zeros((blocks, k))
    sx = np.zeros((blocks, k, d))
    sxx = np.zeros((blocks, k, pairs))
    loglik = np.zeros(blocks)
    step = (n + blocks - 1) // blocks
    for b in nb.prange(blocks):
        x = np.empty(d)
        xx = np.empty(pairs)
        logp = np.empty(k)
        resp = np.empty(k)
        for i in range(b * step, min(n, (b + 1) * step)):
            for t in range(d):
                x[t] = X[i, t] - shift[t]
            for m in range(pairs):
                xx[m] = x[rows_i[m]] * x[cols_j[m]]
            for j in range(k):
                q = offset[j]
                for m in range(pairs):
                    q += quad[j, m] * xx[m]
                for t in range(d):
                    q -= 2.0 * linear[j, t] * x[t]
                logp[j] = const[j] - 0.5 * q
            loglik[b] += _normalise(logp, resp)
            for j in range(k):
                r = resp[j]
                nk[b, j] += r
                for t in range(d):
                    sx[b, j, t] += r * x[t]
                for m in range(pairs):
                    sxx[b, j, m] += r * xx[m]
    return nk.sum(axis=0), sx.sum(axis=0), sxx.sum(axis=0), loglik.sum()


pass_full: Callable[..., Sums] = nb.njit(parallel=True, cache=True, fastmath=True)(_pass_full)

# the same passes on one thread (prange runs as range), compiled on first use: for a forked
# child, where numba's threads, started in the parent, would abort it (_util.forking); the
# blocks and their sums are the same, so the results are too. Not cached: the disk cache
# would hand back the parallel version, which has the same function and signature.
_serial = nb.njit(cache=False, fastmath=True)
serial: dict[str, Callable[..., Sums]] = {"diag": _serial(_pass_diag), "full": _serial(_pass_full)}


def passes() -> tuple[Callable[..., Sums], Callable[..., Sums]]:
    """The diagonal and full passes to use here: serial in a forked child whose parent's
    numba threads had started, parallel otherwise."""
    if numba_threads_unsafe():
        return serial["diag"], serial["full"]
    return pass_diag, pass_full
