"""Gaussian mixtures: notelab vs scikit-learn, side by side.

1. Same start, same log-likelihood at every iteration (max per-sample difference) on iris,
   wine, breast cancer, digits and synthetic data, for all four covariance types.
2. Fit time from the same start to the same final log-likelihood on the issue's three sizes.
Run: .venv/bin/python -m benchmarks.bench_gmm
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture as SklearnGM

from benchmarks._mixture import sklearn_start as start
from benchmarks._mixture import synthetic
from benchmarks._timing import print_table
from notelab.mixture import COVARIANCE_TYPES, GaussianMixture

warnings.simplefilter("ignore", ConvergenceWarning)


def parity() -> None:
    datasets = {
        "iris": load_iris().data,
        "wine": load_wine().data,
        "breast_cancer": load_breast_cancer().data,
        "digits": load_digits().data,
        "synthetic": synthetic(20_000, 5, 4),
    }
    rows = []
    for name, X in datasets.items():
        for covariance_type in COVARIANCE_TYPES:
            params = start(X, 4, covariance_type, tol=0.0, max_iter=30)
            ours = GaussianMixture(4, **params).fit(X).lower_bounds_
            theirs = SklearnGM(4, **params).fit(X).lower_bounds_
            rows.append(
                [name, covariance_type, len(ours), float(np.max(np.abs(np.subtract(ours, theirs))))]
            )
    print_table(
        "Same start: per-sample log-likelihood difference, every iteration",
        ["data", "covariance", "iterations", "max |difference|"],
        rows,
    )
    print(f"worst: {max(r[3] for r in rows):.2e} (goal <= 1e-6)")


def speed() -> None:
    rows = []
    for n, d, k, covariance_type in (
        (1_000_000, 1, 2, "full"),
        (200_000, 16, 8, "full"),
        (100_000, 64, 16, "diag"),
    ):
        X = synthetic(n, d, k, spread=1.0)  # overlapping components: EM needs many iterations
        params = start(X, k, covariance_type, tol=1e-6, max_iter=300)
        GaussianMixture(k, **params).fit(X[:1000])  # compile
        timings = {}
        for name, cls in (("scikit-learn", SklearnGM), ("notelab", GaussianMixture)):
            begin = time.perf_counter()
            model = cls(k, **params).fit(X)
            timings[name] = (time.perf_counter() - begin, model.n_iter_, model.lower_bound_)
        (t_sk, it_sk, lb_sk), (t_nl, it_nl, lb_nl) = timings["scikit-learn"], timings["notelab"]
        rows.append(
            [
                f"{n:,} x {d}, k={k} {covariance_type}",
                t_sk,
                t_nl,
                it_sk,
                it_nl,
                abs(lb_sk - lb_nl),
                t_sk / t_nl,
            ]
        )
    print_table(
        "Fit time from the same start (tol 1e-6)",
        [
            "data",
            "sklearn s",
            "notelab s",
            "sklearn iter",
            "notelab iter",
            "|final LL diff|",
            "speed-up",
        ],
        rows,
    )
    print("goal: speed-up >= 1.5 on each")


if __name__ == "__main__":
    parity()
    speed()
