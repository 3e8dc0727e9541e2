"""The one reader of user tables: CSV, Parquet or JSONL (plain or .gz) into a pandas DataFrame.

Every tool that takes a table (``gmm``, ``classify``, ``semi``, ``norm stats``) reads it here, so
every tool gives the same clear error for a missing, empty or corrupt file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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


def read_frame(path: str | Path) -> pd.DataFrame:
    """Read a table file into a DataFrame, with one clear :class:`InputError` for bad files.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.parquet`` or ``.jsonl``/``.ndjson`` file (``.gz`` allowed for text).

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
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("an existing table file", repr(str(path)), "check the path")
    kind = _kind(path)
    try:
        frame = _read(path, kind)
    except InputError:
        raise
    except Exception as error:  # pandas/pyarrow raise many types for one cause: a bad file
        raise InputError(
            f"a readable {kind.upper()} file",
            f"{path.name}: {type(error).__name__}: {str(error).splitlines()[0][:200]}",
            "check that the file is complete and in the format its suffix names",
        ) from error
    if frame.shape[0] == 0:
        raise InputError("at least one data row", f"{path.name} has none", "check the file")
    return frame


def _read(path: Path, kind: str) -> pd.DataFrame:
    import pandas as pd

    if kind == "csv":
        try:
            return pd.read_csv(path)
        except pd.errors.EmptyDataError:
            raise InputError(
                "a CSV file with a header and rows", f"{path.name} is empty", "check the file"
            ) from None
    if kind == "parquet":
        return pd.read_parquet(path)
    return pd.read_json(path, lines=True, compression="infer")
