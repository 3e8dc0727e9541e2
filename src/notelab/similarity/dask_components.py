"""Connected components on a Dask cluster, by a tree of union-finds.

The verified pairs are split into blocks; a task takes each block's components (every node
mapped to the smallest node of its component within the block); tasks then merge results
two by two, treating each ``node -> root`` as an edge, until one mapping is left. A node's
final root is the smallest document of its component: the ``first`` rule's choice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from notelab.similarity.clusters import components, representatives

Mapping = tuple[np.ndarray, np.ndarray]  # (nodes, roots)


def _block_components(a: np.ndarray, b: np.ndarray) -> Mapping:
    """Every node of the edges (a[i], b[i]) and the smallest node of its component."""
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    nodes = nodes.astype(np.int64)
    k = len(a)
    label = components(len(nodes), np.column_stack([inverse[:k], inverse[k:]]))
    return nodes, nodes[label]  # nodes ascend, so the smallest index is the smallest node


def _merge_mappings(left: Mapping, right: Mapping) -> Mapping:
    """Two blocks' mappings as one: each ``node -> root`` is an edge of the union."""
    return _block_components(
        np.concatenate([left[0], right[0]]), np.concatenate([left[1], right[1]])
    )


def _tree_components(pairs: np.ndarray, client: Any, blocks: int) -> Mapping:
    """The (nodes, roots) mapping of all pairs, computed as a reduction tree on the cluster."""
    from dask import delayed

    parts = [
        delayed(_block_components)(p[:, 0], p[:, 1])
        for p in np.array_split(pairs, max(1, min(blocks, len(pairs))))
    ]
    while len(parts) > 1:
        parts = [
            delayed(_merge_mappings)(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i]
            for i in range(0, len(parts), 2)
        ]
    mapping: Mapping = client.compute(parts[0], sync=True)
    return mapping


def _kept_on_cluster(
    pairs: np.ndarray, lengths: np.ndarray, keep: str, client: Any, blocks: int
) -> tuple[np.ndarray, np.ndarray]:
    """Component labels and the kept document of every document (before empties are marked)."""
    labels = np.arange(len(lengths), dtype=np.int64)
    if len(pairs):
        nodes, roots = _tree_components(pairs, client, blocks)
        labels[nodes] = roots
    if keep == "first":
        return labels, labels.copy()
    return labels, representatives(labels, lengths, keep)
