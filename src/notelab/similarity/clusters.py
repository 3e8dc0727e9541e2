"""Clusters of similar documents: connected components, and which document each keeps."""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from notelab._util import InputError

KEEP_RULES = ("first", "longest")


def components(n_docs: int, pairs: np.ndarray) -> np.ndarray:
    """Component label of every document, given similar pairs (union-find by graph search)."""
    if n_docs == 0:
        return np.empty(0, np.int64)
    graph = coo_matrix(
        (np.ones(len(pairs), np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n_docs, n_docs)
    )
    return connected_components(graph, directed=False)[1].astype(np.int64)


def representatives(labels: np.ndarray, lengths: np.ndarray, keep: str = "first") -> np.ndarray:
    """For every document, the index of the document its cluster keeps.

    ``first`` keeps the lowest index; ``longest`` the longest text (lowest index on a tie).

    Examples
    --------
    >>> representatives(np.array([0, 1, 0]), np.array([5, 9, 8]), "longest").tolist()
    [2, 1, 2]
    """
    if keep not in KEEP_RULES:
        raise InputError(f"keep from {', '.join(KEEP_RULES)}", repr(keep))
    n = len(labels)
    index = np.arange(n)
    score = -lengths.astype(np.int64) if keep == "longest" else np.zeros(n, np.int64)
    order = np.lexsort((index, score, labels))  # by label, then score, then index
    first_of_label = np.ones(n, bool)
    first_of_label[1:] = labels[order][1:] != labels[order][:-1]
    chosen = np.empty(labels.max() + 1 if n else 0, np.int64)
    chosen[labels[order][first_of_label]] = order[first_of_label]
    return chosen[labels]
