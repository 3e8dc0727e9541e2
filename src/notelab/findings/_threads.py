"""One thread for the small problems of a finding: on them, thread start-up is all the cost."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any


@contextmanager
def _limited(module: Any) -> Iterator[None]:
    before = module.get_num_threads()
    module.set_num_threads(1)
    try:
        yield
    finally:
        module.set_num_threads(before)


@contextmanager
def one_thread() -> Iterator[None]:
    """Run numba's and torch's kernels (whichever is imported) on one thread, then restore.

    Examples
    --------
    >>> import numba
    >>> with one_thread():
    ...     numba.get_num_threads()
    1
    """
    with ExitStack() as stack:
        for name in ("numba", "torch"):
            if name in sys.modules:
                stack.enter_context(_limited(sys.modules[name]))
        yield
