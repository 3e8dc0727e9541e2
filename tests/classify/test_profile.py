import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from notelab.classify import features, profile
from notelab.classify.profile import make_setup, noise_curve, transform, with_noise

DATA = {"iris": load_iris(return_X_y=True), "wine": load_wine(return_X_y=True)}


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(sorted(DATA)), st.integers(0, 10_000))
def test_tree_predictions_are_identical_under_random_rescaling(name, seed):
    X, y = DATA[name]
    scaled = transform(features(X), "rescale", seed=seed).X
    assert not np.allclose(scaled, X)
    for model in (
        DecisionTreeClassifier(random_state=0),
        RandomForestClassifier(10, random_state=0),
    ):
        a = model.fit(X[::2], y[::2]).predict(X[1::2])
        b = model.fit(scaled[::2], y[::2]).predict(scaled[1::2])
        assert np.array_equal(a, b)


def test_transforms_are_monotone_per_column():
    X, _ = DATA["wine"]
    for kind in ("rescale", "log", "rank"):
        out = transform(features(X), kind, seed=1).X
        for j in range(X.shape[1]):
            order = np.argsort(X[:, j], kind="stable")
            assert np.all(np.diff(out[order, j]) >= 0), (kind, j)


def test_transform_and_noise_on_a_frame_touch_only_numbers():
    frame = pd.DataFrame({"c": ["a", "b", "a", "b"], "x": [1.0, -2.0, 3.0, np.nan]})
    feats = features(frame, ["c"])
    logged = transform(feats, "log")
    assert list(logged.X["c"]) == ["a", "b", "a", "b"]
    assert logged.X["x"].iloc[1] == pytest.approx(-np.log(3)) and np.isnan(logged.X["x"].iloc[3])
    noisy = with_noise(feats, 3)
    assert noisy.X.shape == (4, 5) and noisy.numeric == ["x", "noise0", "noise1", "noise2"]


def test_profile_measures_what_the_note_says_on_real_data():
    X, y = load_breast_cancer(return_X_y=True)
    result = profile(X, y, models="tree,knn,naive_bayes", noise=(100,), n_jobs=2, max_rows=300)
    assert result.rows == 300
    assert result.sensitivity["tree"]["rescale"]["agreement"] == 1.0
    assert result.sensitivity["knn"]["rescale"]["agreement"] < 0.95  # kNN without a scaler
    assert result.gap["tree"]["train"] == 1.0 and result.gap["tree"]["gap"] > 0
    trees = [r for r in result.depth if r["model"] == "tree" and r["depth"] is not None]
    train = [r["train"] for r in trees]
    assert train == sorted(train)  # deeper trees fit the training rows at least as well
    assert {r["model"] for r in result.depth} == {"tree", "pruned_tree", "forest"}
    assert set(result.noise["knn"]) == {0, 100}
    assert {r["rows"] for r in result.timing} == {50, 100, 200}
    doc = result.as_dict()
    assert doc["noise"]["tree"]["100"] == result.noise["tree"][100]


def test_noise_curve_counts_columns_and_hurts_knn_more_than_the_tree():
    X, y = load_breast_cancer(return_X_y=True)
    setup = make_setup(X, y, max_rows=400, n_jobs=2)
    curve = noise_curve(setup, ["tree", "knn"], (200,))
    drop = {m: curve[m][0] - curve[m][200] for m in curve}
    assert drop["knn"] > drop["tree"]
