import numpy as np
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import check_estimator

from notelab.classify import PrunedTree


def test_choice_equals_a_grid_search_over_the_same_candidates():
    X, y = load_wine(return_X_y=True)
    ours = PrunedTree(random_state=0).fit(X, y)
    alphas = ours._candidates(
        DecisionTreeClassifier(random_state=0).cost_complexity_pruning_path(X, y).ccp_alphas
    )
    search = GridSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"ccp_alpha": alphas},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    means = search.cv_results_["mean_test_score"]
    assert np.isclose(means[list(alphas).index(ours.ccp_alpha_)], means.max())
    assert ours.ccp_alpha_ >= search.best_params_["ccp_alpha"]  # ties go to the simpler tree


def test_pruning_shrinks_the_tree_and_the_train_test_gap():
    X, y = load_breast_cancer(return_X_y=True)
    full = DecisionTreeClassifier(random_state=0).fit(X[::2], y[::2])
    pruned = PrunedTree(random_state=0).fit(X[::2], y[::2])
    assert pruned.estimator_.get_n_leaves() < full.get_n_leaves()
    gap_full = full.score(X[::2], y[::2]) - full.score(X[1::2], y[1::2])
    gap_pruned = pruned.score(X[::2], y[::2]) - pruned.score(X[1::2], y[1::2])
    assert gap_pruned < gap_full


def test_is_a_scikit_learn_estimator():
    check_estimator(PrunedTree(random_state=0))
