"""``explain``: the decision path of one row through a fitted tree, as readable rules.

The note's first pro of the decision tree is that its decisions can be traced. This turns the
path of a row into the rules it satisfied ("petal width (cm) <= 0.8"), with categories named
instead of their codes, and the leaf it ends in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Rule:
    """One test on the path: ``feature op threshold`` and the row's value there."""

    feature: str
    op: str
    threshold: float
    value: Any
    categories: tuple[str, ...] | None = None

    def text(self) -> str:
        """``"petal width (cm) <= 0.8 (row: 0.2)"`` or ``"colour in {red, blue} (row: red)"``."""
        if self.categories is not None:
            shown = ", ".join(self.categories) if self.categories else "(none seen in training)"
            return f"{self.feature} {self.op} {{{shown}}} (row: {self.value})"
        return f"{self.feature} {self.op} {self.threshold:.4g} (row: {_value(self.value)})"


def _value(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)


@dataclass(frozen=True)
class Explanation:
    """Why a tree predicts what it does for one row.

    Attributes
    ----------
    rules : list of Rule
        The tests from the root to the leaf.
    prediction : object
        The predicted class.
    leaf_counts : dict
        Training rows of each class in the leaf.
    depth, leaves : int
        Size of the whole tree.
    """

    rules: list[Rule]
    prediction: Any
    leaf_counts: dict[Any, float]
    depth: int
    leaves: int

    def text(self) -> str:
        """The rules, one per line, then the predicted class and the leaf's training rows."""
        counts = ", ".join(f"{c} {n:g}" for c, n in self.leaf_counts.items() if n)
        lines = [r.text() for r in self.rules]
        lines.append(f"-> class {self.prediction} (training rows in this leaf: {counts})")
        lines.append(f"tree: depth {self.depth}, {self.leaves} leaves")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "rules": [r.text() for r in self.rules],
            "prediction": _plain(self.prediction),
            "leaf_counts": {str(k): float(v) for k, v in self.leaf_counts.items()},
            "depth": self.depth,
            "leaves": self.leaves,
        }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def explain(model: Any, row: Any, *, feature_names: list[str] | None = None) -> Explanation:
    """The decision path of ``row`` through a fitted tree.

    Parameters
    ----------
    model : DecisionTreeClassifier, PrunedTree or Pipeline
        A fitted tree, or a fitted pipeline from :func:`~notelab.classify.make_pipeline`
        whose model is a tree (its categorical columns are then shown by name).
    row : array-like or pandas.DataFrame
        One row of features, as the model was fitted on.
    feature_names : list of str, optional
        Names of the tree's input features (default: the model's own, or ``x0, x1...``).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> iris = load_iris()
    >>> tree = DecisionTreeClassifier(random_state=0).fit(iris.data, iris.target_names[iris.target])
    >>> print(explain(tree, iris.data[0], feature_names=iris.feature_names).text())
    petal width (cm) <= 0.8 (row: 0.2)
    -> class setosa (training rows in this leaf: setosa 50)
    tree: depth 5, 9 leaves
    """
    tree, encoded, names, categories = _unpack(model, row, feature_names)
    structure = tree.tree_
    nodes = tree.decision_path(encoded.reshape(1, -1)).indices
    rules = [_rule(structure, node, encoded, names, categories) for node in nodes[:-1]]
    leaf = nodes[-1]
    counts = structure.value[leaf][0] * structure.weighted_n_node_samples[leaf]
    return Explanation(
        rules,
        tree.classes_[int(np.argmax(counts))],
        {c: float(np.round(n, 6)) for c, n in zip(tree.classes_, counts, strict=True)},
        int(tree.get_depth()),
        int(tree.get_n_leaves()),
    )


def _unpack(
    model: Any, row: Any, names: list[str] | None
) -> tuple[Any, np.ndarray, list[str], dict[int, np.ndarray]]:
    """The tree, the row as the tree sees it, feature names and ordinal-coded categories."""
    from sklearn.pipeline import Pipeline

    categories: dict[int, np.ndarray] = {}
    if isinstance(model, Pipeline):
        encoded = np.asarray(model[:-1].transform(_as_frame_row(row)), dtype=float)[0]
        names = names or [str(n) for n in model[:-1].get_feature_names_out()]
        categories = _ordinal_categories(model[0], names)
        model = model[-1]
    else:
        encoded = np.asarray(row, dtype=float).ravel()
    tree = getattr(model, "estimator_", model)
    names = names or [f"x{j}" for j in range(len(encoded))]
    return tree, encoded, names, categories


def _as_frame_row(row: Any) -> Any:
    import pandas as pd

    if isinstance(row, pd.Series):
        return row.to_frame().T
    if isinstance(row, pd.DataFrame):
        return row
    return np.asarray(row, dtype=float).reshape(1, -1)


def _ordinal_categories(prepare: Any, names: list[str]) -> dict[int, np.ndarray]:
    """Feature index -> categories, for the ordinal-encoded columns of a ColumnTransformer."""
    if (
        not hasattr(prepare, "named_transformers_")
        or "categorical" not in prepare.named_transformers_
    ):
        return {}
    encoder = prepare.named_transformers_["categorical"][-1]
    columns = list(prepare.transformers_[-1][2])
    return {names.index(str(c)): encoder.categories_[j] for j, c in enumerate(columns)}


def _rule(
    structure: Any,
    node: int,
    encoded: np.ndarray,
    names: list[str],
    categories: dict[int, np.ndarray],
) -> Rule:
    feature, threshold = int(structure.feature[node]), float(structure.threshold[node])
    value = encoded[feature]
    left = bool(value <= threshold)
    if feature in categories:
        cats = categories[feature]
        below = tuple(str(c) for c in cats[: int(np.floor(threshold)) + 1])
        above = tuple(str(c) for c in cats[int(np.floor(threshold)) + 1 :])
        shown = cats[int(value)] if 0 <= value < len(cats) else "(unseen)"
        return Rule(names[feature], "in", threshold, shown, below if left else above)
    return Rule(names[feature], "<=" if left else ">", threshold, value)
