"""Read numeric tables for the mixture tools: CSV, Parquet or .npy, with column choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from notelab._util import InputError
from notelab.mixture._source import NpyFileSource

SUFFIXES = (".csv", ".parquet", ".npy")


def _frame(path: Path):
    import pandas as pd

    if path.suffix.lower() == ".csv":
        return pd.read_csv(path)
    return pd.read_parquet(path)


def read_table(path: str | Path, columns: list[str] | None = None):
    """A numeric (n, d) array (or an ``NpyFileSource`` for .npy, read in chunks) and the names
    of its columns."""
    path = Path(path)
    if not path.is_file():
        raise InputError("an existing file", repr(str(path)), "check the path")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"a {', '.join(SUFFIXES)} file", repr(path.name), "convert it first")
    if suffix == ".npy":
        source = NpyFileSource(path)
        if columns:
            raise InputError(
                "no --columns for a .npy file",
                repr(",".join(columns)),
                "save only the columns to fit",
            )
        return source, [f"x{i}" for i in range(source.shape[1])]
    frame = _frame(path)
    if columns:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InputError(
                f"columns from {list(map(str, frame.columns))}", repr(missing), "fix --columns"
            )
        frame = frame[columns]
    else:
        frame = frame.select_dtypes("number")
        if frame.shape[1] == 0:
            raise InputError("at least one numeric column", "none", "pass --columns")
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    bad = [
        str(c)
        for c in frame.columns
        if not is_numeric_dtype(frame[c].dtype) or is_bool_dtype(frame[c].dtype)
    ]
    if bad:
        raise InputError("numeric columns", f"non-numeric {bad}", "drop them from --columns")
    return frame.to_numpy(dtype=np.float64), [str(c) for c in frame.columns]
