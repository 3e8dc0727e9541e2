"""One thread in the native thread pools (BLAS, OpenMP) while a block of small work runs.

On many small matrix operations extra native threads only wait for each other, or spin on a
core that other work needs. Measured here: scikit-learn's small logistic regressions ran 100
times slower on a busy machine with the default BLAS threads than with one; histogram
boosting 30 times slower with its OpenMP threads in parallel folds; and an idle OpenBLAS
thread of the GRU kernels' per-step matmuls doubled the process's CPU time.

The pools are found with threadpoolctl once, and again only after new modules were imported
(a search takes about 3 ms, too long for a hot loop). A limit covers the libraries loaded
when the block starts, so SciPy's BLAS (the one numba's ``np.dot`` and scikit-learn's Cython
code call) and, for OpenMP, scikit-learn's runtime are loaded first. Blocks nest. OpenMP
limits are per thread; OpenBLAS's is process-wide, and threadpoolctl lets only one Python
thread (the first to set one) change it, so from another thread a block leaves OpenBLAS as
it is: the work runs the same, only without the limit.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# loaded before the pools are looked for, per API: SciPy's BLAS; scikit-learn's OpenMP runtime
_PRELOAD = {"blas": ("scipy.linalg.cython_blas",), "openmp": ("sklearn.utils._openmp_helpers",)}


@functools.lru_cache(maxsize=4)
def _pools(api: str | None, modules: int) -> tuple[Any, ...]:
    """The loaded pools of ``api`` (every pool when None); ``modules`` (how many modules are
    imported) is part of the cache key, so new imports mean a new search."""
    from threadpoolctl import ThreadpoolController

    controller = ThreadpoolController()
    if api is not None:
        controller = controller.select(user_api=api)
    return tuple(controller.lib_controllers)


@contextmanager
def one_native_thread(api: str | None = None) -> Iterator[None]:
    """Run the block with one thread in every loaded pool of ``api`` ("blas" or "openmp";
    None: both), then put each pool's thread count back.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> with one_native_thread("blas"):
    ...     {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}
    {1}
    """
    for name in _PRELOAD[api] if api else _PRELOAD["blas"] + _PRELOAD["openmp"]:
        importlib.import_module(name)
    saved = [(pool, pool.num_threads) for pool in _pools(api, len(sys.modules))]
    for pool, _ in saved:
        pool.set_num_threads(1)
    try:
        yield
    finally:
        for pool, threads in saved:
            pool.set_num_threads(threads)
