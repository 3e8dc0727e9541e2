"""Pieces of finding 2 that are quick to check (the whole finding runs in the report)."""

import numpy as np
import pytest

from notelab.findings import note02_classifiers as note
from notelab.findings.stats import Estimate


def test_weakest_takes_the_minimum_of_every_end():
    a = Estimate(0.5, 0.4, 0.6, 3, "a")
    b = Estimate(0.45, 0.42, 0.7, 5, "b")
    w = note._weakest(a, b)
    assert (w.value, w.low, w.high, w.count) == (0.45, 0.4, 0.6, 8)
    assert "a" in w.method and "b" in w.method


def test_beats_counts_ties_as_half():
    scores = {"a": 0.9, "b": 0.8, "c": 0.9, "d": 0.95}
    assert note._beats(scores, "a") == pytest.approx((1 + 0.5 + 0) / 3)


def test_built_sets_are_what_their_claims_need():
    X, y, distance = note.oblique_set(500, 0)
    assert np.array_equal(y, (X[:, 0] + X[:, 1] > 0).astype(int))
    assert np.allclose(distance, np.abs(X.sum(axis=1)) / np.sqrt(2))
    series, label = note.trend_series(300, 0)
    above = series[:, 1] - 0.05 * series[:, 0]
    assert np.array_equal(label, (above > 0).astype(int))  # linear in the features
    frame, y = note.mixed_table(400, 1)
    rule = np.where(frame.colour.isin(["red", "blue"]), frame.x > 0.5, frame["count"] >= 4)
    assert np.array_equal(y, rule.astype(int))
    X, y = note.dense_set(200, 50, 0)
    assert X.shape == (200, 50) and y.mean() == 0.5
    assert np.all(X[y == 1].mean(axis=0).mean() > X[y == 0].mean(axis=0).mean())
    X, _ = note.scaled_set(200, 0)
    spread = X.std(axis=0)
    assert spread.max() / spread.min() > 100


def test_real_sets_subsample_digits_at_quick_scale():
    quick, full = note.real_sets(False, 0), note.real_sets(True, 0)
    assert len(quick["digits"][1]) == 450 and len(full["digits"][1]) == 1797
    assert set(np.unique(quick["digits"][1])) == set(range(10))
    names, classes = note.real_names()["breast cancer"]
    assert names[0] == "mean radius" and classes == ["malignant", "benign"]


def test_decision_paths_check_against_the_rows():
    sets = {"wine": note.real_sets(False, 0)["wine"], "mixed": note.mixed_table(200, 0)}
    paths = note._paths(sets, 0)
    assert paths["checked"] == 2 * note.PATH_ROWS
    assert paths["agreeing"] == paths["checked"]
    name, _row, path, predicted, _truth = paths["example"]
    assert name == "wine" and predicted in ("class_0", "class_1", "class_2")
    assert all(rule.feature in note.real_names()["wine"][0] for rule in path.rules)


def test_the_tree_cannot_extrapolate_a_trend_but_logistic_regression_can():
    rows = note._future(0, 400)
    assert len(rows) == note.SEEDS
    for row in rows:
        assert row["logistic"] > 0.85 and row["tree"] < 0.7
