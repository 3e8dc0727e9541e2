"""Whether numba's parallel threads may run here.

Numba's threads are GNU OpenMP's (its default threading layer on Linux), which aborts a forked
child at its first parallel kernel once the parent's threads have started ("fork() called from
a process already using GNU OpenMP, this is unsafe"). A DataLoader worker or a
``multiprocessing`` fork pool started after a kernel ran is such a child: the kernels ask
:func:`numba_threads_unsafe` and run serially, or as NumPy, there.
"""

from __future__ import annotations

import os
import sys

_unsafe = False


def _threads_started() -> bool:
    """Whether numba's parallel threads have started in this process."""
    parallel = sys.modules.get("numba.np.ufunc.parallel")
    return bool(getattr(parallel, "_is_initialized", False))


def _after_fork() -> None:
    global _unsafe
    _unsafe = _unsafe or _threads_started()


os.register_at_fork(after_in_child=_after_fork)


def numba_threads_unsafe() -> bool:
    """True in a forked child of a process whose numba threads had started.

    Examples
    --------
    >>> numba_threads_unsafe()
    False
    """
    return _unsafe
