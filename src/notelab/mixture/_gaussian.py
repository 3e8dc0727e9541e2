"""Gaussian math per covariance type: Cholesky factors, log densities, M-step from statistics.

Conventions follow scikit-learn's: ``covariances`` and ``precisions_cholesky`` have shape
(k, d, d) for "full", (d, d) for "tied", (k, d) for "diag" and (k,) for "spherical".
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import linalg

from notelab.mixture._errors import SklearnWordedError

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
Array = npt.NDArray[Any]


class CollapseWarning(UserWarning):
    """A component's covariance became singular; it was regularised more to go on
    (``on_collapse="warn"``)."""


# scikit-learn's sentence for a collapse, kept as the first part of ours (issue 18).
COLLAPSE_SENTENCE = (
    "Fitting the mixture model failed because some components have ill-defined empirical "
    "covariance (for instance caused by singleton or collapsed samples). Try to decrease the "
    "number of components, increase reg_covar, or scale the input data."
)
FLOAT32_SENTENCE = (
    " The numerical accuracy can also be improved by passing float64 data instead of float32."
)


@dataclass(frozen=True)
class Collapse:
    """What to do when a covariance is singular: ``"raise"`` scikit-learn's ValueError, or
    ``"warn"`` and regularise further; ``float32`` adds scikit-learn's float32 advice."""

    policy: str = "raise"
    reg_covar: float = 0.0
    float32: bool = False

    def handle(self, which: str) -> None:
        """Raise, or warn that ``which`` collapsed and is regularised further."""
        if self.policy == "raise":
            sentence = COLLAPSE_SENTENCE + (FLOAT32_SENTENCE if self.float32 else "")
            raise SklearnWordedError(
                sentence,
                "positive-definite covariances",
                f"{which} singular with reg_covar={self.reg_covar:g}",
                "pass a larger reg_covar, fewer components, scaled data, or "
                "on_collapse='warn' to regularise further and go on",
                say_got=True,
            )
        warnings.warn(
            f"{which} collapsed (singular covariance): regularised further to continue; "
            f"increase reg_covar (now {self.reg_covar:g}), lower n_components, or scale the data",
            CollapseWarning,
            stacklevel=2,
        )


@dataclass
class Params:
    """Mixture parameters: weights (k,), means (k, d), covariances and precision Cholesky."""

    weights: Array
    means: Array
    covariances: Array
    precisions_cholesky: Array


def _full_cholesky(cov: Array, collapse: Collapse, which: str) -> Array:
    jitter = max(collapse.reg_covar, 1e-12)
    for _ in range(12):
        try:
            chol = linalg.cholesky(cov, lower=True)
            factor: Array = linalg.solve_triangular(chol, np.eye(cov.shape[0]), lower=True).T
            return factor
        except linalg.LinAlgError:
            collapse.handle(which)
            cov = cov + jitter * np.eye(cov.shape[0])
            jitter *= 10
    raise linalg.LinAlgError(f"{which}: covariance is not positive definite even regularised")


def precision_cholesky(
    covariances: Array, covariance_type: str, collapse: Collapse | None = None
) -> Array:
    """The Cholesky factor of each precision matrix; a singular covariance is handled as
    ``collapse`` says (scikit-learn's ValueError by default)."""
    collapse = collapse or Collapse()
    if covariance_type == "full":
        return np.stack(
            [_full_cholesky(c, collapse, f"component {k}") for k, c in enumerate(covariances)]
        )
    if covariance_type == "tied":
        return _full_cholesky(covariances, collapse, "the tied covariance")
    bad = covariances <= 0
    if np.any(bad):
        first = int(np.flatnonzero(bad.reshape(len(bad), -1).any(axis=1))[0])
        collapse.handle(f"component {first}")
        covariances = np.where(bad, max(collapse.reg_covar, 1e-12), covariances)
    result: Array = 1.0 / np.sqrt(covariances)
    return result


def covariances_from_precisions(precisions: Array, covariance_type: str) -> Array:
    """Invert user-given precisions (for ``precisions_init``)."""
    if covariance_type == "full":
        return np.stack([np.asarray(linalg.inv(p)) for p in precisions])
    if covariance_type == "tied":
        return np.asarray(linalg.inv(precisions))
    return 1.0 / precisions


def precisions_from_cholesky(chol: Array, covariance_type: str) -> Array:
    """Precision matrices from their Cholesky factors."""
    if covariance_type == "full":
        return np.asarray(np.einsum("kij,klj->kil", chol, chol))
    if covariance_type == "tied":
        return chol @ chol.T
    return chol**2


def log_det_cholesky(chol: Array, covariance_type: str, n_features: int) -> Array:
    """log det of each precision Cholesky factor: (k,) or a scalar for tied."""
    if covariance_type == "full":
        return np.asarray(np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2)), axis=1))
    if covariance_type == "tied":
        return np.asarray(np.sum(np.log(np.diag(chol))))
    if covariance_type == "diag":
        return np.asarray(np.sum(np.log(chol), axis=1))
    return np.asarray(n_features * np.log(chol))


def weighted_log_prob(X: Array, params: Params, covariance_type: str) -> Array:
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
