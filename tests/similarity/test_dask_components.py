import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from notelab.similarity.clusters import components, representatives
from notelab.similarity.dask_components import _kept_on_cluster


class SyncClient:
    """Runs the reduction tree in this process (the real cluster is tested in test_dask_engine)."""

    def compute(self, graph, sync=True):
        return graph.compute(scheduler="sync")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39)), max_size=60),
    st.integers(1, 7),
    st.sampled_from(["first", "longest"]),
)
def test_tree_of_union_finds_equals_scipy(edges, blocks, keep):
    n = 40
    pairs = np.array(
        sorted({(min(a, b), max(a, b)) for a, b in edges if a != b}), dtype=np.int64
    ).reshape(-1, 2)
    lengths = (np.arange(n) * 7919) % 13
    labels, kept = _kept_on_cluster(pairs, lengths, keep, SyncClient(), blocks)
    expected = representatives(components(n, pairs), lengths, keep)
    assert np.array_equal(kept, expected)
    assert len(np.unique(labels)) == len(np.unique(components(n, pairs)))


def test_real_cluster_components(dask_client):
    pairs = np.array([(i, i + 1) for i in range(300)] + [(500, 501)], dtype=np.int64)
    _, kept = _kept_on_cluster(pairs, np.ones(600, np.int64), "first", dask_client, 8)
    assert np.all(kept[:301] == 0) and kept[501] == 500 and kept[599] == 599
