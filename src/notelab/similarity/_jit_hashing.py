"""``_hashing``'s mix and combine compiled for the numba kernels (inlined where used)."""

from __future__ import annotations

import numba as nb

from notelab.similarity import _hashing

mix = nb.njit(inline="always")(_hashing.mix)
combine = nb.njit(inline="always")(_hashing.combine_with(mix))
