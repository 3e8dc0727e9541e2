"""The Dask fit on a real LocalCluster with worker processes equals the in-memory fit, for every
``init_params`` (issue 12: the Dask path used to ignore it), and a ``.npy`` file is read by the
workers, not through the client."""

import pickle

import dask.array as da
import numpy as np
import pytest

from notelab.mixture import COVARIANCE_TYPES, GaussianMixture, NpyFileSource
from notelab.mixture._dask_source import npy_dask_array
from notelab.mixture._starts import INIT_PARAMS
from tests.mixture.conftest import sklearn_start, synthetic

FITTED = ("weights_", "means_", "covariances_", "precisions_cholesky_")


def _assert_same_fit(remote, memory, rtol=1e-8):
    for name in FITTED:
        np.testing.assert_allclose(getattr(remote, name), getattr(memory, name), rtol=rtol)
    np.testing.assert_allclose(remote.lower_bounds_, memory.lower_bounds_, rtol=1e-10)
    assert remote.n_iter_ == memory.n_iter_


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_dask_equals_in_memory_from_the_same_start(dask_client, covariance_type):
    X = synthetic(4000, 3, 3)
    params = sklearn_start(X, 3, covariance_type, max_iter=8, tol=0.0)
    memory = GaussianMixture(3, **params).fit(X)
    remote = GaussianMixture(3, **params).fit(da.from_array(X, chunks=(900, 3)))
    _assert_same_fit(remote, memory)


@pytest.mark.parametrize("init_params", INIT_PARAMS)
def test_every_init_params_on_dask_equals_in_memory(dask_client, init_params):
    X = synthetic(1500, 2, 3, seed=5, spread=2.0)
    params = dict(init_params=init_params, random_state=3, max_iter=4, tol=0.0)
    memory = GaussianMixture(3, **params).fit(X)  # four iterations from the start: it must match
    remote = GaussianMixture(3, **params).fit(da.from_array(X, chunks=(600, 2)))
    _assert_same_fit(remote, memory, rtol=1e-7)


def test_dask_starts_differ_by_init_params(dask_client):
    X = da.from_array(synthetic(1500, 2, 3, seed=5, spread=2.0), chunks=(600, 2))
    starts = {
        init: GaussianMixture(3, init_params=init, random_state=3, max_iter=0).fit(X).means_
        for init in INIT_PARAMS
    }
    assert not np.allclose(starts["random"], starts["kmeans"], atol=1e-3)


def test_a_npy_file_is_read_by_the_workers(dask_client, tmp_path):
    X = synthetic(8000, 4, 2)
    np.save(tmp_path / "x.npy", X)
    array = npy_dask_array(NpyFileSource(tmp_path / "x.npy"), 2000)
    graph = pickle.dumps(dict(array.__dask_graph__()))
    assert len(graph) < X.nbytes / 20  # the graph holds the path and offsets, not the rows
    remote = GaussianMixture(2, random_state=0).fit(array)
    _assert_same_fit(remote, GaussianMixture(2, random_state=0).fit(X))
    assert remote.score(array) == pytest.approx(remote.score(X), rel=1e-12)
