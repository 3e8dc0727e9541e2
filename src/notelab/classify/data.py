"""Features and target from a user's table, checked: every bad input is one clear error.

Numeric columns stay numeric; text columns must be declared categorical (or parse as numbers);
pandas ``category`` columns are categorical. An all-numeric table becomes one float array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from notelab._util import InputError


@dataclass(frozen=True)
class Features:
    """Model inputs and their column kinds.

    Attributes
    ----------
    X : numpy.ndarray or pandas.DataFrame
        A float array when every column is numeric, else a DataFrame.
    names : list of str
        Column names in order.
    numeric, categorical : list
        Columns of each kind (indices for an array, names for a DataFrame).
    levels : list of int
        Number of categories of each categorical column.
    """

    X: Any
    names: list[str]
    numeric: list[Any]
    categorical: list[Any]
    levels: list[int]

    def rows(self, index: np.ndarray) -> Any:
        """The rows at ``index`` (positions)."""
        return self.X[index] if isinstance(self.X, np.ndarray) else self.X.iloc[index]


def features(X: Any, categorical: list[str] | None = None) -> Features:
    """Column kinds of ``X`` (an array or a DataFrame); text columns must be ``categorical``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = features(pd.DataFrame({"a": [1.0, 2.0], "c": ["x", "y"]}), categorical=["c"])
    >>> f.numeric, f.categorical, f.levels
    (['a'], ['c'], [2])
    """
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        array = np.asarray(X, dtype=float)
        if array.ndim != 2 or array.shape[1] == 0:
            raise InputError("a 2-D table of features", f"shape {array.shape}", "pass rows x cols")
        return _all_numeric(array, [f"x{j}" for j in range(array.shape[1])])
    declared = list(categorical or [])
    _check_columns(X, declared)
    names = [str(c) for c in X.columns]
    cat = [c for c in X.columns if _kind(X[c], c in declared) == "categorical"]
    if not cat:
        return _all_numeric(np.column_stack([_numbers(X[c]) for c in X.columns]), names)
    frame = pd.DataFrame({c: _labels(X[c]) if c in cat else _numbers(X[c]) for c in X.columns})
    num = [c for c in X.columns if c not in cat]
    return Features(frame, names, num, cat, [int(X[c].nunique()) for c in cat])


def _all_numeric(array: np.ndarray, names: list[str]) -> Features:
    return Features(array, names, list(range(array.shape[1])), [], [])


def _labels(column: Any) -> np.ndarray:
    """Categories as text (one type for the encoders), missing values as ``nan``."""
    values: np.ndarray = column.astype(str).to_numpy(dtype=object)
    values[column.isna().to_numpy()] = np.nan
    return values


def _check_columns(X: Any, declared: list[str]) -> None:
    missing = [c for c in declared if c not in X.columns]
    if missing:
        raise InputError(
            f"categorical columns among {', '.join(map(str, X.columns))}",
            ", ".join(map(repr, missing)),
            "check the names passed to --categorical",
        )
    if X.shape[1] == 0:
        raise InputError("at least one feature column", "none", "add columns besides the target")


def _kind(column: Any, declared: bool) -> str:
    import pandas as pd

    if declared or isinstance(column.dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return "numeric"
    parsed = pd.to_numeric(column, errors="coerce")
    bad = column[parsed.isna() & column.notna()]
    if len(bad):
        raise InputError(
            f"numbers in column {column.name!r} (or the column declared categorical)",
            f"{bad.iloc[0]!r} in row {bad.index[0]}",
            f"pass --categorical {column.name} if it holds categories",
        )
    return "numeric"


def _numbers(column: Any) -> np.ndarray:
    import pandas as pd

    numbers: np.ndarray = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    return numbers


def target(frame: Any, name: str) -> np.ndarray:
    """The target column ``name`` of ``frame``, checked for presence and missing values."""
    if name not in frame.columns:
        raise InputError(
            f"a target column among {', '.join(map(str, frame.columns))}",
            repr(name),
            "pass --target with one of those names",
        )
    y = frame[name]
    if y.isna().any():
        rows = list(y.index[y.isna()][:3])
        raise InputError(
            f"a label in every row of {name!r}",
            f"{int(y.isna().sum())} missing (rows {', '.join(map(str, rows))}...)",
            "drop or fill those rows",
        )
    labels: np.ndarray = y.to_numpy()
    return labels


def _show(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def check_classes(y: np.ndarray, cv: int) -> np.ndarray:
    """The sorted classes of ``y``; at least two, each with at least ``cv`` rows (2 for cv=1)."""
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise InputError(
            "at least two classes in the target", f"only {_show(classes[0])}", "check the target"
        )
    need = max(cv, 2)
    if counts.min() < need:
        small = classes[counts.argmin()]
        raise InputError(
            f"at least {need} rows of every class for --cv {cv}",
            f"{counts.min()} rows of class {_show(small)}",
            "lower --cv, or merge or drop rare classes",
        )
    return classes


def table(
    frame: Any, target_name: str, categorical: list[str] | None = None
) -> tuple[Features, np.ndarray]:
    """Features and target of a table read by ``notelab._util.frames.read_frame``.

    Examples
    --------
    >>> import pandas as pd
    >>> f, y = table(pd.DataFrame({"a": [1, 2, 3], "label": ["u", "v", "u"]}), "label")
    >>> f.X.shape, list(y)
    ((3, 1), ['u', 'v', 'u'])
    """
    y = target(frame, target_name)
    return features(frame.drop(columns=[target_name]), categorical), y
