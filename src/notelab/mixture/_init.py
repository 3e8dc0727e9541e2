"""Starting parameters: k-means, k-means++, random or random rows, then the user's overrides."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans, kmeans_plusplus

from notelab._util import InputError
from notelab.mixture._gaussian import Params, covariances_from_precisions, precision_cholesky
from notelab.mixture._stats import Stats, hard_stats, m_step, stats_from_resp, sum_stats

INIT_PARAMS = ("kmeans", "k-means++", "random", "random_from_data")
KMEANS_SAMPLE = 200_000


def _kmeans_stats(est, source, shift, rows, rng) -> Stats:
    k = est.n_components
    sample = source.sample(KMEANS_SAMPLE, rng) - shift
    kmeans = KMeans(n_clusters=k, n_init=1, random_state=rng).fit(sample)
    if sample.shape[0] == source.shape[0]:  # all in memory: exactly scikit-learn's start
        return hard_stats(sample, kmeans.labels_, k, est.covariance_type)
    return sum_stats(
        hard_stats(c - shift, kmeans.predict(c - shift), k, est.covariance_type)
        for c in source.chunks(rows)
    )


def _point_stats(est, points: np.ndarray) -> Stats:
    """One-hot responsibilities on k chosen rows only (scikit-learn's k-means++ and
    random_from_data starts): the other rows carry no weight."""
    resp = np.eye(len(points), dtype=points.dtype)
    return stats_from_resp(points, resp, est.covariance_type, 0.0)


def _random_stats(est, source, shift, rows, rng) -> Stats:
    parts = []
    for chunk in source.chunks(rows):
        resp = rng.uniform(size=(len(chunk), est.n_components)).astype(chunk.dtype)
        resp /= resp.sum(axis=1)[:, np.newaxis]
        parts.append(stats_from_resp(chunk - shift, resp, est.covariance_type, 0.0))
    return sum_stats(parts)


def initial_stats(est, source, shift, rows, rng) -> Stats:
    """The statistics of the starting responsibilities chosen by ``init_params``."""
    if est.init_params == "kmeans":
        return _kmeans_stats(est, source, shift, rows, rng)
    if est.init_params == "random":
        return _random_stats(est, source, shift, rows, rng)
    sample = source.sample(KMEANS_SAMPLE, rng) - shift
    if est.init_params == "k-means++":
        _, indices = kmeans_plusplus(sample, est.n_components, random_state=rng)
    else:
        indices = rng.choice(sample.shape[0], size=est.n_components, replace=False)
    return _point_stats(est, sample[indices])


def apply_overrides(est, params: Params, shift: np.ndarray) -> Params:
    """Replace what the user fixed: weights_init, means_init, precisions_init."""
    weights, means, cov = params.weights, params.means, params.covariances
    if est.weights_init is not None:
        weights = np.asarray(est.weights_init, dtype=np.float64)
    if est.means_init is not None:
        means = np.asarray(est.means_init, dtype=np.float64) - shift
    if est.precisions_init is not None:
        cov = covariances_from_precisions(
            np.asarray(est.precisions_init, np.float64), est.covariance_type
        )
    return Params(weights, means, cov, precision_cholesky(cov, est.covariance_type, est.reg_covar))


def all_given(est) -> bool:
    """Whether weights, means and precisions are all fixed by the user."""
    return all(v is not None for v in (est.weights_init, est.means_init, est.precisions_init))


def given_params(est, shift: np.ndarray) -> Params:
    """The user's starting parameters, in centred coordinates."""
    k, d = np.shape(est.means_init)
    return apply_overrides(est, Params(np.ones(k) / k, np.zeros((k, d)), None, None), shift)


def starting_params(est, source, shift, rows, rng, eps: float) -> Params:
    """Starting parameters for one initialisation (in centred coordinates)."""
    if all_given(est):
        return given_params(est, shift)
    stats = initial_stats(est, source, shift, rows, rng)
    return apply_overrides(est, m_step(stats, est.covariance_type, est.reg_covar, eps), shift)


def check_init_shapes(est, n_features: int) -> None:
    """User-given starting arrays must have the shapes the model needs."""
    k, d, kind = est.n_components, n_features, est.covariance_type
    precision_shapes = {"full": (k, d, d), "tied": (d, d), "diag": (k, d), "spherical": (k,)}
    for name, value, shape in (
        ("weights_init", est.weights_init, (k,)),
        ("means_init", est.means_init, (k, d)),
        ("precisions_init", est.precisions_init, precision_shapes[kind]),
    ):
        if value is not None and np.shape(value) != shape:
            raise InputError(
                f"{name} of shape {shape}",
                f"shape {np.shape(value)}",
                f"pass an array of shape {shape} or leave {name} out",
            )
    if est.weights_init is not None:
        w = np.asarray(est.weights_init, dtype=float)
        if np.any(w < 0) or not np.isclose(w.sum(), 1.0):
            raise InputError("weights_init non-negative and summing to 1", f"sum {w.sum():g}")
