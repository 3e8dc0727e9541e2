"""Classifier comparison: notelab.classify.compare against LazyPredict, side by side.

Both tools get the same twelve models (LazyPredict builds them through our factories, so the
hyperparameters match) on breast cancer, wine, digits, a synthetic 20,000 x 50 set and an
imbalanced one (5% positives). Where our model is a subclass of a scikit-learn class that
compiles its training (the decision tree, the random forest, the MLP), LazyPredict gets
scikit-learn's own class with the same hyperparameters, as its users would; the trees are the
same node for node and the MLP's weights agree to rounding (tests/classify/test_forest.py,
tests/classify/test_mlp.py).

1. Wall time in interleaved rounds (LazyPredict, ours on one holdout, ours 5-fold x 2; the
   order reversed every other round), median of the per-round ratios: one stratified 80/20
   holdout, LazyPredict's protocol (goal: ours at least 1.5x faster on 2 cores), and our
   default 5-fold x 2 repeats (goal: under 3x LazyPredict's single-split time while fitting
   10x as many models). The floor column is the 5x2 run's own fit and predict seconds spread
   perfectly over the cores, divided by LazyPredict's time: how low that ratio could go with
   these models and no overhead at all. Both tools are warmed up first (imports; our worker
   pool, whose start-up, once per process, is printed on its own).
2. ROC AUC per model on the same split, both tools' values side by side (ours: one-vs-rest
   macro from probabilities or decision values; LazyPredict: its own choice, see the table).
3. Rank stability over reseeded runs: how often each tool's winner is the most common winner,
   or, for us, statistically tied with it (goal: ours >= 90%).

Run: .venv/bin/python -m benchmarks.bench_classify [--quick] [--datasets bc,wine,digits,
synthetic,imbalanced] [--reseeds 20] [--rounds 3] [--parts speed,stability]
(``--quick``: breast cancer, wine and the imbalanced set, 1 timing round, 10 reseeds.) The full
run takes long on 2 cores; ``--datasets`` and ``--parts`` run it in pieces.
"""

from __future__ import annotations

import argparse
import os
import sys
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
        return stock(MODELS[self.name].build(int(kwargs.get("random_state", 0)), []))


def stock(model: Any) -> Any:
    """scikit-learn's own class for a model of ours that subclasses it (the tree, the forest,
    the boosting and the MLP, whose training we compile), with the same hyperparameters: what a
    LazyPredict user fits."""
    if not type(model).__module__.startswith("notelab."):
        return model
    base = next(c for c in type(model).__mro__ if c.__module__.startswith("sklearn."))
    return base(**model.get_params())


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


def warm_up() -> float:
    """Import both tools and start our worker pool; the pool's start-up in seconds."""
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    _, cold = ours_fit(X, y, 0, 2, 1)
    lazy_fit(X, y, 0)
    return cold


def _cpu() -> float:
    """CPU seconds of this process and its worker processes (our joblib workers) so far."""
    import psutil

    me = psutil.Process()
    times = [me.cpu_times()] + [c.cpu_times() for c in me.children(recursive=True)]
    return sum(t.user + t.system for t in times)


def _load() -> str:
    return "load " + " ".join(f"{v:.1f}" for v in os.getloadavg())


ARMS = ("LazyPredict holdout", "ours holdout", "ours 5x2")


def _timed_rounds(X: np.ndarray, y: np.ndarray, rounds: int) -> tuple[Any, dict[str, Any]]:
    """Every arm once per round, interleaved; the first round's results for the AUC table."""
    from notelab._util.rounds import interleave

    first: dict[str, Any] = {}

    def measure(arm: str) -> float:
        cpu = _cpu()
        if arm == ARMS[0]:
            result, seconds = lazy_fit(X, y, 0)
        else:
            result, seconds = ours_fit(X, y, 0, *((1, 1) if arm == ARMS[1] else (5, 2)))
        first.setdefault(arm, result)
        first.setdefault(f"{arm} cpu", []).append(_cpu() - cpu)
        return seconds

    return interleave(ARMS, measure, rounds=rounds), first


def speed_and_auc(sets: dict[str, Any], rounds: int) -> None:
    speed_rows: list[list[Any]] = []
    auc_rows: list[list[Any]] = []
    share_rows: list[list[Any]] = []
    for name, (X, y) in sets.items():
        before = _load()
        timing, first = _timed_rounds(X, y, rounds)
        speed_rows.append(
            [
                name,
                f"{len(y):,} x {X.shape[1]}",
                timing.median(ARMS[0]),
                timing.median(ARMS[1]),
                float(np.median(timing.ratios(ARMS[0], ARMS[1]))),
                timing.median(ARMS[2]),
                float(np.median(timing.ratios(ARMS[2], ARMS[0]))),
                _floor(first[ARMS[2]]) / timing.median(ARMS[0]),
                float(np.median(first[f"{ARMS[0]} cpu"])),
                float(np.median(first[f"{ARMS[2]} cpu"])),
                f"{before} -> {_load()}",
            ]
        )
        auc_rows += _auc_rows(name, first[ARMS[1]], first[ARMS[0]])
        share_rows += _share_rows(name, first[ARMS[2]])
        print(f"{name}: {speed_rows[-1][2:-1]}", file=sys.stderr, flush=True)
    print_table(
        f"Wall seconds, median of {rounds} interleaved round(s): one 80/20 holdout "
        "(LazyPredict's protocol) and our 5-fold x 2 repeats; ratios are medians of per-round "
        "ratios",
        [
            "data",
            "rows x cols",
            "LazyPredict (s)",
            "ours holdout (s)",
            "ours faster (x)",
            "ours 5x2 (s)",
            "5x2 / LazyPredict",
            "floor / LazyPredict",
            "LazyPredict CPU (s)",
            "ours 5x2 CPU (s)",
            "1-min load before -> after",
        ],
        speed_rows,
    )
    print("goals: 'ours faster' >= 1.5; '5x2 / LazyPredict' < 3 (fitting 10x as many models)")
    print(
        "floor: the 5x2 run's own fit and predict seconds (every model, every fold, as timed in\n"
        "the workers) over the cores: the time with no overhead and perfect parallelism, so no\n"
        "scheduling of these models can bring '5x2 / LazyPredict' under 'floor / LazyPredict'"
    )
    print("CPU: this process and its workers, user + system (threads that spin count too)")
    print_table(
        "The floor's parts: fit and predict seconds of the 5x2 run (first round) by model, "
        "summed over the 10 folds as timed in the workers",
        ["data", "model", "fit + predict (s)", "share"],
        share_rows,
    )
    print_table(
        "ROC AUC on the same holdout: ours (one-vs-rest macro, probabilities or decision "
        "values) and LazyPredict's ('-': it reported none)",
        ["data", "model", "ours", "LazyPredict"],
        auc_rows,
    )


def _floor(result: Any) -> float:
    """Seconds the 5x2 run's fits and predictions took, spread perfectly over the cores."""
    spent = sum(float(m.fit_seconds.sum() + m.predict_seconds.sum()) for m in result.models)
    return spent / (os.cpu_count() or 1)


def _share_rows(name: str, result: Any) -> list[list[Any]]:
    spent = {m.name: float(m.fit_seconds.sum() + m.predict_seconds.sum()) for m in result.models}
    total = sum(spent.values())
    ranked = sorted(spent.items(), key=lambda item: -item[1])
    return [[name, model, seconds, f"{seconds / total:.0%}"] for model, seconds in ranked]


def _auc_rows(name: str, ours: Any, lazy: Any) -> list[list[Any]]:
    rows = []
    for model in ours.models:
        theirs = lazy["ROC AUC"].get(LAZY_NAMES[model.name]) if len(lazy) else None
        shown = "-" if theirs is None or theirs != theirs else theirs
        rows.append([name, model.name, float(model.folds["roc_auc"][0]), shown])
    return rows


def _lazy_winner(X: np.ndarray, y: np.ndarray, seed: int) -> str:
    scores, _ = lazy_fit(X, y, seed)
    return OURS.get(str(scores.index[0]), str(scores.index[0]))  # sorted by balanced accuracy


def stability(sets: dict[str, Any], runs: int) -> None:
    rows = []
    for name, (X, y) in sets.items():
        before, start = _load(), time.perf_counter()
        boards = [ours_fit(X, y, seed, 5, 2)[0] for seed in range(runs)]
        print(f"{name}: our winners {[b.best for b in boards]}", file=sys.stderr, flush=True)
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
                time.perf_counter() - start,
                f"{before} -> {_load()}",
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
            "wall (s)",
            "1-min load before -> after",
        ],
        rows,
    )
    print("goal: 'ours: winner or tied' >= 0.9")


SHORT = {
    "bc": "breast cancer",
    "wine": "wine",
    "digits": "digits",
    "synthetic": "synthetic 20,000 x 50",
    "imbalanced": "imbalanced (5% positive)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sets, 1 round, 10 reseeds")
    parser.add_argument("--datasets", default=None, help=f"comma list of {', '.join(SHORT)}")
    parser.add_argument("--reseeds", type=int, default=None, help="reseeded runs (default 20)")
    parser.add_argument("--rounds", type=int, default=None, help="timing rounds (default 3)")
    parser.add_argument("--parts", default="speed,stability", help="speed, stability or both")
    args = parser.parse_args()
    keys = ["bc", "wine", "imbalanced"] if args.quick else list(SHORT)
    keys = args.datasets.split(",") if args.datasets else keys
    print(f"lazypredict {version('lazypredict')}, scikit-learn {version('scikit-learn')}")
    print(f"{os.cpu_count()} cores, {_load()}")
    sets = datasets([SHORT[k.strip()] for k in keys])
    print(f"our worker pool's start-up (once per process, not in the tables): {warm_up():.2f} s")
    if "speed" in args.parts:
        speed_and_auc(sets, args.rounds or (1 if args.quick else 3))
    if "stability" in args.parts:
        stability(sets, args.reseeds or (10 if args.quick else 20))
    print(f"\nend: {_load()}")


if __name__ == "__main__":
    main()
