"""The Dask engine on a real LocalCluster with worker processes gives the local result."""

import functools

import numpy as np
import pytest

from notelab.similarity import Deduplicator
from notelab.similarity.dask_engine import dask_dedup


def _part(texts, lo, hi):
    return texts[lo:hi]


@pytest.mark.parametrize(("verify", "keep"), [("exact", "first"), ("signature", "longest")])
def test_same_pairs_and_clusters_as_local(dask_client, corpus, verify, keep):
    dedup = Deduplicator(threshold=0.7, verify=verify, keep=keep)
    local = dedup.run(corpus)
    readers = [functools.partial(_part, corpus, lo, lo + 37) for lo in range(0, len(corpus), 37)]
    remote = dask_dedup(readers, dedup, dask_client)
    assert np.array_equal(local.pairs, remote.pairs)
    assert np.allclose(local.jaccard, remote.jaccard)
    assert np.array_equal(local.kept_as, remote.kept_as)
    assert remote.stats.shingles == local.stats.shingles
    assert remote.stats.candidate_pairs == local.stats.candidate_pairs
