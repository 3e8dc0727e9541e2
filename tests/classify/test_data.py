import numpy as np
import pandas as pd
import pytest

from notelab._util import InputError
from notelab.classify import features, table
from notelab.classify.data import check_classes


def test_numeric_tables_become_one_float_array_with_names():
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["1.5", "2", None], "flag": [True, False, True]})
    feats = features(frame)
    assert isinstance(feats.X, np.ndarray) and feats.X.dtype == float
    assert feats.names == ["a", "b", "flag"]
    assert np.isnan(feats.X[2, 1]) and feats.X[0, 2] == 1.0


def test_categorical_columns_keep_text_and_missing_values():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "c": ["x", None, 3]})
    feats = features(frame, ["c"])
    assert feats.categorical == ["c"] and feats.numeric == ["a"] and feats.levels == [2]
    values = list(feats.X["c"])
    assert values[0] == "x" and values[2] == "3" and pd.isna(values[1])


def test_pandas_category_columns_are_categorical_without_declaring():
    frame = pd.DataFrame({"c": pd.Categorical(["u", "v", "u"]), "a": [1, 2, 3]})
    assert features(frame).categorical == ["c"]


@pytest.mark.parametrize(
    ("frame", "target", "categorical", "expected"),
    [
        (pd.DataFrame({"a": [1, 2]}), "label", None, "a target column among a"),
        (pd.DataFrame({"a": [1, 2], "y": [1, None]}), "y", None, "a label in every row"),
        (pd.DataFrame({"a": ["1", "x"], "y": [0, 1]}), "y", None, "numbers in column 'a'"),
        (pd.DataFrame({"a": [1, 2], "y": [0, 1]}), "y", ["b"], "categorical columns among"),
        (pd.DataFrame({"y": [0, 1]}), "y", None, "at least one feature column"),
    ],
)
def test_bad_tables_are_one_clear_error(frame, target, categorical, expected):
    with pytest.raises(InputError, match=expected):
        table(frame, target, categorical)


def test_class_checks():
    assert list(check_classes(np.array(["b", "a", "b", "a"]), 2)) == ["a", "b"]
    with pytest.raises(InputError, match="only 'a'"):
        check_classes(np.array(["a", "a"]), 2)
    with pytest.raises(InputError, match="1 rows of class 'b'"):
        check_classes(np.array(["a", "a", "b"]), 1)
