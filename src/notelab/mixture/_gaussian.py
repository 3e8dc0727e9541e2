"""Gaussian math per covariance type: Cholesky factors, log densities, M-step from statistics.

Conventions follow scikit-learn's: ``covariances`` and ``precisions_cholesky`` have shape
(k, d, d) for "full", (d, d) for "tied", (k, d) for "diag" and (k,) for "spherical".
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import linalg

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


class CollapseWarning(UserWarning):
    """A component's covariance became singular; it was regularised more to go on."""


@dataclass
class Params:
    """Mixture parameters: weights (k,), means (k, d), covariances and precision Cholesky."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray


def _collapse_advice(which: str, reg_covar: float) -> str:
    return (
        f"{which} collapsed (singular covariance): regularised further to continue; "
        f"increase reg_covar (now {reg_covar:g}), lower n_components, or scale the data"
    )


def _full_cholesky(cov: np.ndarray, reg_covar: float, which: str) -> np.ndarray:
    jitter = max(reg_covar, 1e-12)
    for _ in range(12):
        try:
            chol = linalg.cholesky(cov, lower=True)
            return linalg.solve_triangular(chol, np.eye(cov.shape[0]), lower=True).T
        except linalg.LinAlgError:
            warnings.warn(_collapse_advice(which, reg_covar), CollapseWarning, stacklevel=6)
            cov = cov + jitter * np.eye(cov.shape[0])
            jitter *= 10
    raise linalg.LinAlgError(f"{which}: covariance is not positive definite even regularised")


def precision_cholesky(
    covariances: np.ndarray, covariance_type: str, reg_covar: float = 0.0
) -> np.ndarray:
    """The Cholesky factor of each precision matrix (warning, not failing, on collapse)."""
    if covariance_type == "full":
        return np.stack(
            [_full_cholesky(c, reg_covar, f"component {k}") for k, c in enumerate(covariances)]
        )
    if covariance_type == "tied":
        return _full_cholesky(covariances, reg_covar, "the tied covariance")
    bad = covariances <= 0
    if np.any(bad):
        warnings.warn(_collapse_advice("a component", reg_covar), CollapseWarning, stacklevel=3)
        covariances = np.where(bad, max(reg_covar, 1e-12), covariances)
    return 1.0 / np.sqrt(covariances)


def covariances_from_precisions(precisions: np.ndarray, covariance_type: str) -> np.ndarray:
    """Invert user-given precisions (for ``precisions_init``)."""
    if covariance_type == "full":
        return np.stack([linalg.inv(p) for p in precisions])
    if covariance_type == "tied":
        return linalg.inv(precisions)
    return 1.0 / precisions


def precisions_from_cholesky(chol: np.ndarray, covariance_type: str) -> np.ndarray:
    """Precision matrices from their Cholesky factors."""
    if covariance_type == "full":
        return np.einsum("kij,klj->kil", chol, chol)
    if covariance_type == "tied":
        return chol @ chol.T
    return chol**2


def log_det_cholesky(chol: np.ndarray, covariance_type: str, n_features: int) -> np.ndarray:
    """log det of each precision Cholesky factor: (k,) or a scalar for tied."""
    if covariance_type == "full":
        return np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2)), axis=1)
    if covariance_type == "tied":
        return np.sum(np.log(np.diag(chol)))
    if covariance_type == "diag":
        return np.sum(np.log(chol), axis=1)
    return n_features * np.log(chol)


def weighted_log_prob(X: np.ndarray, params: Params, covariance_type: str) -> np.ndarray:
    """log(weight_k) + log N(x | mean_k, cov_k) for every row and component: (n, k)."""
    n, d = X.shape
    means, chol = params.means.astype(X.dtype, copy=False), params.precisions_cholesky
    k = means.shape[0]
    if covariance_type == "full":
        out = np.empty((n, k), dtype=X.dtype)
        for j in range(k):
            c = chol[j].astype(X.dtype, copy=False)
            y = X @ c
            y -= means[j] @ c
            out[:, j] = np.einsum("ij,ij->i", y, y)
    elif covariance_type == "tied":
        c = chol.astype(X.dtype, copy=False)
        y = X @ c
        mc = means @ c
        out = (
            np.einsum("ij,ij->i", y, y)[:, None]
            - 2 * (y @ mc.T)
            + np.einsum("ij,ij->i", mc, mc)[None, :]
        )
    elif covariance_type == "diag":
        p = (chol**2).astype(X.dtype, copy=False)
        out = np.sum(means**2 * p, axis=1) - 2 * (X @ (means * p).T) + (X * X) @ p.T
    else:
        p = (chol**2).astype(X.dtype, copy=False)
        out = (
            np.sum(means**2, axis=1) * p
            - 2 * (X @ means.T) * p
            + np.outer(np.einsum("ij,ij->i", X, X), p)
        )
    log_det = log_det_cholesky(chol, covariance_type, d)
    out *= -0.5
    out += (-0.5 * d * np.log(2 * np.pi) + log_det + np.log(params.weights)).astype(X.dtype)
    return out
