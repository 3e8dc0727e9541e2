"""Where rows come from: an in-memory array, or a .npy file read in chunks (bounded memory)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from notelab._util import InputError

DEFAULT_CHUNK_BYTES = 32 * 2**20


class ArraySource:
    """Rows of an in-memory (n, d) array."""

    def __init__(self, X: np.ndarray):
        self.X = X
        self.shape, self.dtype = X.shape, X.dtype

    def chunks(self, rows: int) -> Iterator[np.ndarray]:
        for start in range(0, self.shape[0], rows):
            yield self.X[start : start + rows]

    def sample(self, size: int, rng: np.random.RandomState) -> np.ndarray:
        if size >= self.shape[0]:
            return self.X
        return self.X[np.sort(rng.choice(self.shape[0], size, replace=False))]


class NpyFileSource:
    """Rows of a 2-D C-ordered ``.npy`` file, read chunk by chunk with plain file reads, so the
    process never holds more than a chunk (memory maps would count the file's pages)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        with open(self.path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read_header(handle)
            self.offset = handle.tell()
        if len(shape) == 1:
            shape = (shape[0], 1)
        if len(shape) != 2 or fortran or dtype.kind != "f":
            raise InputError(
                "a 2-D C-ordered float .npy file",
                f"shape {shape}, dtype {dtype}, fortran order {fortran}",
                "save it with np.save(path, X)",
            )
        self.shape, self.dtype = shape, dtype

    def chunks(self, rows: int) -> Iterator[np.ndarray]:
        n, d = self.shape
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            for start in range(0, n, rows):
                count = min(rows, n - start) * d
                yield np.fromfile(handle, dtype=self.dtype, count=count).reshape(-1, d)

    def sample(self, size: int, rng: np.random.RandomState) -> np.ndarray:
        """About ``size`` random rows, gathered in one chunked pass (memory stays bounded)."""
        share = min(1.0, size / self.shape[0])
        rows = chunk_rows(self)
        return np.concatenate([c[rng.random_sample(len(c)) < share] for c in self.chunks(rows)])


def chunk_rows(source, chunk_bytes: int = DEFAULT_CHUNK_BYTES, k: int = 1) -> int:
    """Rows per chunk so that the chunk and its (rows, k) work arrays fit ``chunk_bytes``."""
    d = source.shape[1]
    per_row = (d + 3 * k) * np.dtype(source.dtype).itemsize
    return max(1024, chunk_bytes // per_row)
