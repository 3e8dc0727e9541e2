"""Starting responsibilities for each ``init_params``, as sufficient statistics, on any source.

Every start draws its randomness here, in row order, and sends the blocks only what they need
(which rows, a generator's state), so an in-memory array, a ``.npy`` file and a Dask array
given the same ``random_state`` start alike. On data of at most ``SAMPLE_ROWS`` rows the
starts are scikit-learn's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.cluster import KMeans, kmeans_plusplus

from notelab.mixture._gaussian import Array
from notelab.mixture._source import Source, block_total
from notelab.mixture._sufficient_stats import Stats, hard_stats, stats_from_resp

INIT_PARAMS = ("kmeans", "k-means++", "random", "random_from_data")
SAMPLE_ROWS = 200_000  # rows that k-means, k-means++ and random_from_data look at
_ADVANCE_ROWS = 2**16  # rows of random numbers drawn at a time to skip a block


def _labelled_stats(block: Array, shift: Array, kmeans: KMeans, covariance_type: str) -> Stats:
    centred = block - shift
    return hard_stats(centred, kmeans.predict(centred), kmeans.n_clusters, covariance_type)


def _kmeans(source: Source, shift: Array, k: int, kind: str, rng: np.random.RandomState) -> Stats:
    sample = source.sample(SAMPLE_ROWS, rng) - shift
    kmeans = KMeans(n_clusters=k, n_init=1, random_state=rng).fit(sample)
    if sample.shape[0] == source.shape[0]:  # every row: exactly scikit-learn's start
        return hard_stats(sample, kmeans.labels_, k, kind)
    return block_total(source, _labelled_stats, shift, kmeans, kind)


def _random_block(block: Array, shift: Array, k: int, kind: str, state: Any) -> Stats:
    rng = np.random.RandomState(0)
    rng.set_state(state)
    resp = rng.uniform(size=(len(block), k)).astype(block.dtype)
    resp /= resp.sum(axis=1)[:, np.newaxis]
    return stats_from_resp(block - shift, resp, kind)


def _block_states(lengths: list[int], k: int, rng: np.random.RandomState) -> list[Any]:
    """The generator's state at the start of each block, advancing it past the block's
    ``(rows, k)`` uniform numbers: the numbers scikit-learn draws for the whole array."""
    states = []
    for length in lengths:
        states.append(rng.get_state())
        for start in range(0, length, _ADVANCE_ROWS):
            rng.uniform(size=(min(_ADVANCE_ROWS, length - start), k))
    return states


def _random(source: Source, shift: Array, k: int, kind: str, rng: np.random.RandomState) -> Stats:
    states = _block_states(source.block_lengths(), k, rng)
    return block_total(source, _random_block, shift, k, kind, per_block=states)


def _points(points: Array, kind: str) -> Stats:
    """One-hot responsibilities on k chosen rows only (scikit-learn's k-means++ and
    random_from_data starts): the other rows carry no weight."""
    return stats_from_resp(points, np.eye(len(points), dtype=points.dtype), kind)


def _kmeans_plusplus(
    source: Source, shift: Array, k: int, kind: str, rng: np.random.RandomState
) -> Stats:
    sample = source.sample(SAMPLE_ROWS, rng) - shift
    _, indices = kmeans_plusplus(sample, k, random_state=rng)
    return _points(sample[indices], kind)


def _random_from_data(
    source: Source, shift: Array, k: int, kind: str, rng: np.random.RandomState
) -> Stats:
    sample = source.sample(SAMPLE_ROWS, rng) - shift
    return _points(sample[rng.choice(sample.shape[0], size=k, replace=False)], kind)


STARTS: dict[str, Callable[[Source, Array, int, str, np.random.RandomState], Stats]] = {
    "kmeans": _kmeans,
    "k-means++": _kmeans_plusplus,
    "random": _random,
    "random_from_data": _random_from_data,
}


def initial_stats(
    init_params: str,
    source: Source,
    shift: Array,
    k: int,
    covariance_type: str,
    rng: np.random.RandomState,
) -> Stats:
    """The statistics of the starting responsibilities that ``init_params`` chooses."""
    return STARTS[init_params](source, shift, k, covariance_type, rng)
