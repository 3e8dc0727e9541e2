"""The Dask engine on a real LocalCluster with worker processes gives the local result."""

import functools

import numpy as np
import pytest

from notelab.similarity import Deduplicator
from notelab.similarity.dask_engine import dask_dedup


def _part(texts, lo, hi):
    return texts[lo:hi]


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.mark.parametrize(("verify", "keep"), [("exact", "first"), ("signature", "longest")])
def test_same_pairs_and_clusters_as_local(client, corpus, verify, keep):
    dedup = Deduplicator(threshold=0.7, verify=verify, keep=keep)
    local = dedup.run(corpus)
    readers = [functools.partial(_part, corpus, lo, lo + 37) for lo in range(0, len(corpus), 37)]
    remote = dask_dedup(readers, dedup, client)
    assert np.array_equal(local.pairs, remote.pairs)
    assert np.allclose(local.jaccard, remote.jaccard)
    assert np.array_equal(local.kept_as, remote.kept_as)
    assert remote.stats.shingles == local.stats.shingles
    assert remote.stats.candidate_pairs == local.stats.candidate_pairs
