"""Compiled connected components: union-find over the similar pairs."""

from __future__ import annotations

import numba as nb
import numpy as np

from notelab.similarity._arrays import Index, Ints


@nb.njit(inline="always")
def _root(parent: Ints, x: Index) -> Index:  # pragma: no cover - compiled
    while parent[x] != x:
        parent[x] = parent[parent[x]]  # path halving
        x = parent[x]
    return x


@nb.njit(cache=True, nogil=True)
def smallest_member(n_nodes: int, a: Ints, b: Ints) -> Ints:  # pragma: no cover - compiled
    """For every node 0..n-1, the smallest node of its component (edges a[i]-b[i])."""
    parent = np.arange(n_nodes)
    for i in range(a.shape[0]):
        x, y = _root(parent, a[i]), _root(parent, b[i])
        if x < y:
            parent[y] = x
        elif y < x:
            parent[x] = y
    for x in range(n_nodes):
        parent[x] = _root(parent, x)
    return parent
