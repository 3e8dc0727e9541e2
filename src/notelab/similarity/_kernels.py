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
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType

# Work (bytes of text, shingles x permutations, pairs, ...) from which the compiled kernels
# win, import included: the numpy kernels do about 10 M units a second, numba costs 0.5 s to load.
COMPILED_FROM = 4_000_000
_MODES = ("auto", "numba", "numpy")


def _mode() -> str:
    mode = os.environ.get("NOTELAB_KERNELS", "auto")
    return mode if mode in _MODES else "auto"


def _numba_loaded() -> bool:
    return "numba" in sys.modules


def kernels(family: str, work: int) -> ModuleType:
    """The module with kernel family ``family`` ("text", "minhash", "band", "pair",
    "cluster") for ``work`` units of work: ``_<family>_kernels`` or ``_numpy_kernels``."""
    mode = _mode()
    compiled = mode == "numba" or (mode == "auto" and (work >= COMPILED_FROM or _numba_loaded()))
    if not compiled:
        return importlib.import_module("notelab.similarity._numpy_kernels")
    _start_threads()
    return importlib.import_module(f"notelab.similarity._{family}_kernels")


def _start_threads() -> None:
    """Start numba's threads, once, with a passive OpenMP wait policy (the variable is read
    when OpenMP loads, then put back, so other OpenMP libraries loaded later keep theirs)."""
    from numba.np.ufunc import parallel

    if parallel._is_initialized or "OMP_WAIT_POLICY" in os.environ:
        return
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        parallel._launch_threads()
    finally:
        del os.environ["OMP_WAIT_POLICY"]
