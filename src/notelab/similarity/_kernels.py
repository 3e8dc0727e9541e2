"""Which kernels run a piece of work: numba's for large work, numpy's for small.

Importing numba and loading its cached kernels costs about 0.5 CPU-seconds, more than a
small input's whole run; :mod:`._numpy_kernels` computes the same results without it. A
piece of work runs compiled when it is large enough to repay that cost, or when numba is
loaded already (the cost is paid). The results are the same either way (tested), so the
choice changes only the time. ``NOTELAB_KERNELS=numba`` or ``numpy`` forces one set.

numba's OpenMP threads are started with ``OMP_WAIT_POLICY=PASSIVE`` (unless the user set a
policy): between parallel loops they sleep instead of spinning. On a busy machine spinning
threads burned 35-70% more CPU in shingling (a thread preempted, its partner spinning at
the barrier) and ran slower; on an idle one the difference is within noise.

Loading a cached kernel makes numba import its numpy implementations, whose module asks
whether scipy's BLAS is there (for ``np.convolve`` and ``np.correlate`` of floats only) by
importing ``scipy.linalg``: 0.15-0.23 CPU-seconds, 7% of a 160 MB deduplication, for
functions no kernel here calls. That one question is answered "no" (see
:func:`_load_numba`) when scipy.linalg is not loaded already.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Literal, Protocol, cast, overload

from notelab._util.forking import numba_threads_unsafe
from notelab.similarity._arrays import Bytes, Codes, Flags, Floats, Hashes, Ints

# Work (bytes of text, shingles x permutations, pairs, ...) from which the compiled kernels
# win, import included: the numpy kernels do about 10 M units a second, numba costs 0.5 s to load.
COMPILED_FROM = 4_000_000
_MODES = ("auto", "numba", "numpy")


def _mode() -> str:
    mode = os.environ.get("NOTELAB_KERNELS", "auto")
    return mode if mode in _MODES else "auto"


def _numba_loaded() -> bool:
    return "numba" in sys.modules


# (data, offsets, ngram, word_mode, is_word, is_space, lower, scratch, spare, tally, runs,
#  out, filled, reserve) -> (out, offsets)
ShingleSets = Callable[
    [Bytes, Ints, int, bool, Flags, Flags, Codes, Hashes, Hashes, Ints, int, Hashes, int, int],
    tuple[Hashes, Ints],
]


class TextKernels(Protocol):
    """What ``_text_kernels`` (and ``_numpy_kernels``) offer: shingling."""

    shingle_sets: ShingleSets

    def threads(self) -> int: ...


class MinhashKernels(Protocol):
    """What ``_minhash_kernels`` offers: signatures of shingle sets (values, offsets, a, b)."""

    minhash_signatures: Callable[[Hashes, Ints, Hashes, Hashes], Codes]


class BandKernels(Protocol):
    """What ``_band_kernels`` offers: band keys (signatures, bands, rows, nonempty) and the
    pairs sharing one (keys, docs)."""

    band_keys: Callable[[Codes, int, int, Flags], Hashes]
    bucket_pairs: Callable[[Hashes, Ints], Ints]
    banded_pairs: Callable[[Hashes, Ints], Ints]


class PairKernels(Protocol):
    """What ``_pair_kernels`` offers: the similarity of pairs, exact (values, offsets of A,
    then of B, pairs) or estimated (signatures of A, of B, pairs)."""

    cross_jaccard: Callable[[Hashes, Ints, Hashes, Ints, Ints], Floats]
    cross_agreement: Callable[[Codes, Codes, Ints], Floats]


class ClusterKernels(Protocol):
    """What ``_cluster_kernels`` offers: connected components (n_nodes, a, b)."""

    smallest_member: Callable[[int, Ints, Ints], Ints]


@overload
def kernels(family: Literal["text"], work: int) -> TextKernels: ...
@overload
def kernels(family: Literal["minhash"], work: int) -> MinhashKernels: ...
@overload
def kernels(family: Literal["band"], work: int) -> BandKernels: ...
@overload
def kernels(family: Literal["pair"], work: int) -> PairKernels: ...
@overload
def kernels(family: Literal["cluster"], work: int) -> ClusterKernels: ...
def kernels(
    family: str, work: int
) -> TextKernels | MinhashKernels | BandKernels | PairKernels | ClusterKernels:
    """The module with kernel family ``family`` ("text", "minhash", "band", "pair",
    "cluster") for ``work`` units of work: ``_<family>_kernels`` or ``_numpy_kernels``
    (imported by name, so typed by the family's protocol above; both modules fit it)."""
    mode = _mode()
    compiled = mode == "numba" or (mode == "auto" and (work >= COMPILED_FROM or _numba_loaded()))
    if not compiled or numba_threads_unsafe():  # a forked child: NumPy, the same results
        module = importlib.import_module("notelab.similarity._numpy_kernels")
    else:
        _load_numba()
        _start_threads()
        module = importlib.import_module(f"notelab.similarity._{family}_kernels")
    return cast(TextKernels | MinhashKernels | BandKernels | PairKernels | ClusterKernels, module)


def _load_numba() -> None:
    """Import numba's numpy implementations with scipy's BLAS reported missing, unless
    scipy.linalg is loaded already (then the question costs nothing) or they are imported.

    It changes only how numba compiles ``np.convolve``/``np.correlate`` of floats (a loop
    instead of BLAS's dot): none of the kernels calls them; everything else BLAS backs in
    numba (``np.dot``, ``np.linalg``) imports scipy itself when compiled.
    """
    blocked = "scipy.linalg.cython_blas"
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    sys.modules[blocked] = None  # type: ignore[assignment]  # "import" raises ImportError
    try:
        importlib.import_module("numba.np.arraymath")
    finally:
        del sys.modules[blocked]


def _start_threads() -> None:
    """Start numba's threads, once, with a passive OpenMP wait policy (the variable is read
    when OpenMP loads, then put back, so other OpenMP libraries loaded later keep theirs)."""
    from numba.np.ufunc import parallel

    if parallel._is_initialized or "OMP_WAIT_POLICY" in os.environ:
        return
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        parallel._launch_threads()  # type: ignore[no-untyped-call]  # numba: private, unstubbed
    finally:
        del os.environ["OMP_WAIT_POLICY"]
