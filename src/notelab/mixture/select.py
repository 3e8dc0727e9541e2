"""Choose the number of components by BIC or AIC."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from notelab._util import InputError
from notelab.mixture.gaussian_mixture import GaussianMixture

CRITERIA = ("bic", "aic")


@dataclass
class Selection:
    """The best model and every candidate's scores."""

    best: GaussianMixture
    table: list[dict[str, Any]]


def _scores(model: GaussianMixture, X: Any) -> dict[str, Any]:
    return {
        "n_components": model.n_components,
        "bic": model.bic(X),
        "aic": model.aic(X),
        "log_likelihood": model.score(X),
        "converged": model.converged_,
        "n_iter": model.n_iter_,
    }


def select_components(
    X: Any, candidates: Iterable[int] = range(1, 11), *, criterion: str = "bic", **params: Any
) -> Selection:
    """Fit one mixture per number of components; keep the lowest ``criterion``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(0, 1, (300, 2)), rng.normal(6, 1, (300, 2))])
    >>> select_components(X, range(1, 5), random_state=0).best.n_components
    2
    """
    if criterion not in CRITERIA:
        raise InputError(f"criterion from {', '.join(CRITERIA)}", repr(criterion))
    candidates = list(candidates)
    if not candidates:
        raise InputError("at least one candidate number of components", "none")
    n = int(X.shape[0]) if hasattr(X, "shape") else len(X)
    if max(candidates) > n:
        raise InputError(
            f"candidates of at most {n} components (the number of rows)",
            f"up to {max(candidates)}",
            f"try at most {n} components, or add rows",
        )
    models = [GaussianMixture(k, **params).fit(X) for k in candidates]
    table = [_scores(model, X) for model in models]
    best = min(range(len(models)), key=lambda i: table[i][criterion])  # the first of ties
    return Selection(models[best], table)
