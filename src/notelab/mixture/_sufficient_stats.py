"""Sufficient statistics of one EM pass, computed block by block and summed, then the M-step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from notelab.mixture import _fused_passes
from notelab.mixture._gaussian import (
    Array,
    Collapse,
    Params,
    log_det_cholesky,
    precision_cholesky,
)


@dataclass
class Stats:
    """Sums over rows: responsibilities, r*x, the second moments, log-likelihood, row count."""

    nk: Array
    sx: Array
    sxx: Array
    loglik: float
    n: int

    def __add__(self, other: Stats) -> Stats:
        return Stats(
            self.nk + other.nk,
            self.sx + other.sx,
            self.sxx + other.sxx,
            self.loglik + other.loglik,
            self.n + other.n,
        )


def second_moments(X: Array, resp: Array, covariance_type: str) -> Array:
    """Σ r x xᵀ per component (full), Σ x xᵀ (tied) or Σ r x² per component (diag, spherical)."""
    if covariance_type == "full":
        moments = np.stack([(X * resp[:, j : j + 1]).T @ X for j in range(resp.shape[1])])
    elif covariance_type == "tied":
        moments = X.T @ X
    else:
        moments = resp.T @ (X * X)
    return moments.astype(np.float64)


def stats_from_resp(X: Array, resp: Array, covariance_type: str, loglik: float = 0.0) -> Stats:
    """Statistics of one block given its responsibilities."""
    return Stats(
        resp.sum(axis=0, dtype=np.float64),
        (resp.T @ X).astype(np.float64),
        second_moments(X, resp, covariance_type),
        float(loglik),
        len(X),
    )


def chunk_stats(X: Array, shift: Array, params: Params, covariance_type: str) -> Stats:
    """E-step on one block (rows minus ``shift``) fused with its sufficient statistics."""
    d = params.means.shape[1]
    chol = params.precisions_cholesky
    const = (
        np.log(params.weights)
        + log_det_cholesky(chol, covariance_type, d)
        - d * 0.5 * np.log(2 * np.pi)
    )
    blocks = _fused_passes.blocks_for(len(X))
    if covariance_type in ("diag", "spherical"):
        precisions = chol**2 if covariance_type == "diag" else np.repeat((chol**2)[:, None], d, 1)
        pass_diag = _fused_passes.passes()[0]
        nk, sx, sxx, loglik = pass_diag(X, shift, params.means, precisions, const, blocks)
    else:
        nk, sx, sxx, loglik = _full_pass(X, shift, params, chol, const, blocks)
        if covariance_type == "tied":
            sxx = sxx.sum(axis=0)
    return Stats(nk, sx, sxx, float(loglik), len(X))


def _full_pass(
    X: Array, shift: Array, params: Params, chol: Array, const: Array, blocks: int
) -> tuple[Array, Array, Array, float]:
    k, d = params.means.shape
    chol = np.broadcast_to(chol, (k, d, d))
    precisions = np.einsum("kij,klj->kil", chol, chol)
    rows_i, cols_j = np.triu_indices(d)
    quad = precisions[:, rows_i, cols_j] * np.where(rows_i == cols_j, 1.0, 2.0)
    linear = np.einsum("kij,kj->ki", precisions, params.means)
    offset = np.einsum("ki,ki->k", linear, params.means)
    pass_full = _fused_passes.passes()[1]
    nk, sx, tri, loglik = pass_full(X, shift, quad, linear, offset, const, rows_i, cols_j, blocks)
    sxx = np.zeros((k, d, d))
    sxx[:, rows_i, cols_j] = tri
    sxx[:, cols_j, rows_i] = tri
    return nk, sx, sxx, loglik


def hard_stats(X: Array, labels: Array, k: int, covariance_type: str) -> Stats:
    """Statistics of one block with one-hot responsibilities from labels (the k-means start)."""
    resp = np.zeros((len(X), k), dtype=X.dtype)
    resp[np.arange(len(X)), labels] = 1
    return stats_from_resp(X, resp, covariance_type)


def m_step(
    stats: Stats, covariance_type: str, reg_covar: float, eps: float, collapse: Collapse
) -> Params:
    """New parameters from summed statistics (scikit-learn's formulas, from sums)."""
    nk = stats.nk + 10 * eps
    means = stats.sx / nk[:, None]
    d = means.shape[1]
    if covariance_type == "full":
        cov = (
            stats.sxx
            - np.einsum("ki,kj->kij", means, stats.sx)
            - np.einsum("ki,kj->kij", stats.sx, means)
            + stats.nk[:, None, None] * np.einsum("ki,kj->kij", means, means)
        )
        cov /= nk[:, None, None]
        cov[:, np.arange(d), np.arange(d)] += reg_covar
    elif covariance_type == "tied":
        cov = (stats.sxx - (nk[:, None] * means).T @ means) / nk.sum()
        cov.flat[:: d + 1] += reg_covar
    else:
        cov = stats.sxx / nk[:, None] - 2 * means * stats.sx / nk[:, None] + means**2 + reg_covar
        if covariance_type == "spherical":
            cov = cov.mean(axis=1)
    return Params(nk / nk.sum(), means, cov, precision_cholesky(cov, covariance_type, collapse))
