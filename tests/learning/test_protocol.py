"""The protocol: splits, labelled draws, hidden labels that no method can see."""

from typing import ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_iris

from notelab._util import InputError
from notelab.learning import curve, protocol
from notelab.learning.protocol import draw_labelled, hide_labels, labelled_count, split


def test_labelled_counts_match_the_issue_reference():
    # 1,257 training rows of digits: 12, 25, 62 and 125 labels at 1, 2, 5 and 10%.
    assert [labelled_count(f, 1257, 10) for f in (0.01, 0.02, 0.05, 0.1, 1.0)] == [
        12,
        25,
        62,
        125,
        1257,
    ]


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(1, 30), min_size=2, max_size=6),
    extra=st.integers(0, 40),
    seed=st.integers(0, 1000),
)
def test_draw_has_every_class_and_the_right_count(counts, extra, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    count = min(len(y), len(counts) + extra)
    rows = draw_labelled(y, count, seed)
    assert len(rows) == count == len(set(rows.tolist()))
    assert set(y[rows]) == set(range(len(counts)))


def test_split_parts_are_disjoint_and_labelled_inside_train():
    y = load_iris().target
    part = split(y, fraction=0.1, seed=3)
    assert not set(part.train) & set(part.test)
    assert len(part.train) + len(part.test) == len(y)
    assert set(part.labelled) <= set(part.train)
    shown = hide_labels(y, part)
    assert (shown >= 0).sum() == len(part.labelled)
    assert np.array_equal(shown[shown >= 0], y[part.train][shown >= 0])


class Spy:
    """A method that records the labels it is given, then predicts like label spreading."""

    seen: ClassVar[list] = []

    def __init__(self, seed):
        from notelab.learning import LabelSpreading

        self.model = LabelSpreading(n_neighbors=5)

    def fit(self, X, y):
        Spy.seen.append((X.copy(), np.asarray(y).copy()))
        self.model.fit(X, y)
        return self

    def predict(self, X):
        return self.model.predict(X)


def test_methods_see_only_the_labelled_subset_and_no_test_row():
    X, y = load_iris(return_X_y=True)
    Spy.seen = []
    curve(X, y, fractions=[0.1], seeds=[0, 1], methods=["spy"], custom={"spy": Spy})
    for seed, (X_seen, y_seen) in zip([0, 1], Spy.seen, strict=True):
        part = split(y, fraction=0.1, seed=seed)
        assert np.array_equal(X_seen, X[part.train])  # never a test row
        assert (y_seen >= 0).sum() == len(part.labelled)


def test_poisoned_hidden_labels_change_nothing(monkeypatch):
    """Replace every hidden label by garbage: every method scores exactly the same."""
    X, y = load_iris(return_X_y=True)
    fraction, seeds = 0.1, [0, 1, 2]
    parts = {s: split(y, fraction=fraction, seed=s) for s in seeds}
    # The split is drawn from the true labels (stratification): fix it, then poison.
    monkeypatch.setattr(protocol, "split", lambda y, *, fraction, seed, test_size: parts[seed])
    poisoned = y.copy()
    rng = np.random.default_rng(0)
    for part in parts.values():
        hidden = np.setdiff1d(part.train, part.labelled)
        poisoned[hidden] = rng.integers(0, 3, len(hidden))
    # A row hidden under one seed is labelled or tested under another: poison per seed.
    methods = ["logistic", "self-training", "label-spreading", "label-propagation"]
    for seed in seeds:
        part = parts[seed]
        mine = y.copy()
        hidden = np.setdiff1d(part.train, part.labelled)
        mine[hidden] = poisoned[hidden]
        clean = curve(X, y, fractions=[fraction], seeds=[seed], methods=methods)
        dirty = curve(X, mine, fractions=[fraction], seeds=[seed], methods=methods)
        for a, b in zip(clean.points, dirty.points, strict=True):
            assert a.accuracy == b.accuracy and a.macro_f1 == b.macro_f1


def test_curve_is_deterministic_per_seed():
    X, y = load_iris(return_X_y=True)
    methods = ["logistic", "self-training", "label-spreading"]
    a = curve(X, y, fractions=[0.05, 0.2], seeds=2, methods=methods).as_dict()
    b = curve(X, y, fractions=[0.05, 0.2], seeds=2, methods=methods).as_dict()
    strip = [{k: v for k, v in p.items() if k != "seconds"} for p in a["points"]]
    assert strip == [{k: v for k, v in p.items() if k != "seconds"} for p in b["points"]]


def test_interval_matches_scipy_and_stays_a_share():
    from scipy import stats

    values = [0.61, 0.72, 0.65, 0.70, 0.58]
    point = protocol.Point("m", 0.1, 5, accuracy=values, macro_f1=[0.9, 1.0, 1.0], seconds=[1])
    summary = point.summary()
    reference = stats.t.interval(0.95, 4, loc=np.mean(values), scale=stats.sem(values))
    assert (summary["accuracy_low"], summary["accuracy_high"]) == pytest.approx(reference)
    assert summary["accuracy"] == pytest.approx(np.mean(values))
    assert summary["macro_f1_high"] == 1.0 and summary["macro_f1_low"] < summary["macro_f1"]


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.array([0] * 10), "at least two classes"),
        (np.array([0] * 9 + [1]), "at least two rows of every class"),
    ],
)
def test_bad_targets(y, message):
    with pytest.raises(InputError, match=message):
        curve(np.zeros((len(y), 2)), y, fractions=[0.5], seeds=1, methods=["logistic"])


def test_unknown_method():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(InputError, match="a method from"):
        curve(X, y, fractions=[0.5], seeds=1, methods=["magic"])
