"""scikit-learn's decision tree and random forest with the tree builder compiled.

:class:`CompiledTreeClassifier` subclasses ``DecisionTreeClassifier`` and
:class:`CompiledRandomForestClassifier` subclasses ``RandomForestClassifier``: the same
parameters, attributes, prediction code, and the same trees, node for node (tests compare every
node array with scikit-learn's). Only the growing differs: :mod:`notelab.classify._tree_kernel`
ranks each feature once per forest and orders a node's rows by a radix sort on those ranks,
where scikit-learn sorts float values in every node, for every feature it draws.

The compiled builder covers the default trees: Gini, best splits, depth first, one target,
dense data without missing values, integer sample weights (a forest's bootstrap counts).
Anything else (entropy, ``max_leaf_nodes``, class weights, monotonic constraints, sparse data,
NaN, fractional weights) goes to scikit-learn's builder unchanged.

Examples
--------
>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> forest = CompiledRandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
>>> float(forest.score(X, y))
1.0
"""

from __future__ import annotations

import copy
import numbers
from math import ceil
from typing import Any

import numpy as np
import scipy.sparse
from sklearn.base import _fit_context
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.tree._tree import NODE_DTYPE, Tree
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_random_state, validate_data

from notelab._util.array_memo import ArrayMemo
from notelab.classify import _tree_kernel as kernel


def _ranks() -> ArrayMemo:
    """Feature ranks shared by the trees of one forest fit, computed once per data array.

    A tree sent to another process (joblib's Dask backend runs a forest's trees on the
    cluster) ranks its data there.
    """
    return ArrayMemo(kernel.feature_ranks)


class CompiledTreeClassifier(DecisionTreeClassifier):
    """``DecisionTreeClassifier`` grown by a compiled builder; see the module docstring.

    Parameters are ``sklearn.tree.DecisionTreeClassifier``'s, with the same defaults.
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: Any, y: Any, sample_weight: Any = None, check_input: bool = True
    ) -> CompiledTreeClassifier:
        # DecisionTreeClassifier.fit calls super()._fit, which would skip the override below
        self._fit(X, y, sample_weight=sample_weight, check_input=check_input)
        return self

    def _fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        check_input: bool = True,
        missing_values_in_feature_mask: Any = None,
    ) -> Any:
        as_given = (X, y, sample_weight, check_input, missing_values_in_feature_mask)
        if not self._builder_covers_settings():
            return super()._fit(*as_given)  # type: ignore[misc]
        if check_input:
            X, y = validate_data(
                self,
                X,
                y,
                validate_separately=(
                    {"dtype": np.float32, "accept_sparse": "csc", "ensure_all_finite": False},
                    {"ensure_2d": False, "dtype": None},
                ),
            )
            missing_values_in_feature_mask = self._compute_missing_values_in_feature_mask(X)
        y = np.atleast_1d(y)
        y = y.reshape(-1, 1) if y.ndim == 1 else y
        if not _builder_covers_data(X, y, sample_weight, missing_values_in_feature_mask):
            return super()._fit(*as_given)  # type: ignore[misc]  # checks run again there
        self._grow(X, y, sample_weight, from_forest=getattr(self, "_shared_ranks", None))
        self._prune_tree()
        return self

    def _builder_covers_settings(self) -> bool:
        return (
            self.criterion == "gini"
            and self.splitter == "best"
            and self.max_leaf_nodes is None
            and self.class_weight is None
            and self.monotonic_cst is None
        )

    def _grow(
        self, X: np.ndarray, y: np.ndarray, sample_weight: Any, from_forest: ArrayMemo | None
    ) -> None:
        """What ``DecisionTreeClassifier._fit`` does for the covered settings, then the
        compiled builder. A forest's trees skip the checks the forest made of its targets and
        bootstrap counts (a tenth of a millisecond a tree)."""
        random_state = check_random_state(self.random_state)
        n_samples, self.n_features_in_ = X.shape
        self.n_outputs_ = 1
        if from_forest is None:
            check_classification_targets(y)
        if len(y) != n_samples:
            raise ValueError(
                f"Number of labels={len(y)} does not match number of samples={n_samples}"
            )
        classes, encoded = np.unique(y[:, 0], return_inverse=True)
        n_classes = np.array([classes.shape[0]], dtype=np.intp)
        if sample_weight is None:
            weights = np.ones(n_samples, dtype=np.int64)
        elif from_forest is not None:  # the bootstrap counts of the forest's own rows
            weights = np.asarray(sample_weight).astype(np.int64)
        else:  # scikit-learn's checks (length, not all zero), then the exact integers
            weights = _check_sample_weight(sample_weight, X, dtype=np.float64).astype(np.int64)
        limits = self._limits(n_samples, float(weights.sum()))
        self.max_features_ = self._resolved_max_features()
        seed = random_state.randint(0, kernel.RAND_R_MAX)  # the splitter's rand_r state
        ranks: Any = from_forest.of(X) if from_forest is not None else kernel.feature_ranks(X)
        grown = kernel.build(  # type: ignore[call-arg]
            *ranks,
            encoded.astype(np.int64),
            weights,
            int(n_classes[0]),
            self.max_features_,
            seed,
            limits,
        )
        self.tree_ = _sklearn_tree(self.n_features_in_, n_classes, grown)
        self.n_classes_ = n_classes[0]
        self.classes_ = classes

    def _limits(self, n_samples: int, total_weight: float) -> np.ndarray:
        """``(max_depth, min_samples_split, min_samples_leaf, min_weight_leaf,
        min_impurity_decrease)`` as scikit-learn resolves them."""
        max_depth = np.iinfo(np.int32).max if self.max_depth is None else self.max_depth
        if isinstance(self.min_samples_leaf, numbers.Integral):
            min_leaf = int(self.min_samples_leaf)
        else:
            min_leaf = ceil(self.min_samples_leaf * n_samples)
        if isinstance(self.min_samples_split, numbers.Integral):
            min_split = int(self.min_samples_split)
        else:
            min_split = max(2, ceil(self.min_samples_split * n_samples))
        min_split = max(min_split, 2 * min_leaf)
        min_weight_leaf = self.min_weight_fraction_leaf * total_weight
        return np.array(
            [max_depth, min_split, min_leaf, min_weight_leaf, self.min_impurity_decrease],
            dtype=np.float64,
        )

    def _resolved_max_features(self) -> int:
        n = self.n_features_in_
        if self.max_features == "sqrt":
            return max(1, int(np.sqrt(n)))
        if self.max_features == "log2":
            return max(1, int(np.log2(n)))
        if self.max_features is None:
            return int(n)
        if isinstance(self.max_features, numbers.Integral):
            return int(self.max_features)
        return max(1, int(self.max_features * n)) if self.max_features > 0.0 else 0


def _builder_covers_data(X: Any, y: np.ndarray, sample_weight: Any, missing: Any) -> bool:
    """Dense float32 without NaN, one target, exact integer weights that fit the sort keys."""
    if scipy.sparse.issparse(X) or y.shape[1] != 1 or X.dtype != np.float32:
        return False
    if missing is not None and np.any(missing):
        return False
    if X.shape[0] >= 2**31:
        return False
    if X.shape[0] > kernel.MAX_WEIGHT and len(np.unique(y[:, 0])) > kernel.MAX_WEIGHT:
        return False  # more classes than the sort key holds (it cannot happen in fewer rows)
    if sample_weight is None:
        return True
    w = np.asarray(sample_weight, dtype=np.float64)
    return bool(np.all((w >= 0) & (w <= kernel.MAX_WEIGHT) & (w == np.floor(w))))


def _sklearn_tree(n_features: int, n_classes: np.ndarray, grown: tuple[Any, ...]) -> Tree:
    """A scikit-learn ``Tree`` holding the compiled builder's node arrays."""
    *columns, value, depth = grown
    nodes = np.zeros(len(value), dtype=NODE_DTYPE)
    for name, column in zip(NODE_DTYPE.names, columns, strict=True):
        nodes[name] = column
    tree = Tree(n_features, n_classes, 1)
    tree.__setstate__(
        {
            "max_depth": int(depth),
            "node_count": len(value),
            "nodes": nodes,
            "values": np.ascontiguousarray(value[:, None, :]),
        }
    )
    return tree


class CompiledRandomForestClassifier(RandomForestClassifier):
    """``RandomForestClassifier`` whose trees are :class:`CompiledTreeClassifier`.

    Parameters are ``sklearn.ensemble.RandomForestClassifier``'s, with the same defaults. The
    trees of one fit share the feature ranks.
    """

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> CompiledRandomForestClassifier:
        self._shared_ranks = _ranks()
        try:
            super().fit(X, y, sample_weight)
        finally:
            del self._shared_ranks
            self.__dict__.pop("_tree_template", None)
            for tree in getattr(self, "estimators_", []):
                tree.__dict__.pop("_shared_ranks", None)
        return self

    def _validate_estimator(self, default: Any = None) -> None:
        super()._validate_estimator(default)
        chosen: Any = self.estimator_  # type: ignore[has-type]
        if type(chosen) is DecisionTreeClassifier:
            self.estimator_ = CompiledTreeClassifier(**chosen.get_params())

    def _make_estimator(self, append: bool = True, random_state: Any = None) -> Any:
        """scikit-learn's ``_make_estimator`` (a clone of ``estimator_`` with the forest's tree
        parameters and one ``randint`` for its ``random_state``), made from one template per
        fit instead of a clone per tree: the parameter introspection cost a third of a
        millisecond a tree. The template is the forest's own ``estimator_``, unfitted, so a
        shallow copy has nothing to share."""
        shared = getattr(self, "_shared_ranks", None)
        if shared is None or type(self.estimator_) is not CompiledTreeClassifier:
            return super()._make_estimator(append, random_state)
        template = self.__dict__.get("_tree_template")
        if template is None:
            template = super()._make_estimator(append=False)
            self._tree_template = template
        if not template._builder_covers_settings():  # parameters that are objects: cloned
            return super()._make_estimator(append, random_state)
        tree = copy.copy(template)
        if random_state is not None:
            tree.random_state = check_random_state(random_state).randint(np.iinfo(np.int32).max)
        tree._shared_ranks = shared
        if append:
            self.estimators_.append(tree)
        return tree
