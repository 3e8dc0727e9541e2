"""``_hashing``'s mix and combine compiled for the numba kernels (inlined where used).

numba's stubs type a dispatcher of a generic function (``mix`` takes a hash or an array of
them) as callable with nothing, so each is given its Python signature back by a cast.
"""

from __future__ import annotations

from typing import cast

import numba as nb

from notelab.similarity import _hashing

mix = cast(_hashing.Mixer, nb.njit(inline="always")(_hashing.mix))
combine = cast(_hashing.Combiner, nb.njit(inline="always")(_hashing.combine_with(mix)))
