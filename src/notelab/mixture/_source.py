"""Where rows come from: the ``Source`` protocol, and its local kinds.

A source is rows in blocks. EM asks a source for two things only: a function applied to every
block (the E-step's sums, the column sums, a start's statistics), and a sample of rows (for the
k-means and point starts). An in-memory array and a ``.npy`` file read chunk by chunk are
sources here; a Dask array is one in ``_dask_source.py``. Randomness that depends on rows is
drawn on the caller's side, in row order, so every source gives the same start.
"""

from __future__ import annotations

import copy
import functools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from notelab._util import InputError
from notelab.mixture._errors import SklearnWordedError

T = TypeVar("T")
DEFAULT_CHUNK_BYTES = 32 * 2**20
Array = npt.NDArray[Any]


class Source(Protocol):
    """Rows in blocks: what EM needs from in-memory, ``.npy`` and Dask inputs alike."""

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        ...

    @property
    def dtype(self) -> np.dtype[Any]:
        """The rows' float type."""
        ...

    def blocked(self, rows: int) -> Source:
        """The same rows in blocks of ``rows`` (a Dask array keeps its own blocks)."""
        ...

    def block_lengths(self) -> list[int]:
        """Rows in each block, in order."""
        ...

    def map_blocks(
        self, fn: Callable[..., T], *args: Any, per_block: Sequence[Any] | None = None
    ) -> Iterable[T]:
        """``fn(block, *args)`` (or ``fn(block, *args, per_block[i])``) for every block."""
        ...

    def sample(self, size: int, rng: np.random.RandomState) -> Array:
        """About ``size`` rows chosen at random (every row, drawing nothing, if n <= size)."""
        ...


def block_total(
    source: Source, fn: Callable[..., T], *args: Any, per_block: Sequence[Any] | None = None
) -> T:
    """The sum over blocks of ``fn(block, *args)``: how EM reads a source."""
    parts: Iterable[Any] = source.map_blocks(fn, *args, per_block=per_block)
    total: T = functools.reduce(operator.add, parts)
    return total


def _with_extra(args: tuple[Any, ...], per_block: Sequence[Any] | None, i: int) -> tuple[Any, ...]:
    return args if per_block is None else (*args, per_block[i])


def _take(block: Array, rows: Array) -> Array:
    return block[rows]


def _whole(block: Array) -> Array:
    return block


def bernoulli_sample(source: Source, size: int, rng: np.random.RandomState) -> Array:
    """Each row kept with chance size/n, drawn in row order (bounded memory, any blocks);
    every row, drawing nothing, when n <= size."""
    n = source.shape[0]
    if size >= n:
        return np.concatenate(list(source.map_blocks(_whole)))
    share = size / n
    picks = [np.flatnonzero(rng.random_sample(length) < share) for length in source.block_lengths()]
    return np.concatenate(list(source.map_blocks(_take, per_block=picks)))


def _lengths(n: int, rows: int) -> list[int]:
    return [min(rows, n - start) for start in range(0, n, rows)]


class ArraySource:
    """Rows of an in-memory (n, d) array, in blocks of ``rows``."""

    def __init__(self, X: Array, rows: int | None = None) -> None:
        self.X = X
        self.rows = max(1, rows or len(X))

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return int(self.X.shape[0]), int(self.X.shape[1])

    @property
    def dtype(self) -> np.dtype[Any]:
        """The rows' float type."""
        return self.X.dtype

    def blocked(self, rows: int) -> ArraySource:
        """The same array in blocks of ``rows``."""
        return ArraySource(self.X, rows)

    def block_lengths(self) -> list[int]:
        """Rows in each block."""
        return _lengths(self.shape[0], self.rows)

    def map_blocks(
        self, fn: Callable[..., T], *args: Any, per_block: Sequence[Any] | None = None
    ) -> Iterator[T]:
        """``fn`` on every block, one after the other."""
        for i, start in enumerate(range(0, self.shape[0], self.rows)):
            yield fn(self.X[start : start + self.rows], *_with_extra(args, per_block, i))

    def sample(self, size: int, rng: np.random.RandomState) -> Array:
        """``size`` distinct rows in row order (scikit-learn's start when n <= size: all)."""
        if size >= self.shape[0]:
            return self.X
        return self.X[np.sort(rng.choice(self.shape[0], size, replace=False))]


def _npy_header(path: Path) -> tuple[tuple[int, ...], bool, np.dtype[Any], int]:
    """Shape, Fortran order, dtype and data offset of a .npy file; InputError if it is none."""
    try:
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            read = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read(handle)
            return shape, fortran, dtype, handle.tell()
    except (ValueError, OSError, SyntaxError) as error:
        raise InputError(
            "a .npy file (NumPy's format, as np.save writes it)",
            f"{path.name}: {str(error).splitlines()[0][:160]}",
            "save the array with np.save(path, X)",
        ) from None


def _check_npy(path: Path, shape: tuple[int, ...], fortran: bool, dtype: np.dtype[Any]) -> None:
    if dtype.kind != "f" or fortran or len(shape) != 2:
        what = "Python objects" if dtype.kind == "O" else f"dtype {dtype}"
        raise InputError(
            "a 2-D C-ordered float .npy file",
            f"{path.name}: shape {shape}, {what}, fortran order {fortran}",
            "save it with np.save(path, np.ascontiguousarray(X, dtype=float))",
        )


class NpyFileSource:
    """Rows of a 2-D C-ordered float ``.npy`` file, read chunk by chunk with plain file reads,
    so the process never holds more than a chunk (memory maps would count the file's pages).

    Parameters
    ----------
    path : str or Path
        The file; a 1-D array is one column.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.npy"
    >>> np.save(path, np.arange(6.0).reshape(3, 2))
    >>> NpyFileSource(path).shape
    (3, 2)
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        shape, fortran, dtype, self.offset = _npy_header(self.path)
        if len(shape) == 1:
            shape = (shape[0], 1)
        _check_npy(self.path, shape, fortran, dtype)
        self._shape, self._dtype = (int(shape[0]), int(shape[1])), dtype
        needed = self.offset + self._shape[0] * self._shape[1] * dtype.itemsize
        size = self.path.stat().st_size
        if size < needed:
            raise InputError(
                f"a complete .npy file of {needed:,} bytes (its header says shape {shape})",
                f"{self.path.name} of {size:,} bytes (truncated)",
                "write the file again",
            )
        self.rows = chunk_rows(self)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self._shape

    @property
    def dtype(self) -> np.dtype[Any]:
        """The rows' float type."""
        return self._dtype

    def blocked(self, rows: int) -> NpyFileSource:
        """The same file read in chunks of ``rows``."""
        chunked = copy.copy(self)
        chunked.rows = max(1, rows)
        return chunked

    def block_lengths(self) -> list[int]:
        """Rows in each chunk."""
        return _lengths(self.shape[0], self.rows)

    def chunks(self, rows: int) -> Iterator[Array]:
        """The rows, ``rows`` at a time."""
        n, d = self.shape
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            for start in range(0, n, rows):
                count = min(rows, n - start) * d
                yield np.fromfile(handle, dtype=self.dtype, count=count).reshape(-1, d)

    def map_blocks(
        self, fn: Callable[..., T], *args: Any, per_block: Sequence[Any] | None = None
    ) -> Iterator[T]:
        """``fn`` on every chunk, read one after the other."""
        for i, chunk in enumerate(self.chunks(self.rows)):
            yield fn(chunk, *_with_extra(args, per_block, i))

    def sample(self, size: int, rng: np.random.RandomState) -> Array:
        """About ``size`` random rows, gathered in one chunked pass (memory stays bounded)."""
        return bernoulli_sample(self, size, rng)


def chunk_rows(source: Source, chunk_bytes: int = DEFAULT_CHUNK_BYTES, k: int = 1) -> int:
    """Rows per chunk so that the chunk and its (rows, k) work arrays fit ``chunk_bytes``."""
    d = source.shape[1]
    per_row = (d + 3 * k) * np.dtype(source.dtype).itemsize
    return max(1024, chunk_bytes // per_row)


@dataclass(frozen=True)
class _ColumnScan:
    """Column sums of some rows, their non-finite cells, and the first one (row, column)."""

    total: Array
    bad: int
    first: tuple[int, int, float] | None

    def __add__(self, other: _ColumnScan) -> _ColumnScan:
        first = self.first if self.first is not None else other.first
        return _ColumnScan(self.total + other.total, self.bad + other.bad, first)


def _scan(block: Array, start: int) -> _ColumnScan:
    bad = ~np.isfinite(block)
    count = int(bad.sum())
    if not count:
        return _ColumnScan(block.sum(axis=0, dtype=np.float64), 0, None)
    row, column = (int(i) for i in np.argwhere(bad)[0])
    return _ColumnScan(np.zeros(block.shape[1]), count, (start + row, column, block[row, column]))


def column_means(source: Source) -> Array:
    """The mean of every column; an error naming the first NaN or infinity if there is one."""
    starts = np.cumsum([0, *source.block_lengths()])[:-1].tolist()
    scan = block_total(source, _scan, per_block=starts)
    if scan.first is not None:
        row, column, value = scan.first
        sentence = (
            "Input X contains NaN."
            if np.isnan(value)
            else f"Input X contains infinity or a value too large for {source.dtype!r}."
        )
        raise SklearnWordedError(
            sentence,
            "finite numbers",
            f"{value} at X[{row}, {column}] ({scan.bad} non-finite value(s) in all)",
            "drop or impute those rows",
            say_got=True,
        )
    means: Array = scan.total / source.shape[0]
    return means
