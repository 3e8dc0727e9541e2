import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.tree import DecisionTreeClassifier

from notelab.classify import PrunedTree, explain, features, make_pipeline


def _holds(rule, row_value):
    return row_value <= rule.threshold if rule.op == "<=" else row_value > rule.threshold


@pytest.mark.parametrize("loader", [load_iris, load_breast_cancer])
def test_rules_hold_for_the_row_and_lead_to_the_prediction(loader):
    data = loader()
    tree = DecisionTreeClassifier(random_state=0, max_depth=6).fit(data.data, data.target)
    names = list(data.feature_names)
    for row in data.data[::7]:
        result = explain(tree, row, feature_names=names)
        assert result.prediction == tree.predict(row.reshape(1, -1))[0]
        assert len(result.rules) == tree.decision_path(row.reshape(1, -1)).indices.size - 1
        for rule in result.rules:
            assert _holds(rule, row[names.index(rule.feature)])
        assert result.depth == tree.get_depth() and result.leaves == tree.get_n_leaves()


def test_leaf_counts_are_the_training_rows_in_the_leaf():
    data = load_iris()
    tree = DecisionTreeClassifier(random_state=0, max_depth=2).fit(data.data, data.target)
    result = explain(tree, data.data[0])
    leaf = tree.apply(data.data[:1])[0]
    in_leaf = data.target[tree.apply(data.data) == leaf]
    assert result.leaf_counts == {c: float(np.sum(in_leaf == c)) for c in range(3)}


def test_categories_are_named_not_coded():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"colour": rng.choice(["red", "green", "blue"], 300), "x": rng.normal(size=300)}
    )
    y = np.where((frame.colour == "red") & (frame.x > 0), "yes", "no")
    feats = features(frame, ["colour"])
    pipe = make_pipeline(
        "tree", numeric=feats.numeric, categorical=feats.categorical, levels=feats.levels
    ).fit(feats.X, y)
    red_high = int(np.flatnonzero((frame.colour == "red") & (frame.x > 0))[0])
    result = explain(pipe, feats.X.iloc[[red_high]])
    text = result.text()
    assert "colour in {red}" in text and "x > " in text
    assert result.prediction == "yes"
    assert result.as_dict()["rules"][0].startswith("colour in {")


def test_pruned_tree_is_explained_through_its_refitted_tree():
    data = load_breast_cancer()
    tree = PrunedTree(random_state=0).fit(data.data, data.target)
    result = explain(tree, data.data[3])
    assert result.leaves == tree.estimator_.get_n_leaves()
    assert result.prediction == tree.predict(data.data[3:4])[0]
