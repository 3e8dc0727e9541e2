"""Pictures of a fitted mixture: 1-D histogram with densities, 2-D scatter with ellipses, or the
first two principal components for more dimensions."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse

from notelab.mixture.gaussian_mixture import GaussianMixture

Array = np.ndarray[Any, Any]


def full_covariances(model: GaussianMixture) -> Array:
    """Every component's covariance as a (k, d, d) matrix, whatever the covariance type."""
    k, d = model.means_.shape
    cov = model.covariances_
    if model.covariance_type == "full":
        result: Array = cov
        return result
    if model.covariance_type == "tied":
        return np.broadcast_to(cov, (k, d, d)).copy()
    if model.covariance_type == "diag":
        return np.stack([np.diag(c) for c in cov])
    return np.stack([np.eye(d) * c for c in cov])


def plot_mixture(
    model: GaussianMixture, X: Array, *, max_points: int = 20_000, seed: int = 0
) -> Figure:
    """Draw the data (a sample of at most ``max_points`` rows) with the fitted components."""
    rng = np.random.default_rng(seed)
    if len(X) > max_points:
        X = X[rng.choice(len(X), max_points, replace=False)]
    figure = Figure(figsize=(6.4, 4.4), layout="constrained")
    axes = figure.add_subplot()
    if X.shape[1] == 1:
        _histogram(axes, model, X[:, 0])
    else:
        _scatter(axes, model, X)
    return figure


def _histogram(axes: Axes, model: GaussianMixture, x: Array) -> None:
    axes.hist(x, bins=min(80, max(10, len(x) // 20)), density=True, alpha=0.4, color="grey")
    grid = np.linspace(x.min(), x.max(), 400)
    sd = np.sqrt(full_covariances(model)[:, 0, 0])
    total = np.zeros_like(grid)
    for j, (w, m, s) in enumerate(zip(model.weights_, model.means_[:, 0], sd, strict=True)):
        density = w * np.exp(-0.5 * ((grid - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))
        total += density
        axes.plot(grid, density, label=f"component {j}: mean {m:.3g}, sd {s:.3g}")
    axes.plot(grid, total, "k--", label="mixture")
    axes.set(xlabel="x", ylabel="density", title="Data and fitted mixture")
    axes.legend(fontsize=8)


def _scatter(axes: Axes, model: GaussianMixture, X: Array) -> None:
    means, covs = model.means_, full_covariances(model)
    label = ["x0", "x1"]
    if X.shape[1] > 2:
        centre = X.mean(axis=0)
        _, _, vt = np.linalg.svd(X - centre, full_matrices=False)
        basis = vt[:2].T
        X, means = (X - centre) @ basis, (means - centre) @ basis
        covs = np.einsum("di,kde,ej->kij", basis, covs, basis)
        label = ["PC1", "PC2"]
    else:
        covs = covs[:, :2, :2]
    axes.scatter(X[:, 0], X[:, 1], s=3, alpha=0.3, color="grey")
    for j, (m, c) in enumerate(zip(means[:, :2], covs, strict=True)):
        values, vectors = np.linalg.eigh(c)
        angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))
        for scale in (1, 2):
            axes.add_patch(
                Ellipse(
                    m,
                    2 * scale * np.sqrt(values[1]),
                    2 * scale * np.sqrt(values[0]),
                    angle=angle,
                    fill=False,
                    color=f"C{j}",
                    lw=1.5 / scale,
                )
            )
        axes.plot(*m, "x", color=f"C{j}")
    axes.set(xlabel=label[0], ylabel=label[1], title="Data and fitted components (1 and 2 sd)")
