"""The one reader of user tables: CSV, Parquet or JSONL (plain or .gz) into a pandas DataFrame.

Every tool that takes a table (``gmm``, ``classify``, ``semi``, ``norm stats``) reads it here, so
every tool gives the same clear error for a missing, empty or corrupt file.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from notelab._util.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

FRAME_SUFFIXES = (".csv", ".parquet", ".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".csv.gz")


def _kind(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(FRAME_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix.split(".")[1]
    raise InputError(
        f"a table file ({', '.join(FRAME_SUFFIXES)})",
        repr(path.name),
        "convert the table to CSV, Parquet or JSONL",
    )


def read_frame(path: str | Path, *, strings: bool = False) -> pd.DataFrame:
    """Read a table file into a DataFrame, with one clear :class:`InputError` for bad files.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.parquet`` or ``.jsonl``/``.ndjson`` file (``.gz`` allowed for text).
    strings : bool
        Keep every CSV cell as the text it is (ids like ``"007"`` stay ``"007"``, ``"NA"`` and
        empty cells stay strings) and every JSONL value as stored (no type guessing); a CSV row
        with more fields than the header is an error. Parquet keeps its stored types either way.

    Returns
    -------
    pandas.DataFrame
        The rows and columns as read; nothing is dropped or converted beyond pandas' parsing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a,b\\n1,x\\n2,y\\n")
    >>> read_frame(p).shape
    (2, 2)
    >>> _ = p.write_text("id,n\\n007,NA\\n")
    >>> read_frame(p, strings=True).iloc[0].tolist()
    ['007', 'NA']
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("an existing table file", repr(str(path)), "check the path")
    kind = _kind(path)
    try:
        frame = _read(path, kind, strings)
    except InputError:
        raise
    except Exception as error:  # pandas/pyarrow raise many types for one cause: a bad file
        raise _unreadable(kind, path.name, error) from error
    if frame.shape[0] == 0:
        raise InputError("at least one data row", f"{path.name} has none", "check the file")
    return frame


def csv_rows(text: str, *, name: str) -> list[dict[str, str]]:
    """The rows of CSV ``text`` as dicts of strings, parsed as ``read_frame(strings=True)``
    parses a CSV file; no rows for empty text or a header alone.

    Parameters
    ----------
    text : str
        Decoded CSV text (the caller decodes, so it can count replaced bytes).
    name : str
        The file it came from, named in the error for malformed text (with pandas' line).

    Examples
    --------
    >>> csv_rows('id,text\\n007,"a, b"\\n', name="docs.csv")
    [{'id': '007', 'text': 'a, b'}]
    """
    import pandas as pd

    try:
        frame = _csv(io.StringIO(text), strings=True)
    except pd.errors.EmptyDataError:
        return []
    except Exception as error:  # the parser's many error types: one cause, a malformed file
        raise _unreadable("csv", name, error) from error
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _unreadable(kind: str, name: str, error: Exception) -> InputError:
    return InputError(
        f"a readable {kind.upper()} file",
        f"{name}: {type(error).__name__}: {str(error).splitlines()[0][:200]}",
        "check that the file is complete and in the format its suffix names",
    )


def _csv(source: Path | io.StringIO, strings: bool) -> pd.DataFrame:
    """``pandas.read_csv``; with ``strings`` every cell a string and a row longer than the
    header an error (pandas would otherwise drop its extra fields with a warning)."""
    import pandas as pd

    if not strings:
        return pd.read_csv(source)
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return pd.read_csv(source, dtype=str, keep_default_na=False, index_col=False)


def _read(path: Path, kind: str, strings: bool) -> pd.DataFrame:
    import pandas as pd

    if kind == "csv":
        try:
            return _csv(path, strings)
        except pd.errors.EmptyDataError:
            raise InputError(
                "a CSV file with a header and rows", f"{path.name} is empty", "check the file"
            ) from None
    if kind == "parquet":
        return pd.read_parquet(path)
    if strings:
        return pd.read_json(path, lines=True, compression="infer", dtype=False)
    return pd.read_json(path, lines=True, compression="infer")


@dataclass(frozen=True)
class NumericColumns:
    """Columns of a table as one float64 array, and the columns left out by default.

    Attributes
    ----------
    values : numpy.ndarray
        (rows, columns) float64, every cell finite.
    names : list of str
        The column of each array column.
    left_out : list of str
        One sentence per column left out by default, naming it and saying why.
    """

    values: npt.NDArray[np.float64]
    names: list[str]
    left_out: list[str]


def numeric_columns(
    frame: pd.DataFrame, columns: Sequence[str] | None = None, *, name: str = "the table"
) -> NumericColumns:
    """The chosen columns (default: every column that holds numbers) as float64, or one
    :class:`InputError` naming the first cell that is not a finite number, its row and column.

    A column is left out by default only if none of its cells is a number (text, dates,
    true/false); ``left_out`` says which and why. A column that holds numbers and also other
    text is an error, never silently dropped. Rows count from 1, the header not counted.

    Examples
    --------
    >>> import pandas as pd
    >>> table = numeric_columns(pd.DataFrame({"x": [1, 2], "y": ["3", "4.5"], "t": ["a", "b"]}))
    >>> table.names, table.values.tolist(), table.left_out
    (['x', 'y'], [[1.0, 3.0], [2.0, 4.5]], ["column 't' left out: it holds text such as 'a'"])
    """
    if columns:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InputError(
                f"columns from {[str(c) for c in frame.columns]}",
                f"{missing} (not in {name})",
                "fix --columns",
            )
        chosen: list[Any] = list(columns)
        left_out: list[str] = []
    else:
        chosen, left_out = _default_columns(frame)
    if not chosen:
        raise InputError(
            f"at least one column of numbers in {name}",
            "none (" + "; ".join(left_out) + ")" if left_out else "no columns",
            "add a column of numbers or pick columns with --columns",
        )
    values = np.column_stack([_numbers(frame[c], str(c), name) for c in chosen])
    return NumericColumns(values, [str(c) for c in chosen], left_out)


def _not_numbers(series: pd.Series) -> str | None:
    """Why a column holds no numbers at all (None if it holds some)."""
    import pandas as pd
    from pandas.api.types import (
        is_bool_dtype,
        is_numeric_dtype,
        is_object_dtype,
        is_string_dtype,
    )

    if is_bool_dtype(series.dtype):
        return "it holds true/false values"
    if is_numeric_dtype(series.dtype):
        return None
    present = series.dropna()
    if len(present) and pd.to_numeric(present, errors="coerce").notna().any():
        return None
    if not is_object_dtype(series.dtype) and not is_string_dtype(series.dtype):
        return f"it holds {series.dtype} values"
    example = f" such as {str(present.iloc[0])[:40]!r}" if len(present) else ""
    return f"it holds text{example}" if len(present) else "it is empty"


def _default_columns(frame: pd.DataFrame) -> tuple[list[Any], list[str]]:
    chosen: list[Any] = []
    left_out: list[str] = []
    for column in frame.columns:
        why = _not_numbers(frame[column])
        if why is None:
            chosen.append(column)
        else:
            left_out.append(f"column {str(column)!r} left out: {why}")
    return chosen, left_out


def _numbers(series: pd.Series, column: str, name: str) -> npt.NDArray[np.float64]:
    """One column as float64; an error naming the first cell that is not a finite number."""
    import pandas as pd
    from pandas.api.types import is_bool_dtype

    if is_bool_dtype(series.dtype):
        raise InputError(
            f"numbers in column {column!r} of {name}",
            "true/false values",
            "convert them to 0/1 or leave the column out of --columns",
        )
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(numbers)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        missing = bool(series.isna().iloc[row])
        what = "an empty cell" if missing else f"{str(series.iloc[row])[:40]!r}"
        raise InputError(
            f"a finite number in every cell of column {column!r} of {name}",
            f"{what} at row {row + 1} ({_cells(int(bad.sum()))})",
            "fix or drop those rows, or leave the column out with --columns",
        )
    return numbers


def _cells(count: int) -> str:
    return "the only such cell in the column" if count == 1 else f"{count} such cells in the column"
