"""One native thread per pool while a block runs, read back through threadpoolctl."""

import importlib
import sys
import threading

import pytest
from threadpoolctl import threadpool_info

from notelab._util import threads
from notelab._util.threads import one_native_thread


def _counts(api: str) -> dict[str, int]:
    return {p["filepath"]: p["num_threads"] for p in threadpool_info() if p["user_api"] == api}


@pytest.fixture(autouse=True)
def two_threads_each():
    """Every pool at two threads, whatever the suite set before (restored after)."""
    import scipy.linalg.cython_blas  # noqa: F401
    import sklearn.utils._openmp_helpers  # noqa: F401
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=2):
        yield


@pytest.mark.parametrize(("api", "other"), [("blas", "openmp"), ("openmp", "blas")])
def test_one_thread_in_that_api_only_and_back_after(api, other):
    before, untouched = _counts(api), _counts(other)
    assert before and set(before.values()) == {2}
    with one_native_thread(api):
        assert set(_counts(api).values()) == {1}
        assert _counts(other) == untouched
    assert _counts(api) == before


def test_no_api_means_every_pool():
    before = {**_counts("blas"), **_counts("openmp")}
    with one_native_thread():
        assert set(_counts("blas").values()) == set(_counts("openmp").values()) == {1}
    assert {**_counts("blas"), **_counts("openmp")} == before


def test_nested_blocks_restore_only_when_the_outer_one_ends():
    before = _counts("blas")
    with one_native_thread("blas"):
        with one_native_thread("blas"):
            pass
        assert set(_counts("blas").values()) == {1}
    assert _counts("blas") == before


def test_restored_after_an_exception():
    before = _counts("blas")
    with pytest.raises(RuntimeError), one_native_thread("blas"):
        raise RuntimeError("a kernel failed")
    assert _counts("blas") == before


def test_a_thread_that_does_not_control_openblas_leaves_it_as_it_is():
    """threadpoolctl lets one Python thread (here the main one, which set the fixture's
    limit) change OpenBLAS's process-wide count; a block in another thread changes nothing,
    and after it the count is still the main thread's."""
    before = _counts("blas")
    seen = {}

    def other():
        with one_native_thread("blas"):
            seen["inside"] = _counts("blas")

    worker = threading.Thread(target=other)
    worker.start()
    worker.join(10)
    assert seen["inside"] == before
    assert _counts("blas") == before


def test_pools_are_looked_for_again_after_new_imports():
    with one_native_thread("blas"):
        pass
    searches = threads._pools.cache_info().misses
    with one_native_thread("blas"):
        pass
    assert threads._pools.cache_info().misses == searches  # nothing new: no search
    fresh = ("xml.dom.pulldom", "wsgiref.validate", "tabnanny")
    name = next(m for m in fresh if m not in sys.modules)
    importlib.import_module(name)
    with one_native_thread("blas"):
        pass
    assert threads._pools.cache_info().misses == searches + 1
