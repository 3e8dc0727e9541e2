"""The 64-bit mixing every hash in ``similarity`` is built from (inlined into the kernels)."""

from __future__ import annotations

import numba as nb
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)


@nb.njit(inline="always")
def mix(x):  # pragma: no cover - compiled
    """splitmix64 finaliser: a bijection of uint64 with full avalanche."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


@nb.njit(inline="always")
def combine(h, value):  # pragma: no cover - compiled
    """Fold ``value`` into the running hash ``h``."""
    return mix(h * GOLDEN + value + np.uint64(1))
