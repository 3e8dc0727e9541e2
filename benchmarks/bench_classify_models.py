"""The compiled scikit-learn models against scikit-learn's own, side by side.

For the decision tree, the random forest (100 trees, one thread), histogram gradient boosting
(scikit-learn's defaults) and the MLP (32 hidden units, 300 epochs at most): fit seconds of
scikit-learn's class and of our subclass on the same rows, in interleaved rounds (the order
reversed every other round), one thread for every native pool, process CPU time. The ratio is
the median of the per-round ratios, scikit-learn's time over ours. The last column checks that
the fitted models are the same: the trees node for node (every node array equal; for boosting
every predictor's node records), the MLP's weights to within 1e-10.

Run: .venv/bin/python -m benchmarks.bench_classify_models [--rounds 5] [--datasets bc,...]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._timing import print_table
from benchmarks.bench_classify import SHORT, datasets

TREE_FIELDS = ("children_left", "children_right", "feature", "threshold", "impurity", "value")


def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``bench_classify``'s data set, scaled: the MLP's pipeline scales; trees ignore it."""
    from sklearn.preprocessing import StandardScaler

    ((X, y),) = datasets([name]).values()
    return StandardScaler().fit_transform(X), y


def _pairs() -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.tree import DecisionTreeClassifier

    from notelab.classify.boosting import CompiledHistGradientBoostingClassifier
    from notelab.classify.forest import CompiledRandomForestClassifier, CompiledTreeClassifier
    from notelab.classify.mlp import CompiledMLPClassifier

    forest = {"n_estimators": 100, "n_jobs": 1, "random_state": 0}
    mlp = {"hidden_layer_sizes": (32,), "max_iter": 300, "random_state": 0}
    return {
        "decision tree": (
            lambda: DecisionTreeClassifier(random_state=0),
            lambda: CompiledTreeClassifier(random_state=0),
        ),
        "random forest": (
            lambda: RandomForestClassifier(**forest),
            lambda: CompiledRandomForestClassifier(**forest),
        ),
        "histogram boosting": (
            lambda: HistGradientBoostingClassifier(random_state=0),
            lambda: CompiledHistGradientBoostingClassifier(random_state=0),
        ),
        "MLP": (lambda: MLPClassifier(**mlp), lambda: CompiledMLPClassifier(**mlp)),
    }


def _same(theirs: Any, ours: Any) -> str:
    """Whether two fitted models are the same: trees node for node, MLP weights to 1e-10."""
    if hasattr(theirs, "_predictors"):
        same = len(theirs._predictors) == len(ours._predictors) and all(
            np.array_equal(a.nodes, b.nodes)
            for pair in zip(theirs._predictors, ours._predictors, strict=True)
            for a, b in zip(*pair, strict=True)
        )
        return "same trees" if same else "TREES DIFFER"
    if hasattr(theirs, "coefs_"):
        worst = max(
            float(np.max(np.abs(a - b)))
            for a, b in zip(
                theirs.coefs_ + theirs.intercepts_, ours.coefs_ + ours.intercepts_, strict=True
            )
        )
        return f"weights within {worst:.0e}" if worst <= 1e-10 else f"DIFFER by {worst:.1e}"
    reference, mine = getattr(theirs, "estimators_", [theirs]), getattr(ours, "estimators_", [ours])
    same = len(reference) == len(mine) and all(
        np.array_equal(getattr(a.tree_, f), getattr(b.tree_, f))
        for a, b in zip(reference, mine, strict=True)
        for f in TREE_FIELDS
    )
    return "same trees" if same else "TREES DIFFER"


def measure(name: str, rounds: int) -> list[list[Any]]:
    from notelab._util.rounds import interleave
    from notelab._util.threads import one_native_thread

    X, y = _data(name)
    rows = []
    for model, (stock, compiled) in _pairs().items():
        fitted: dict[str, Any] = {}

        def fit(
            arm: str, stock: Any = stock, compiled: Any = compiled, fitted: Any = fitted
        ) -> float:
            estimator = (stock if arm == "scikit-learn" else compiled)()
            start = time.process_time()
            with warnings.catch_warnings(), one_native_thread():
                warnings.simplefilter("ignore")
                estimator.fit(X, y)
            fitted[arm] = estimator
            return time.process_time() - start

        fit("ours")  # compile (or load the cached machine code) outside the rounds
        timing = interleave(["scikit-learn", "ours"], fit, rounds=rounds)
        ratios = timing.ratios("scikit-learn", "ours")
        rows.append(
            [
                name,
                model,
                timing.median("scikit-learn"),
                timing.median("ours"),
                float(np.median(ratios)),
                f"{min(ratios):.2f}-{max(ratios):.2f}",
                _same(fitted["scikit-learn"], fitted["ours"]),
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    default = "bc,digits,imbalanced,synthetic"
    parser.add_argument("--datasets", default=default, help=f"comma list of {list(SHORT)}")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load " + " ".join(f"{v:.1f}" for v in os.getloadavg()))
    rows = []
    for key in args.datasets.split(","):
        rows += measure(SHORT[key.strip()], args.rounds)
    print_table(
        f"Fit CPU seconds, median of {args.rounds} interleaved rounds, one thread",
        ["data", "model", "scikit-learn (s)", "ours (s)", "ours faster (x)", "range", "check"],
        rows,
    )


if __name__ == "__main__":
    main()
