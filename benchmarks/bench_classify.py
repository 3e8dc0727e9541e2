"""Classifier comparison: notelab.classify.compare against LazyPredict, side by side.

Both tools get the same twelve models (LazyPredict builds them through our factories, so the
hyperparameters match) on breast cancer, wine, digits, a synthetic 20,000 x 50 set and an
imbalanced one (5% positives).

1. One stratified 80/20 holdout, LazyPredict's protocol: wall time of each (goal: ours at least
   1.5x faster on 2 cores), and ours with the default 5-fold x 2 repeats (goal: under 3x
   LazyPredict's single-split time while fitting 10x as many models).
2. ROC AUC per model on the same split, both tools' values side by side (ours: one-vs-rest
   macro from probabilities or decision values; LazyPredict: its own choice, see the table).
3. Rank stability over reseeded runs: how often each tool's winner is the most common winner,
   or, for us, statistically tied with it (goal: ours >= 90%).

Run: .venv/bin/python -m benchmarks.bench_classify [--quick] [--runs 20] [--sets bc,wine]
(``--quick``: breast cancer, wine and the imbalanced set; stability on the first two, 10 runs.)
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections import Counter
from importlib.metadata import version
from typing import Any

import numpy as np

from benchmarks._timing import print_table
from notelab.classify import DEFAULT_MODELS, MODELS, compare
from notelab.classify.resampling import splits

# LazyPredict names models by their class name
LAZY_NAMES = {
    "tree": "DecisionTreeClassifier",
    "forest": "RandomForestClassifier",
    "extra_trees": "ExtraTreesClassifier",
    "boosting": "HistGradientBoostingClassifier",
    "logistic": "LogisticRegression",
    "knn": "KNeighborsClassifier",
    "svm": "SVC",
    "linear_svm": "LinearSVC",
    "naive_bayes": "GaussianNB",
    "lda": "LinearDiscriminantAnalysis",
    "qda": "QuadraticDiscriminantAnalysis",
    "mlp": "MLPClassifier",
}
OURS = {v: k for k, v in LAZY_NAMES.items()}


class _Factory:
    """A class-like callable LazyPredict can instantiate: our model with our hyperparameters."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.__name__ = LAZY_NAMES[name]
        self.__module__ = "sklearn"

    def __call__(self, **kwargs: Any) -> Any:
        return MODELS[self.name].build(int(kwargs.get("random_state", 0)), [])


def datasets(names: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_classification

    makers = {
        "breast cancer": lambda: load_breast_cancer(return_X_y=True),
        "wine": lambda: load_wine(return_X_y=True),
        "digits": lambda: load_digits(return_X_y=True),
        "synthetic 20,000 x 50": lambda: make_classification(
            20_000, 50, n_informative=10, random_state=0
        ),
        "imbalanced (5% positive)": lambda: make_classification(
            5_000, 20, n_informative=5, weights=[0.95], random_state=0
        ),
    }
    return {name: makers[name]() for name in names}


def lazy_fit(X: np.ndarray, y: np.ndarray, seed: int) -> tuple[Any, float]:
    """LazyPredict on our 80/20 holdout for ``seed``: its score table and wall seconds."""
    from lazypredict.Supervised import LazyClassifier

    ((train, test),) = splits(y, cv=1, repeats=1, random_state=seed)
    lazy = LazyClassifier(
        verbose=0,
        ignore_warnings=True,
        random_state=seed,
        classifiers=[_Factory(name) for name in DEFAULT_MODELS],
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores, _ = lazy.fit(X[train], X[test], y[train], y[test])
    return scores, time.perf_counter() - start


def ours_fit(X: np.ndarray, y: np.ndarray, seed: int, cv: int, repeats: int) -> tuple[Any, float]:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare(X, y, cv=cv, repeats=repeats, random_state=seed)
    return result, time.perf_counter() - start


def speed_and_auc(sets: dict[str, Any]) -> None:
    speed_rows, auc_rows = [], []
    for name, (X, y) in sets.items():
        ours_1, t_1 = ours_fit(X, y, 0, 1, 1)
        lazy, t_lazy = lazy_fit(X, y, 0)
        _, t_52 = ours_fit(X, y, 0, 5, 2)
        speed_rows.append(
            [name, f"{len(y):,} x {X.shape[1]}", t_lazy, t_1, t_lazy / t_1, t_52, t_52 / t_lazy]
        )
        for model in ours_1.models:
            theirs = lazy["ROC AUC"].get(LAZY_NAMES[model.name]) if len(lazy) else None
            ours_auc = float(model.folds["roc_auc"][0])
            auc_rows.append(
                [name, model.name, ours_auc, "-" if theirs is None or theirs != theirs else theirs]
            )
    print_table(
        "Wall seconds: one 80/20 holdout (LazyPredict's protocol) and our 5-fold x 2 repeats",
        [
            "data",
            "rows x cols",
            "LazyPredict (s)",
            "ours holdout (s)",
            "ours faster (x)",
            "ours 5x2 (s)",
            "5x2 / LazyPredict",
        ],
        speed_rows,
    )
    print("goals: 'ours faster' >= 1.5; '5x2 / LazyPredict' < 3 (fitting 10x as many models)")
    print_table(
        "ROC AUC on the same holdout: ours (one-vs-rest macro, probabilities or decision "
        "values) and LazyPredict's ('-': it reported none)",
        ["data", "model", "ours", "LazyPredict"],
        auc_rows,
    )


def _lazy_winner(X: np.ndarray, y: np.ndarray, seed: int) -> str:
    scores, _ = lazy_fit(X, y, seed)
    return OURS.get(str(scores.index[0]), str(scores.index[0]))  # sorted by balanced accuracy


def stability(sets: dict[str, Any], runs: int) -> None:
    rows = []
    for name, (X, y) in sets.items():
        boards = [ours_fit(X, y, seed, 5, 2)[0] for seed in range(runs)]
        ours = Counter(b.best for b in boards)
        modal = ours.most_common(1)[0][0]
        kept = sum(bool(b.tied_with_best(modal)) for b in boards)
        lazy = Counter(_lazy_winner(X, y, seed) for seed in range(runs))
        lazy_modal, lazy_count = lazy.most_common(1)[0]
        rows.append(
            [
                name,
                runs,
                f"{modal} ({ours[modal]})",
                kept / runs,
                f"{lazy_modal} ({lazy_count})",
                lazy_count / runs,
                len(lazy),
            ]
        )
    print_table(
        f"Rank stability over {runs} reseeded runs (ours: 5-fold x 2 repeats; LazyPredict: one "
        "80/20 split)",
        [
            "data",
            "runs",
            "our usual winner (wins)",
            "ours: winner or tied",
            "LazyPredict's usual winner (wins)",
            "LazyPredict: same winner",
            "LazyPredict: distinct winners",
        ],
        rows,
    )
    print("goal: 'ours: winner or tied' >= 0.9")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sets, 10 reseeded runs")
    parser.add_argument("--runs", type=int, default=None, help="reseeded runs (default 20)")
    args = parser.parse_args()
    names = ["breast cancer", "wine", "digits", "synthetic 20,000 x 50", "imbalanced (5% positive)"]
    if args.quick:
        names = ["breast cancer", "wine", "imbalanced (5% positive)"]
    print(f"lazypredict {version('lazypredict')}, scikit-learn {version('scikit-learn')}")
    sets = datasets(names)
    speed_and_auc(sets)
    # the 20,000-row set would take hours of 5x2 runs on 2 cores; --quick keeps the small two
    limit = 2_000 if args.quick else 5_000
    small = {k: v for k, v in sets.items() if len(v[1]) <= limit}
    stability(small, args.runs or (10 if args.quick else 20))


if __name__ == "__main__":
    main()
