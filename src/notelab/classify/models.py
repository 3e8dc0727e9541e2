"""The classifiers ``compare`` knows: one entry per model, with what its family needs.

Each entry names the scikit-learn estimator and the preprocessing its family needs: whether the
features are scaled, and how categorical columns are encoded (one-hot for linear, kNN, SVM,
naive Bayes, discriminant analysis and the MLP; ordinal codes for trees; native categorical
splits for histogram boosting).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from notelab.classify._names import parse_names

ONEHOT, ORDINAL, NATIVE = "onehot", "ordinal", "native"


@dataclass(frozen=True)
class ModelSpec:
    """One classifier: its label, its preprocessing needs and how to build it.

    Parameters
    ----------
    label : str
        The name in words (``"Decision tree"``).
    scale : bool
        Whether its features are standardised (distance- or gradient-based families).
    encoding : {"onehot", "ordinal", "native"}
        How categorical columns reach it.
    build : callable
        ``build(random_state, categorical_mask) -> estimator``.
    cost : int
        A rough rank of its fitting time (higher: slower). Folds are dispatched slowest
        family first, so the last jobs to finish are short ones and no core sits idle at the
        end waiting on one long fit.
    """

    label: str
    scale: bool
    encoding: str
    build: Callable[[int, list[bool]], Any]
    cost: int = 1


def _tree(seed: int, _: list[bool]) -> Any:
    from notelab.classify.forest import CompiledTreeClassifier  # scikit-learn's, grown compiled

    return CompiledTreeClassifier(random_state=seed)


def _pruned_tree(seed: int, _: list[bool]) -> Any:
    from notelab.classify.pruning import PrunedTree

    return PrunedTree(random_state=seed)


def _forest(seed: int, _: list[bool]) -> Any:
    from notelab.classify.forest import CompiledRandomForestClassifier

    return CompiledRandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1)


def _extra_trees(seed: int, _: list[bool]) -> Any:
    from sklearn.ensemble import ExtraTreesClassifier

    return ExtraTreesClassifier(n_estimators=100, random_state=seed, n_jobs=1)


def _boosting(seed: int, mask: list[bool]) -> Any:
    # scikit-learn's, its trees grown compiled
    from notelab.classify.boosting import CompiledHistGradientBoostingClassifier

    return CompiledHistGradientBoostingClassifier(
        random_state=seed, categorical_features=mask if any(mask) else None
    )


def _logistic(seed: int, _: list[bool]) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000, random_state=seed)


def _knn(seed: int, _: list[bool]) -> Any:
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(n_neighbors=5)


def _svm(seed: int, _: list[bool]) -> Any:
    from sklearn.svm import SVC

    return SVC(kernel="rbf", cache_size=500, random_state=seed)


def _linear_svm(seed: int, _: list[bool]) -> Any:
    from sklearn.svm import LinearSVC

    return LinearSVC(random_state=seed)


def _naive_bayes(seed: int, _: list[bool]) -> Any:
    from sklearn.naive_bayes import GaussianNB

    return GaussianNB()


def _lda(seed: int, _: list[bool]) -> Any:
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    return LinearDiscriminantAnalysis()


def _qda(seed: int, _: list[bool]) -> Any:
    from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis

    return QuadraticDiscriminantAnalysis(
        solver="eigen", shrinkage=0.1
    )  # small classes, flat pixels


def _mlp(seed: int, _: list[bool]) -> Any:
    from notelab.classify.mlp import CompiledMLPClassifier  # scikit-learn's, epochs compiled

    return CompiledMLPClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=seed)


MODELS: dict[str, ModelSpec] = {
    "tree": ModelSpec("Decision tree", False, ORDINAL, _tree),
    "pruned_tree": ModelSpec("Decision tree, pruned by CV", False, ORDINAL, _pruned_tree, 2),
    "forest": ModelSpec("Random forest", False, ORDINAL, _forest, 3),
    "extra_trees": ModelSpec("Extra trees", False, ORDINAL, _extra_trees, 2),
    "boosting": ModelSpec("Histogram gradient boosting", False, NATIVE, _boosting, 3),
    "logistic": ModelSpec("Logistic regression", True, ONEHOT, _logistic),
    "knn": ModelSpec("k-nearest neighbours", True, ONEHOT, _knn),
    "svm": ModelSpec("SVM (RBF kernel)", True, ONEHOT, _svm, 2),
    "linear_svm": ModelSpec("SVM (linear)", True, ONEHOT, _linear_svm),
    "naive_bayes": ModelSpec("Gaussian naive Bayes", False, ONEHOT, _naive_bayes),
    "lda": ModelSpec("Linear discriminant analysis", False, ONEHOT, _lda),
    "qda": ModelSpec("Quadratic discriminant analysis", True, ONEHOT, _qda),
    "mlp": ModelSpec("Small MLP (32 hidden units)", True, ONEHOT, _mlp, 3),
}


# the default comparison: every family once (the pruned tree is there on request)
DEFAULT_MODELS = tuple(name for name in MODELS if name != "pruned_tree")


def parse_models(names: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Check model names (a list or ``"tree,forest"``); ``None`` means :data:`DEFAULT_MODELS`.

    Examples
    --------
    >>> parse_models("tree, forest")
    ['tree', 'forest']
    """
    if names is None:
        return list(DEFAULT_MODELS)
    if names == "all":
        return list(MODELS)
    return parse_names(names, MODELS, what="model", example="--models tree,forest,logistic")
