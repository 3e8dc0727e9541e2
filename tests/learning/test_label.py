"""Labelling a partly labelled table, and reading targets."""

import numpy as np
import pandas as pd
import pytest

from notelab._util import InputError
from notelab.learning.label import label_rows
from notelab.learning.tables import from_frame, parse_target


def _table(labels, n=60):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 0.3, n // 2), rng.normal(5, 0.3, n // 2)])
    return pd.DataFrame({"x": x, "extra": ["t"] * n, "label": labels})


def _labels(n=60, shown=(0, 1, 2, 30, 31, 32)):
    out = [None] * n
    for i in shown:
        out[i] = "low" if i < n // 2 else "high"
    return out


def test_every_row_kept_and_labels_predicted():
    frame = _table(_labels())
    done = label_rows(from_frame(frame, "label"), method="auto", min_confidence=0.5)
    assert len(done.predicted) == 60
    assert list(done.predicted[:30]) == ["low"] * 30 and list(done.predicted[30:]) == ["high"] * 30
    assert done.labelled_before + done.newly_labelled + done.left_empty == 60
    assert set(done.scores) == {"logistic", "self-training", "label-spreading", "label-propagation"}
    assert (done.confidence[[0, 1, 2, 30, 31, 32]] == 1).all()


def test_confidence_floor_leaves_rows_empty():
    done = label_rows(from_frame(_table(_labels()), "label"), method="logistic", min_confidence=1.0)
    assert done.left_empty == 54 and (done.predicted[np.arange(60) > 32] == None).all()  # noqa: E711


@pytest.mark.parametrize(
    ("labels", "classes", "message"),
    [
        ([None] * 60, None, "some labelled rows"),
        (["low"] * 30 + ["high"] * 30, None, "some rows with an empty"),
        (_labels(shown=(0, 1)), None, "at least two classes"),
        (_labels(), ["low", "high", "middle"], "no labelled row of 'middle'"),
    ],
)
def test_bad_inputs(labels, classes, message):
    with pytest.raises(InputError, match=message):
        label_rows(from_frame(_table(labels), "label"), classes=classes)


def test_mixed_numbers_and_text_refused():
    with pytest.raises(InputError, match=r"numbers .* mixed with text"):
        parse_target([1, "cat", None])


def test_numeric_labels_with_gaps_become_integers():
    assert parse_target([1.0, float("nan"), 2.0]).tolist() == [1, None, 2]


def test_unknown_target_column():
    with pytest.raises(InputError, match="--target naming a column"):
        from_frame(_table(_labels()), "nope")


def test_features_scaled_and_text_one_hot():
    table = from_frame(_table(_labels()), "label")
    assert table.features == ["x", "extra_t"]
    assert table.X.min() == 0 and table.X[:, 0].max() == 1
