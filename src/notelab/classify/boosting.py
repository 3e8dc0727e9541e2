"""scikit-learn's histogram gradient boosting classifier with its tree grower compiled.

:class:`CompiledHistGradientBoostingClassifier` subclasses ``HistGradientBoostingClassifier``:
the same parameters, attributes, prediction code, early stopping, and the same trees, node for
node (tests compare every predictor's node array with scikit-learn's). The boosting loop *is*
scikit-learn's ``fit``: the same function code, run with two of its module's names pointing
elsewhere: ``TreeGrower`` to :func:`_grower` and ``_update_raw_predictions`` to ours.
scikit-learn's module is not modified, and a plain ``HistGradientBoostingClassifier`` fitted at
the same time is unaffected.

:func:`_grower` hands a tree to the compiled grower (:mod:`notelab.classify._boosting_kernel`)
when it covers the case (:func:`compiled_grower_covers`: numeric features without missing
values, no monotonic or interaction constraints, every feature tried at each split,
``max_features=1.0``) and is the faster (:func:`compiled_grower_is_faster`: always on one
thread; on several, up to a measured amount of histogram work, beyond which scikit-learn's
OpenMP histograms win). Any other tree goes to scikit-learn's ``TreeGrower`` unchanged.

Examples
--------
>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> model = CompiledHistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y)
>>> float(model.score(X, y))
0.98
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import _fit_context
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.ensemble._hist_gradient_boosting import gradient_boosting as sklearn_boosting
from sklearn.ensemble._hist_gradient_boosting.common import (
    PREDICTOR_RECORD_DTYPE,
    X_BITSET_INNER_DTYPE,
)
from sklearn.ensemble._hist_gradient_boosting.grower import TreeGrower
from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

from notelab._util.array_memo import ArrayMemo
from notelab.classify import _boosting_kernel as kernel

# the arguments BaseHistGradientBoosting.fit passes to TreeGrower, all of which are understood
_FIT_ARGUMENTS = frozenset(
    {
        "X_binned", "gradients", "hessians", "n_bins", "n_bins_non_missing",
        "has_missing_values", "is_categorical", "monotonic_cst", "interaction_cst",
        "max_leaf_nodes", "max_depth", "min_samples_leaf", "l2_regularization",
        "feature_fraction_per_split", "rng", "shrinkage", "n_threads",
    }
)  # fmt: skip
_NO_LIMIT = -1
MIN_HESSIAN_TO_SPLIT = 1e-3  # TreeGrower's default, which fit does not override
MIN_GAIN_TO_SPLIT = 0.0
HISTOGRAM_BIN_BYTES = 24  # a bin's sum of gradients, sum of hessians and count, as float64
L1_BYTES = 32_768  # histograms up to this size are built a row at a time (see _histograms)
MAX_HISTOGRAM_POOL_BYTES = 1 << 28  # beyond (no leaf limit, tiny leaves): scikit-learn's grower
# rows x features up to which one thread beats scikit-learn's on two (measured, 2 cores)
ONE_THREAD_WORK = 50_000
ONE_THREAD_WORK_SMALL_HISTOGRAMS = 1_000_000


def compiled_grower_covers(arguments: dict[str, Any]) -> bool:
    """Whether the compiled grower grows the tree ``TreeGrower(**arguments)`` would."""
    X, hessians = arguments["X_binned"], arguments["hessians"]
    monotonic, categorical = arguments["monotonic_cst"], arguments["is_categorical"]
    return (
        set(arguments) <= _FIT_ARGUMENTS
        and X.dtype == np.uint8
        and X.flags.f_contiguous
        and hessians.shape[0] != 1  # constant hessians: regression losses only
        and not np.any(arguments["has_missing_values"])
        and (categorical is None or not np.any(categorical))
        and (monotonic is None or not np.any(monotonic))
        and arguments["interaction_cst"] is None
        and arguments["feature_fraction_per_split"] >= 1.0
        and _histogram_pool_bytes(arguments) <= MAX_HISTOGRAM_POOL_BYTES
    )


def _histogram_pool_bytes(arguments: dict[str, Any]) -> int:
    """The memory for the grower's histograms: one set per leaf it may have, plus three."""
    n, p = arguments["X_binned"].shape
    max_leaves = max(1, n // max(1, int(arguments["min_samples_leaf"])))
    if arguments["max_leaf_nodes"] is not None:
        max_leaves = min(max_leaves, int(arguments["max_leaf_nodes"]))
    width = int(np.max(arguments["n_bins_non_missing"]))
    return int((max_leaves + 3) * p * width * HISTOGRAM_BIN_BYTES)


# the row-major copy of each binned training array, made once per fit, not per tree
_row_major = ArrayMemo(np.ascontiguousarray)


class CompiledGrower:
    """A tree grown by the compiled kernel, with the parts of ``TreeGrower`` that fit uses.

    Parameters are ``TreeGrower``'s, as keywords; see :func:`compiled_grower_covers`.
    """

    total_find_split_time = 0.0  # fit adds these up for its verbose output
    total_compute_hist_time = 0.0
    total_apply_split_time = 0.0

    def __init__(self, **arguments: Any) -> None:
        self.arguments = arguments
        self.n_bins_non_missing = np.asarray(arguments["n_bins_non_missing"], dtype=np.int64)
        self.ints = self.floats = self.partition = np.empty(0)

    def grow(self) -> None:
        """Grow the tree (``TreeGrower.grow``)."""
        a = self.arguments
        limits = np.array([_limit(a["max_leaf_nodes"]), _limit(a["max_depth"])])
        rules = np.array(
            [
                a["min_samples_leaf"],
                MIN_HESSIAN_TO_SPLIT,
                MIN_GAIN_TO_SPLIT,
                a["l2_regularization"],
            ],
            dtype=np.float64,
        )
        X = a["X_binned"]
        if _small_histograms(X, self.n_bins_non_missing):
            X = _row_major.of(X)  # a row's features updated together
        self.ints, self.floats, self.partition = kernel.grow(
            X, a["gradients"], a["hessians"],
            self.n_bins_non_missing, a["n_bins"], limits, rules, float(a["shrinkage"]),
        )  # fmt: skip

    def make_predictor(self, binning_thresholds: list[np.ndarray]) -> TreePredictor:
        """The fitted tree as scikit-learn's ``TreePredictor`` (``TreeGrower.make_predictor``)."""
        ints, floats = self.ints, self.floats
        is_leaf = ints[:, kernel.LEAF].astype(bool)
        order = kernel.preorder(ints[:, kernel.LEFT], is_leaf)
        position = np.empty_like(order)
        position[order] = np.arange(order.shape[0])
        records = np.zeros(order.shape[0], dtype=PREDICTOR_RECORD_DTYPE)
        records["value"] = floats[order, kernel.VALUE]
        records["gain"] = floats[order, kernel.GAIN]
        records["count"] = ints[order, kernel.COUNT]
        records["depth"] = ints[order, kernel.DEPTH]
        records["is_leaf"] = is_leaf[order]
        split = np.flatnonzero(~is_leaf[order])
        nodes = order[split]
        feature, bin_, left = (ints[nodes, c] for c in (kernel.FEATURE, kernel.BIN, kernel.LEFT))
        records["feature_idx"][split] = feature
        records["bin_threshold"][split] = bin_
        records["left"][split] = position[left]
        records["right"][split] = position[left + 1]
        # no missing values at fit time: at predict time they go to the larger child
        count = ints[:, kernel.COUNT]
        records["missing_go_to_left"][split] = count[left] > count[left + 1]
        records["num_threshold"][split] = [
            np.inf if b == self.n_bins_non_missing[f] - 1 else binning_thresholds[f][b]
            for f, b in zip(feature, bin_, strict=True)
        ]
        no_bitsets = np.zeros((0, 8), dtype=X_BITSET_INNER_DTYPE)
        return TreePredictor(records, no_bitsets, no_bitsets.copy())

    def add_to(self, raw_predictions: np.ndarray) -> None:
        """Add each leaf's value to its training rows' raw predictions."""
        kernel.add_leaf_values(raw_predictions, self.partition, self.ints, self.floats)


def _limit(limit: int | None) -> int:
    return _NO_LIMIT if limit is None else int(limit)


def compiled_grower_is_faster(arguments: dict[str, Any]) -> bool:
    """Whether the compiled grower beats scikit-learn's on this tree (measured; see the docs).

    The compiled grower runs on one thread. scikit-learn's builds histograms on every OpenMP
    thread, which wins once the histogram work (rows x features) is large; later when the
    histograms are small enough to be built a row at a time.
    """
    X = arguments["X_binned"]
    work = X.shape[0] * X.shape[1]
    if _openmp_effective_n_threads(arguments["n_threads"]) <= 1 or work <= ONE_THREAD_WORK:
        return True
    small = _small_histograms(X, np.asarray(arguments["n_bins_non_missing"]))
    return small and work <= ONE_THREAD_WORK_SMALL_HISTOGRAMS


def _small_histograms(X: np.ndarray, n_bins_non_missing: np.ndarray) -> bool:
    return bool(X.shape[1] * int(n_bins_non_missing.max()) * HISTOGRAM_BIN_BYTES <= L1_BYTES)


def _grower(**arguments: Any) -> CompiledGrower | TreeGrower:
    """``TreeGrower`` as fit calls it: the compiled grower where it covers the tree and is the
    faster of the two."""
    if compiled_grower_covers(arguments) and compiled_grower_is_faster(arguments):
        return CompiledGrower(**arguments)
    return TreeGrower(**arguments)


def _update_raw_predictions(raw_predictions: np.ndarray, grower: Any, n_threads: int) -> None:
    if isinstance(grower, CompiledGrower):
        grower.add_to(raw_predictions)
    else:
        sklearn_boosting._update_raw_predictions(raw_predictions, grower, n_threads)


@functools.cache
def _boosting_fit() -> Callable[..., Any]:
    """scikit-learn's ``BaseHistGradientBoosting.fit``, its code run with our two names."""
    fit = inspect.unwrap(sklearn_boosting.BaseHistGradientBoosting.fit)
    scope = dict(vars(sklearn_boosting))
    scope["TreeGrower"] = _grower
    scope["_update_raw_predictions"] = _update_raw_predictions
    rebuilt = types.FunctionType(
        fit.__code__, scope, fit.__name__, fit.__defaults__, fit.__closure__
    )
    rebuilt.__kwdefaults__ = fit.__kwdefaults__
    return rebuilt


class CompiledHistGradientBoostingClassifier(HistGradientBoostingClassifier):
    """``HistGradientBoostingClassifier`` grown by a compiled grower; see the module docstring.

    Parameters are ``sklearn.ensemble.HistGradientBoostingClassifier``'s, with the same
    defaults.
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        *,
        X_val: Any = None,
        y_val: Any = None,
        sample_weight_val: Any = None,
    ) -> CompiledHistGradientBoostingClassifier:
        """Fit as ``HistGradientBoostingClassifier.fit`` does, with the same result."""
        fitted: CompiledHistGradientBoostingClassifier = _boosting_fit()(
            self, X, y, sample_weight, X_val=X_val, y_val=y_val,
            sample_weight_val=sample_weight_val,
        )  # fmt: skip
        return fitted
