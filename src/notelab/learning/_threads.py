"""One BLAS thread for many small fits: there, extra threads only wait for each other.

On a busy machine, scikit-learn's small logistic regressions ran 100 times slower with the
default BLAS threads than with one. A limit applies only to libraries already loaded, so the
ones the methods use are imported first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the enclosed code with one BLAS/OpenMP thread in every loaded library, then restore.

    Examples
    --------
    >>> with one_blas_thread():
    ...     pass
    """
    import scipy.optimize  # noqa: F401 (loads scipy's BLAS so the limit covers it)
    import sklearn.linear_model  # noqa: F401
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield
