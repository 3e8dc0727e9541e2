"""What a ``GaussianMixture`` accepts, as data: scikit-learn's constraint table with a fix for
every parameter, and the checks of user-given starting arrays. Every error starts with the
sentence scikit-learn writes for the same fault, then says what to pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)

from notelab.mixture._errors import SklearnWordedError
from notelab.mixture._gaussian import COVARIANCE_TYPES, Array
from notelab.mixture._starts import INIT_PARAMS

ON_COLLAPSE = ("raise", "warn")

# scikit-learn's table for its GaussianMixture, plus notelab's two parameters.
PARAMETER_CONSTRAINTS: dict[str, list[Any]] = {
    "n_components": [Interval(Integral, 1, None, closed="left")],
    "covariance_type": [StrOptions(set(COVARIANCE_TYPES))],
    "tol": [Interval(Real, 0.0, None, closed="left")],
    "reg_covar": [Interval(Real, 0.0, None, closed="left")],
    "max_iter": [Interval(Integral, 0, None, closed="left")],
    "n_init": [Interval(Integral, 1, None, closed="left")],
    "init_params": [StrOptions(set(INIT_PARAMS))],
    "weights_init": ["array-like", None],
    "means_init": ["array-like", None],
    "precisions_init": ["array-like", None],
    "random_state": ["random_state"],
    "warm_start": ["boolean"],
    "verbose": ["verbose"],
    "verbose_interval": [Interval(Integral, 1, None, closed="left")],
    "chunk_bytes": [Interval(Integral, 1, None, closed="left")],
    "on_collapse": [StrOptions(set(ON_COLLAPSE))],
}

FIXES = {
    "n_components": "pass a whole number of components, at least 1, e.g. n_components=2",
    "covariance_type": f"pass one of {', '.join(map(repr, COVARIANCE_TYPES))}",
    "tol": "pass a tolerance of 0 or more, e.g. tol=1e-3",
    "reg_covar": "pass a regularisation of 0 or more, e.g. reg_covar=1e-6",
    "max_iter": "pass a whole number of iterations, 0 or more, e.g. max_iter=100",
    "n_init": "pass a whole number of starts, at least 1, e.g. n_init=1",
    "init_params": f"pass one of {', '.join(map(repr, INIT_PARAMS))}",
    "weights_init": "pass an array of n_components weights, or None",
    "means_init": "pass an (n_components, n_features) array, or None",
    "precisions_init": "pass an array of precisions shaped for covariance_type, or None",
    "random_state": "pass an int seed, a numpy RandomState, or None",
    "warm_start": "pass True or False",
    "verbose": "pass 0 (silent), 1 or 2 (with times)",
    "verbose_interval": "pass a whole number of iterations between messages, e.g. 10",
    "chunk_bytes": "pass a positive whole number of bytes, e.g. chunk_bytes=32 * 2**20",
    "on_collapse": "pass 'raise' (scikit-learn's behaviour) or 'warn' (regularise further)",
}


def check_parameters(params: dict[str, Any], caller: str) -> None:
    """Check every hyperparameter against the table; the first bad one raises."""
    for name, constraints in PARAMETER_CONSTRAINTS.items():
        try:
            validate_parameter_constraints({name: constraints}, {name: params[name]}, caller)
        except InvalidParameterError as error:
            raise SklearnWordedError(
                str(error), f"a valid {name}", repr(params[name]), FIXES[name]
            ) from None


@dataclass(frozen=True)
class InitialArrays:
    """The user's starting arrays, checked (None where not given)."""

    weights: Array | None
    means: Array | None
    precisions: Array | None

    @property
    def all_given(self) -> bool:
        """Whether weights, means and precisions are all fixed by the user."""
        return all(v is not None for v in (self.weights, self.means, self.precisions))


def _shaped(value: Any, shape: tuple[int, ...], name: str, what: str, nd: bool = False) -> Array:
    array: Array = check_array(value, dtype=[np.float64, np.float32], ensure_2d=False, allow_nd=nd)
    if array.shape != shape:
        raise SklearnWordedError(
            f"The parameter '{name}' should have the shape of {shape}, but got {array.shape}",
            f"{what} of shape {shape}",
            f"shape {array.shape}",
            f"pass {what} of shape {shape}, or leave it out",
        )
    return array


def _weights(value: Any, k: int) -> Array:
    weights = _shaped(value, (k,), "weights", "weights_init")
    if np.any(weights < 0.0) or np.any(weights > 1.0):
        raise SklearnWordedError(  # scikit-learn's sentence, its min and max swapped as written
            "The parameter 'weights' should be in the range [0, 1], but got max value "
            f"{np.min(weights):.5f}, min value {np.max(weights):.5f}",
            "weights_init in [0, 1]",
            f"from {np.min(weights):g} to {np.max(weights):g}",
            "pass weights between 0 and 1 that sum to 1",
        )
    atol = 1e-6 if weights.dtype == np.float32 else 1e-8
    if not np.allclose(float(np.abs(1.0 - np.sum(weights))), 0.0, atol=atol):
        raise SklearnWordedError(
            f"The parameter 'weights' should be normalized, but got sum(weights) = "
            f"{np.sum(weights):.5f}",
            "weights_init summing to 1",
            f"sum {np.sum(weights):g}",
            "divide the weights by their sum",
        )
    return weights


def _positive(precisions: Array, covariance_type: str) -> None:
    if covariance_type in ("diag", "spherical"):
        if np.any(precisions <= 0.0):
            sentence, expected = f"'{covariance_type} precision' should be positive", "positive"
        else:
            return
    else:
        matrices = precisions if covariance_type == "full" else precisions[None]
        if all(np.allclose(p, p.T) and np.all(np.linalg.eigvalsh(p) > 0.0) for p in matrices):
            return
        sentence = f"'{covariance_type} precision' should be symmetric, positive-definite"
        expected = "symmetric, positive-definite"
    raise SklearnWordedError(
        sentence,
        f"{expected} precisions_init",
        "a precision that is not",
        "pass inverses of valid covariances, or leave precisions_init out",
    )


def _precisions(value: Any, covariance_type: str, k: int, d: int) -> Array:
    shapes = {"full": (k, d, d), "tied": (d, d), "diag": (k, d), "spherical": (k,)}
    precisions = _shaped(
        value,
        shapes[covariance_type],
        f"{covariance_type} precision",
        "precisions_init",
        nd=covariance_type == "full",
    )
    _positive(precisions, covariance_type)
    return precisions


def check_initial_arrays(
    weights: Any, means: Any, precisions: Any, covariance_type: str, k: int, d: int
) -> InitialArrays:
    """``weights_init``, ``means_init`` and ``precisions_init`` checked as scikit-learn does."""
    return InitialArrays(
        None if weights is None else _weights(weights, k),
        None if means is None else _shaped(means, (k, d), "means", "means_init"),
        None if precisions is None else _precisions(precisions, covariance_type, k, d),
    )
