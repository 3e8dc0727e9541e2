"""Gaussian-mixture data and a scikit-learn starting point for the benchmarks (the tests keep
their own in tests/mixture/conftest.py)."""

from __future__ import annotations

import numpy as np
from sklearn.mixture import GaussianMixture as SklearnGM


def synthetic(
    n: int = 2000, d: int = 3, k: int = 3, seed: int = 0, spread: float = 5.0
) -> np.ndarray:
    """``n`` points from ``k`` unit-variance Gaussians whose centres spread by ``spread``."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, spread, (k, d))
    return centres[rng.integers(0, k, n)] + rng.normal(0, 1, (n, d))


def sklearn_start(X, k: int, covariance_type: str, **extra) -> dict:
    """Keyword arguments that start a mixture where one scikit-learn iteration left it."""
    start = SklearnGM(
        k, covariance_type=covariance_type, random_state=0, max_iter=1, reg_covar=1e-3
    ).fit(X)
    return dict(
        covariance_type=covariance_type,
        weights_init=start.weights_,
        means_init=start.means_,
        precisions_init=start.precisions_,
        reg_covar=1e-3,
        **extra,
    )
