"""The Dask fit on a real LocalCluster with worker processes equals the in-memory fit."""

import dask.array as da
import numpy as np
import pytest

from notelab.mixture import COVARIANCE_TYPES, GaussianMixture
from tests.mixture.test_model import same_start, synthetic


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_dask_equals_in_memory_from_the_same_start(dask_client, covariance_type):
    X = synthetic(4000, 3, 3)
    params = same_start(X, 3, covariance_type)
    memory = GaussianMixture(3, **params).fit(X)
    remote = GaussianMixture(3, **params).fit(da.from_array(X, chunks=(900, 3)))
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(getattr(remote, name), getattr(memory, name), rtol=1e-8)
    np.testing.assert_allclose(remote.lower_bounds_, memory.lower_bounds_, rtol=1e-10)


def test_dask_default_start_finds_the_components(dask_client):
    X = synthetic(4000, 2, 2, seed=5)
    remote = GaussianMixture(2, random_state=0).fit(da.from_array(X, chunks=(1000, 2)))
    memory = GaussianMixture(2, random_state=0).fit(X)
    assert np.sort(remote.means_[:, 0]) == pytest.approx(np.sort(memory.means_[:, 0]), abs=0.05)
