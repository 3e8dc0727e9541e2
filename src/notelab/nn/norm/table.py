"""What a normalisation computes on the user's table: its statistics along the right axis, and
the normalised values (rows are samples, numeric columns are features).

- ``batch``: each column over the rows (the batch): one mean and variance per column.
- ``layer``: each row over its columns: one mean and variance per row.
- ``group``: each row over each of ``groups`` runs of adjacent columns.
- ``rms``: each row divided by its root mean square (no mean taken).

The values come from the same layers (:mod:`notelab.nn.norm.functional`, float64), weight 1 and
bias 0, the statistics from the same moments they use.

Examples
--------
>>> import numpy as np
>>> result = normalise_table(np.array([[1.0, 4.0], [3.0, 8.0]]), ["a", "b"], "batch")
>>> [(s.label, s.mean, s.var) for s in result.statistics]
[('a', 2.0, 1.0), ('b', 6.0, 4.0)]
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from notelab._util import InputError, atomic_write_bytes, atomic_write_text

KINDS = ("batch", "layer", "group", "rms")
OVER = {
    "batch": "each column over the rows",
    "layer": "each row over its columns",
    "group": "each row over each group of adjacent columns",
    "rms": "each row's root mean square over its columns",
}
OUTPUT_SUFFIXES = (".csv", ".parquet", ".npy")


@dataclass(frozen=True)
class Statistic:
    """The statistics of one normalised unit (a column, a row, or a row's group)."""

    label: str
    count: int  # values it covers
    mean: float  # 0 for rms (no centring)
    var: float  # biased variance; the mean square for rms


@dataclass
class TableNorm:
    """The statistics and the normalised table."""

    kind: str
    over: str
    columns: list[str]
    rows: int
    eps: float
    groups: int | None
    statistics: list[Statistic]
    values: np.ndarray = field(repr=False)
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self, *, values: bool = True) -> dict[str, Any]:
        """Plain values for JSON; the normalised rows under ``values`` when asked."""
        document: dict[str, Any] = {
            "kind": self.kind,
            "over": self.over,
            "columns": self.columns,
            "rows": self.rows,
            "eps": self.eps,
            "groups": self.groups,
            "ignored_columns": self.ignored_columns,
            "statistics": [vars(s) for s in self.statistics],
        }
        if values:
            document["values"] = self.values.tolist()
        return document


def read_matrix(path: str | Path) -> tuple[np.ndarray, list[str], list[str]]:
    """A table file as a float64 matrix: ``(values, numeric column names, ignored columns)``.

    ``.npy`` holds a 1-D (one column) or 2-D numeric array; CSV, Parquet and JSONL go through
    :func:`notelab._util.frames.read_frame` and keep their numeric columns.
    """
    path = Path(path)
    if path.suffix.lower() == ".npy":
        return _read_npy(path)
    from notelab._util.frames import read_frame

    frame = read_frame(path)
    numeric = frame.select_dtypes(include="number").columns
    ignored = [str(c) for c in frame.columns if c not in numeric]
    if len(numeric) == 0:
        raise InputError(
            "at least one numeric column",
            f"{path.name}: columns {', '.join(ignored[:5])} are not numbers",
            "give a table of numbers (samples as rows, features as columns)",
        )
    matrix = frame[numeric].to_numpy(dtype=np.float64)
    return _finite(matrix, path.name), [str(c) for c in numeric], ignored


def _read_npy(path: Path) -> tuple[np.ndarray, list[str], list[str]]:
    if not path.is_file():
        raise InputError("an existing .npy file", repr(str(path)), "check the path")
    try:
        array = np.load(path, allow_pickle=False)
    except Exception as error:  # numpy raises several types for a bad file
        raise InputError(
            "a readable .npy array", f"{path.name}: {error}", "save it with np.save"
        ) from None
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.number) or array.shape[0] == 0:
        raise InputError(
            "a 1-D or 2-D numeric array with at least one row",
            f"{path.name}: {array.dtype} array of shape {array.shape}",
            "save samples as rows and features as columns",
        )
    columns = [f"x{i}" for i in range(array.shape[1])]
    return _finite(array.astype(np.float64), path.name), columns, []


def _finite(matrix: np.ndarray, name: str) -> np.ndarray:
    bad = ~np.isfinite(matrix)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise InputError(
            "finite numbers in every numeric cell",
            f"{name}: {int(bad.sum())} empty or non-finite cell(s), first at row {row + 1}, "
            f"column {column + 1}",
            "fill or drop them first",
        )
    return matrix


def _check(kind: str, shape: tuple[int, int], groups: int | None) -> None:
    if kind not in KINDS:
        raise InputError(f"--kind from {', '.join(KINDS)}", repr(kind))
    if kind == "batch" and shape[0] < 2:
        raise InputError(
            "at least 2 rows for batch normalisation",
            f"{shape[0]} row",
            "each column's variance over one row is 0; use --kind layer for one sample",
        )
    if kind == "group" and (groups is None or groups < 1 or shape[1] % groups):
        divisors = [str(g) for g in range(1, shape[1] + 1) if shape[1] % g == 0]
        raise InputError(
            f"--groups dividing the {shape[1]} numeric columns",
            str(groups),
            f"pass --groups {' or '.join(divisors)}",
        )


def normalise_table(
    matrix: np.ndarray,
    columns: list[str],
    kind: str,
    *,
    groups: int | None = None,
    eps: float = 1e-5,
    ignored_columns: list[str] | None = None,
) -> TableNorm:
    """Normalise ``matrix`` (rows are samples) the way ``kind`` does, and its statistics.

    Parameters
    ----------
    matrix : ndarray of shape (rows, columns)
        The numbers.
    columns : list of str
        Their column names.
    kind : {"batch", "layer", "group", "rms"}
        Which normalisation.
    groups : int, optional
        For ``group``: how many runs of adjacent columns (must divide the column count).
    eps : float
        Added to each variance (mean square for ``rms``).
    ignored_columns : list of str, optional
        Non-numeric columns left out, reported back.

    Returns
    -------
    TableNorm
        One statistic per column (batch), row (layer, rms) or row and group (group), and the
        normalised matrix.
    """
    import torch

    _check(kind, matrix.shape, groups)
    x = torch.from_numpy(np.ascontiguousarray(matrix, dtype=np.float64))
    mean, var = _moments(x, kind, groups or 1)
    values = _normalised(x, kind, groups or 1, eps)
    stats = _statistics(kind, columns, x.shape[0], groups, mean.expand_as(var), var)
    return TableNorm(
        kind, OVER[kind], columns, x.shape[0], eps, groups, stats, values, ignored_columns or []
    )


def _moments(x: Any, kind: str, groups: int) -> tuple[Any, Any]:
    """Mean (0 for ``rms``) and variance (mean square for ``rms``) along ``kind``'s axis, from
    the moments the layers use."""
    import torch

    from notelab.nn.norm._function import moments

    view, dims = {
        "batch": (x, (0,)),
        "layer": (x, (1,)),
        "rms": (x, (1,)),
        "group": (x.reshape(x.shape[0], groups, -1), (2,)),
    }[kind]
    mean, var, _, _ = moments(view, dims, None, kind != "rms", torch.empty_like(view))
    return (torch.zeros_like(var) if mean is None else mean), var


def _normalised(x: Any, kind: str, groups: int, eps: float) -> np.ndarray:
    """``x`` through the layer of ``kind`` (training-mode batch statistics, no affine)."""
    from notelab.nn.norm import functional as F

    c = x.shape[1]
    values = {
        "batch": lambda: F.batch_norm(x, None, None, training=True, eps=eps),
        "layer": lambda: F.layer_norm(x, c, eps=eps),
        "rms": lambda: F.rms_norm(x, c, eps=eps),
        "group": lambda: F.group_norm(x, groups, eps=eps),
    }[kind]()
    return values.numpy()


def _statistics(
    kind: str, columns: list[str], rows: int, groups: int | None, mean: Any, var: Any
) -> list[Statistic]:
    means, variances = mean.flatten().tolist(), var.flatten().tolist()
    if kind == "batch":
        labels, count = columns, rows
    elif kind == "group":
        size = len(columns) // (groups or 1)
        labels = [
            f"row {i + 1}, {columns[g * size]}..{columns[g * size + size - 1]}"
            for i in range(rows)
            for g in range(groups or 1)
        ]
        count = size
    else:
        labels, count = [f"row {i + 1}" for i in range(rows)], len(columns)
    return [Statistic(lab, count, m, v) for lab, m, v in zip(labels, means, variances, strict=True)]


def write_values(
    result: TableNorm, output: str | Path, *, source: str | Path | None = None
) -> Path:
    """Write the normalised table to ``output`` (CSV, Parquet or .npy by suffix), atomically;
    an output that is the input is refused."""
    output = Path(output)
    if source is not None and output.resolve() == Path(source).resolve():
        raise InputError("an --output other than the input", str(output), "name a new file")
    suffix = output.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise InputError(f"an --output ending in {', '.join(OUTPUT_SUFFIXES)}", repr(output.name))
    if suffix == ".npy":
        buffer = io.BytesIO()
        np.save(buffer, result.values)
        atomic_write_bytes(output, buffer.getvalue())
        return output
    import pandas as pd

    frame = pd.DataFrame(result.values, columns=result.columns)
    if suffix == ".csv":
        atomic_write_text(output, frame.to_csv(index=False))
    else:
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        atomic_write_bytes(output, buffer.getvalue())
    return output
