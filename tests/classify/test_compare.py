import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from notelab._util import InputError
from notelab.classify import compare, corrected_ttest
from notelab.classify import models as models_module


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


@pytest.fixture(scope="module")
def board(cancer):
    X, y = cancer
    return compare(
        X, y, models="logistic,tree,naive_bayes,knn", cv=5, repeats=2, random_state=7, n_jobs=2
    )


def test_fold_scores_equal_sklearns_cross_validate(cancer, board):
    X, y = cancer
    reference = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(max_iter=1000, random_state=7)),
        ]
    )
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=7)
    theirs = cross_validate(
        reference, X, y, cv=cv, scoring=["accuracy", "balanced_accuracy", "roc_auc", "neg_log_loss"]
    )
    ours = board["logistic"].folds
    assert np.allclose(ours["accuracy"], theirs["test_accuracy"])
    assert np.allclose(ours["balanced_accuracy"], theirs["test_balanced_accuracy"])
    assert np.allclose(ours["roc_auc"], theirs["test_roc_auc"])
    assert np.allclose(ours["log_loss"], -theirs["test_neg_log_loss"])


def test_tree_needs_no_preprocessing_and_matches_a_bare_tree(cancer, board):
    X, y = cancer
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=7)
    bare = cross_val_score(DecisionTreeClassifier(random_state=7), X, y, cv=cv)
    assert np.allclose(board["tree"].folds["accuracy"], bare)


def test_leaderboard_order_and_ties_follow_the_corrected_test(board):
    means = [np.mean(m.folds["balanced_accuracy"]) for m in board.models]
    assert means == sorted(means, reverse=True)
    best = board[board.best].folds["balanced_accuracy"]
    for m in board.models[1:]:
        test = corrected_ttest(best, m.folds["balanced_accuracy"], ratio=0.25)
        assert board.tied_with_best(m.name) == (test.p_value >= 0.05)
        assert board.tests[m.name].p_value == pytest.approx(test.p_value)
    assert board.tied_with_best(board.best) is True


def test_json_document_has_the_promised_keys(board):
    doc = board.as_dict()
    assert {"models", "best", "cv", "repeats"} <= set(doc)
    first = doc["models"][0]
    assert {"name", "metrics", "fit_seconds", "predict_seconds", "tied_with_best"} <= set(first)
    assert set(first["metrics"]["roc_auc"]) == {"mean", "low", "high"}
    m = first["metrics"]["balanced_accuracy"]
    assert 0 <= m["low"] <= m["mean"] <= m["high"] <= 1


def test_parallel_and_serial_runs_give_identical_scores(cancer, board):
    X, y = cancer
    serial = compare(X, y, models="tree,knn", cv=5, repeats=2, random_state=7, n_jobs=1)
    for name in ("tree", "knn"):
        for metric, scores in serial[name].folds.items():
            assert np.array_equal(scores, board[name].folds[metric], equal_nan=True)


def test_dask_backend_gives_the_same_scores_as_joblib(dask_client):
    X, y = load_iris(return_X_y=True)
    local = compare(X, y, models="tree,logistic,forest", cv=3, repeats=1, n_jobs=2)
    remote = compare(X, y, models="tree,logistic,forest", cv=3, repeats=1, scheduler=dask_client)
    for name in ("tree", "logistic", "forest"):
        for metric, scores in local[name].folds.items():
            assert np.array_equal(scores, remote[name].folds[metric], equal_nan=True)


def test_preprocessing_is_fitted_inside_the_fold():
    # Class 1 rows have x missing in training; the test rows of class 1 carry x = 7. Fitted on
    # all rows, the median imputer fills 7 (most observed x are the test rows' 7s), so a tree
    # learns "x = 7 -> class 1" and scores ~1.0: a leak. Fitted on training rows only, the
    # fill is ~0.5 and class-1 test rows (x = 7) land with class 0: balanced accuracy ~0.5.
    rng = np.random.default_rng(0)
    y = np.array([0] * 20 + [1] * 180)
    ((train, test),) = __import__("notelab.classify", fromlist=["splits"]).splits(
        y, cv=1, repeats=1, random_state=0
    )
    x = rng.uniform(0, 1, len(y))
    x[train[y[train] == 1]] = np.nan
    x[test[y[test] == 1]] = 7.0
    X = x.reshape(-1, 1)
    ours = compare(X, y, models="tree", cv=1, repeats=1, random_state=0, n_jobs=1)
    leaky_X = SimpleImputer(strategy="median").fit_transform(X)  # fitted on all rows
    tree = DecisionTreeClassifier(random_state=0).fit(leaky_X[train], y[train])
    from sklearn.metrics import balanced_accuracy_score

    leaky = balanced_accuracy_score(y[test], tree.predict(leaky_X[test]))
    assert leaky == 1.0  # the test has power: a leaking pipeline would show it
    assert ours["tree"].folds["balanced_accuracy"][0] == pytest.approx(0.5, abs=0.05)


def test_categorical_columns_reach_every_family():
    rng = np.random.default_rng(1)
    n = 300
    frame = pd.DataFrame(
        {"colour": rng.choice(["red", "green", "blue"], n), "x": rng.normal(size=n)}
    )
    y = np.where(frame.colour == "red", "yes", "no")
    board = compare(frame, y, categorical=["colour"], cv=3, repeats=1, n_jobs=2, models="all")
    assert all(m.error is None for m in board.models), [m.error for m in board.models]
    for name in ("tree", "boosting", "logistic", "knn", "naive_bayes"):
        assert np.mean(board[name].folds["accuracy"]) > 0.95, name


def test_a_failing_model_is_reported_not_raised(monkeypatch):
    def broken(seed, mask):
        raise RuntimeError("cannot fit")

    spec = models_module.MODELS["lda"]
    monkeypatch.setitem(
        models_module.MODELS, "lda", spec.__class__("Broken", False, "onehot", broken)
    )
    X, y = load_iris(return_X_y=True)
    board = compare(X, y, models="lda,tree", cv=3, repeats=1, n_jobs=1)
    assert board.best == "tree"
    assert board.models[-1].name == "lda" and "cannot fit" in board.models[-1].error
    assert board.as_dict()["models"][-1]["metrics"]["accuracy"]["mean"] is None


def test_worker_warnings_reach_the_caller():
    from sklearn.exceptions import ConvergenceWarning

    X, y = load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning):
        compare(X, y, models="mlp", cv=2, repeats=1, n_jobs=2)


@pytest.mark.parametrize(
    ("y", "kwargs", "expected"),
    [
        ([0] * 20, {}, "at least two classes"),
        ([0] * 18 + [1] * 2, {"cv": 5}, "at least 5 rows of every class"),
        ([0, 1] * 10, {"models": "tree,forrest"}, "model names"),
        ([0, 1] * 10, {"cv": 0}, "--cv and --repeats of at least 1"),
        ([0, 1] * 10, {"metric": "auc"}, "a metric from"),
    ],
)
def test_bad_input_is_one_clear_error(y, kwargs, expected):
    X = np.arange(len(y) * 2, dtype=float).reshape(len(y), 2)
    with pytest.raises(InputError, match=expected):
        compare(X, y, n_jobs=1, **kwargs)


def test_fold_scores_are_pinned_across_the_speed_work(cancer):
    """Per-fold scores recorded before the metrics moved to NumPy and the folds were reordered
    (slowest family first): the same to rounding."""
    import json
    from pathlib import Path

    pinned = json.loads((Path(__file__).parent / "data" / "fold_scores_bc_seed3.json").read_text())
    X, y = cancer
    board = compare(
        X,
        y,
        models=list(pinned["folds"]),
        cv=pinned["cv"],
        repeats=pinned["repeats"],
        random_state=pinned["random_state"],
        n_jobs=2,
    )
    for name, folds in pinned["folds"].items():
        for metric, expected in folds.items():
            got = board[name].folds[metric]
            assert np.allclose(
                got, np.array(expected, dtype=float), rtol=0, atol=1e-12, equal_nan=True
            )
