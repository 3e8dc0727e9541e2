"""A Dask array as a ``Source``: each block's work runs on the workers, sums on the client.

The data stay where the array's blocks are made: a ``.npy`` file is opened with
:func:`npy_dask_array`, whose blocks are read by the workers themselves.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from notelab._util import InputError
from notelab.mixture._source import Array, NpyFileSource, bernoulli_sample

T = TypeVar("T")


def dask_module(name: str) -> Any:
    """``dask`` or ``dask.array``, imported when first needed (an optional extra, untyped)."""
    return importlib.import_module(name)


def _rows_only(X: Any) -> Any:
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise InputError(
            "a 2-D Dask array (n_samples, n_features)",
            f"{X.ndim}-D",
            "reshape it to (n_samples, n_features)",
        )
    X = X.rechunk({1: -1})
    if any(np.isnan(c) for c in X.chunks[0]):
        X = X.compute_chunk_sizes()
    return X.astype(np.result_type(X.dtype, np.float32))


class DaskSource:
    """Rows of a Dask array; a block is one of its chunks of rows.

    Parameters
    ----------
    array : dask.array.Array
        (n, d) numbers, or a 1-D vector (one feature).
    """

    def __init__(self, array: Any) -> None:
        self.array = _rows_only(array)
        self.blocks = self.array.to_delayed().ravel().tolist()

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return int(self.array.shape[0]), int(self.array.shape[1])

    @property
    def dtype(self) -> np.dtype[Any]:
        """The rows' float type."""
        dtype: np.dtype[Any] = np.dtype(self.array.dtype)
        return dtype

    def blocked(self, rows: int) -> DaskSource:
        """The array's own blocks: their size is the user's choice."""
        return self

    def block_lengths(self) -> list[int]:
        """Rows in each block."""
        return [int(c) for c in self.array.chunks[0]]

    def map_blocks(
        self, fn: Callable[..., T], *args: Any, per_block: Sequence[Any] | None = None
    ) -> list[T]:
        """``fn`` on every block, on the workers, in one computation."""
        dask = dask_module("dask")
        task = dask.delayed(fn)
        extras = [()] * len(self.blocks) if per_block is None else [(e,) for e in per_block]
        results: tuple[T, ...] = dask.compute(
            *[task(b, *args, *e) for b, e in zip(self.blocks, extras, strict=True)]
        )
        return list(results)

    def sample(self, size: int, rng: np.random.RandomState) -> Array:
        """About ``size`` random rows: which ones is drawn here, in row order, as a ``.npy``
        file draws them; the rows come from the workers."""
        return bernoulli_sample(self, size, rng)


def _read_rows(source: NpyFileSource, start: int, count: int) -> Array:
    d = source.shape[1]
    with open(source.path, "rb") as handle:
        handle.seek(source.offset + start * d * source.dtype.itemsize)
        return np.fromfile(handle, dtype=source.dtype, count=count * d).reshape(count, d)


def npy_dask_array(source: NpyFileSource, rows: int) -> Any:
    """A Dask array over a ``.npy`` file whose blocks of ``rows`` rows the workers read.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.npy"
    >>> np.save(path, np.arange(10.0).reshape(5, 2))
    >>> npy_dask_array(NpyFileSource(path), 2).chunks
    ((2, 2, 1), (2,))
    """
    dask, da = dask_module("dask"), dask_module("dask.array")
    n, d = source.shape
    read = dask.delayed(_read_rows)
    parts = [
        da.from_delayed(
            read(source, start, min(rows, n - start)), (min(rows, n - start), d), dtype=source.dtype
        )
        for start in range(0, n, rows)
    ]
    return da.concatenate(parts, axis=0)
