"""A .npy file read in chunks fits as the array in memory does: every ``init_params``, any chunk
size; and the ``Source`` pieces (blocks, sums, samples) agree whatever the blocking."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notelab._util import InputError
from notelab.mixture import GaussianMixture, NpyFileSource
from notelab.mixture._source import ArraySource, bernoulli_sample, block_total
from notelab.mixture._starts import INIT_PARAMS
from tests.mixture.conftest import same_start, synthetic


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_npy_file_in_small_chunks_equals_in_memory(tmp_path, covariance_type):
    X = synthetic(5000, 3, 3)
    path = tmp_path / "x.npy"
    np.save(path, X)
    params = same_start(X, 3, covariance_type)
    memory = GaussianMixture(3, **params).fit(X)
    chunked = GaussianMixture(3, chunk_bytes=4096, **params).fit(NpyFileSource(path))
    mapped = GaussianMixture(3, **params).fit(np.load(path, mmap_mode="r"))
    np.testing.assert_allclose(chunked.means_, memory.means_, rtol=1e-9)
    np.testing.assert_allclose(chunked.lower_bounds_, memory.lower_bounds_, rtol=1e-10)
    np.testing.assert_allclose(mapped.means_, memory.means_, rtol=1e-9)


@pytest.mark.parametrize("init_params", INIT_PARAMS)
def test_every_init_params_on_a_npy_file_equals_in_memory(tmp_path, init_params):
    X = synthetic(3000, 2, 3, seed=5, spread=2.0)
    np.save(tmp_path / "x.npy", X)
    params = dict(init_params=init_params, random_state=3, n_init=2, max_iter=5, tol=0.0)
    memory = GaussianMixture(3, **params).fit(X)
    chunked = GaussianMixture(3, chunk_bytes=8192, **params).fit(NpyFileSource(tmp_path / "x.npy"))
    np.testing.assert_allclose(chunked.means_, memory.means_, rtol=1e-8)
    np.testing.assert_allclose(
        chunked.lower_bounds_, memory.lower_bounds_, rtol=1e-8
    )  # blocks sum in another order


def test_score_bic_aic_of_a_npy_file_equal_in_memory(tmp_path):
    X = synthetic(3000, 2, 2)
    np.save(tmp_path / "x.npy", X)
    model = GaussianMixture(2, random_state=0).fit(X)
    source = NpyFileSource(tmp_path / "x.npy").blocked(700)
    for name in ("score", "bic", "aic"):
        assert getattr(model, name)(source) == pytest.approx(getattr(model, name)(X), rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 400),
    rows=st.integers(1, 120),
    size=st.integers(1, 500),
    seed=st.integers(0, 2**31 - 1),
)
def test_sums_and_samples_do_not_depend_on_blocks(n, rows, size, seed):
    X = np.random.default_rng(seed).normal(size=(n, 2))
    one, many = ArraySource(X), ArraySource(X).blocked(rows)
    assert sum(many.block_lengths()) == n
    # blocks change the order of the additions: the error bound is n eps sum|x|, not relative
    # to a sum that may cancel (seed 5385: 8.5e-4 from terms near 1, off by 4e-12 relative)
    bound = n * np.finfo(np.float64).eps * float(np.abs(X).sum(axis=0).max())
    np.testing.assert_allclose(block_total(many, np.sum, 0), X.sum(axis=0), rtol=0, atol=bound)
    a = bernoulli_sample(one, size, np.random.RandomState(seed))
    b = bernoulli_sample(many, size, np.random.RandomState(seed))
    np.testing.assert_array_equal(a, b)
    assert (len(a) == n) if size >= n else (len(a) <= n)


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: np.save(p, np.ones((4, 2), dtype=np.int64)), r"float \.npy"),
        (lambda p: np.save(p, np.array([[1, "a"]], dtype=object)), "Python objects"),
        (lambda p: p.write_bytes(b"garbage"), r"a \.npy file"),
        (
            lambda p: (np.save(p, np.ones((100, 2))), p.write_bytes(p.read_bytes()[:300])),
            "truncated",
        ),
    ],
)
def test_npy_source_rejects_what_it_cannot_read(tmp_path, write, message):
    path = tmp_path / "x.npy"
    write(path)
    with pytest.raises(InputError, match=message):
        NpyFileSource(path)
