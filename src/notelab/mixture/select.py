"""Choose the number of components by BIC or AIC."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from notelab._util import InputError
from notelab.mixture.model import GaussianMixture

CRITERIA = ("bic", "aic")


@dataclass
class Selection:
    """The best model and every candidate's scores."""

    best: GaussianMixture
    table: list[dict[str, float]]


def select_components(
    X, candidates: Iterable[int] = range(1, 11), *, criterion: str = "bic", **params
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
    best, best_score, table = None, float("inf"), []
    for k in candidates:
        model = GaussianMixture(k, **params).fit(X)
        row = {
            "n_components": k,
            "bic": model.bic(X),
            "aic": model.aic(X),
            "log_likelihood": model.score(X),
            "converged": model.converged_,
            "n_iter": model.n_iter_,
        }
        table.append(row)
        if row[criterion] < best_score:
            best, best_score = model, row[criterion]
    if best is None:
        raise InputError("at least one candidate number of components", "none")
    return Selection(best, table)
