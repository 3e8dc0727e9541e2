"""The 64-bit mixing every hash in ``similarity`` is built from: one definition, two uses.

``mix`` and ``combine`` are plain numpy code: called on ``uint64`` arrays they are the numpy
kernels' vectorised hashing, and ``_jit_hashing`` compiles the same functions for the
numba kernels (inlined), so both kernel sets hash with the same source. No numba here.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import numpy as np

from notelab.similarity._arrays import Hashes

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)
EMPTY_SALT = np.uint64(0xA5A5A5A5A5A5A5A5)  # band keys of empty documents: index ^ salt
ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)

# one hash (in the compiled kernels) or an array of them (in the numpy kernels)
H = TypeVar("H", np.uint64, Hashes)


class Mixer(Protocol):
    """``mix``'s signature: a hash, or an array of them, mixed."""

    def __call__(self, x: H, /) -> H: ...


class Combiner(Protocol):
    """``combine``'s signature: ``value`` folded into the running hash ``h``."""

    def __call__(self, h: H, value: H, /) -> H: ...


def mix(x: H) -> H:
    """splitmix64 finaliser: a bijection of uint64 with full avalanche."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def combine_with(mixer: Mixer) -> Combiner:
    """``combine(h, value)``: fold ``value`` into the running hash ``h`` with ``mixer``."""

    def combine(h: H, value: H) -> H:
        return mixer(h * GOLDEN + value + np.uint64(1))

    return combine


combine = combine_with(mix)
