"""The array types the similarity kernels pass: one name per dtype, for type hints only."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Bytes = npt.NDArray[np.uint8]  # UTF-8 of documents, one flat array
Codes = npt.NDArray[np.uint32]  # code points, or MinHash signatures (32-bit values)
Hashes = npt.NDArray[np.uint64]  # shingle hashes, band keys, hash parameters
Ints = npt.NDArray[np.int64]  # offsets, sizes, document numbers, pairs, labels
Floats = npt.NDArray[np.float64]  # similarities
Flags = npt.NDArray[np.bool_]  # masks and look-up tables (is_word, is_space, nonempty)
# a position or count inside a kernel: a Python int, or a numpy one read from an array
Index = int | np.int64
