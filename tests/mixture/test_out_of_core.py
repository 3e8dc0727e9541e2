import numpy as np
import pytest

from notelab.mixture import GaussianMixture, NpyFileSource
from tests.mixture.test_model import same_start, synthetic


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


def test_npy_source_rejects_non_float(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.ones((4, 2), dtype=np.int64))
    from notelab._util import InputError

    with pytest.raises(InputError, match=r"float \.npy"):
        NpyFileSource(path)
