"""The numbers a mixture is fitted to, from a file: a table (CSV, Parquet, JSONL, read by the
shared reader) or a ``.npy`` array (read in chunks, so it may be larger than memory)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from notelab._util import InputError
from notelab._util.frames import FRAME_SUFFIXES, numeric_columns, read_frame
from notelab.mixture._gaussian import Array
from notelab.mixture._source import NpyFileSource


@dataclass
class MixtureData:
    """Rows to fit: an in-memory array or a ``.npy`` file, the columns' names, and what was
    left out of the table (one sentence per column, naming it and saying why)."""

    rows: Array | NpyFileSource
    names: list[str]
    left_out: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.rows.shape[0])

    def chunks(self, rows: int) -> Iterator[Array]:
        """The rows, at most ``rows`` at a time (a ``.npy`` file is read chunk by chunk)."""
        if isinstance(self.rows, NpyFileSource):
            yield from self.rows.chunks(rows)
            return
        for start in range(0, self.n_rows, rows):
            yield self.rows[start : start + rows]


def read_data(path: str | os.PathLike[str], columns: Sequence[str] | None = None) -> MixtureData:
    """Read a file to fit: a table (every column of numbers, or ``columns``) or a ``.npy``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("x,y,label\\n1,2,a\\n3,4,b\\n")
    >>> data = read_data(p)
    >>> data.names, data.rows.tolist(), data.left_out
    (['x', 'y'], [[1.0, 2.0], [3.0, 4.0]], ["column 'label' left out: it holds text such as 'a'"])
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("an existing file", repr(str(path)), "check the path")
    if path.name.lower().endswith(".npy"):
        return _read_npy(path, columns)
    if not path.name.lower().endswith(FRAME_SUFFIXES):
        raise InputError(
            f"a .npy file or a table ({', '.join(FRAME_SUFFIXES)})",
            repr(path.name),
            "convert it to CSV, Parquet or .npy",
        )
    table = numeric_columns(read_frame(path), columns, name=path.name)
    return MixtureData(table.values, table.names, table.left_out)


def _read_npy(path: Path, columns: Sequence[str] | None) -> MixtureData:
    if columns:
        raise InputError(
            "no --columns for a .npy file",
            repr(",".join(columns)),
            "save only the columns to fit",
        )
    source = NpyFileSource(path)
    return MixtureData(source, [f"x{i}" for i in range(source.shape[1])])
