"""Clusters of similar documents: connected components, and which document each keeps."""

from __future__ import annotations

import numpy as np

from notelab._util import InputError
from notelab.similarity._arrays import Ints
from notelab.similarity._interrupt import deferred
from notelab.similarity._kernels import kernels

KEEP_RULES = ("first", "longest")


def components(n_docs: int, pairs: np.ndarray) -> np.ndarray:
    """Component label of every document: the smallest document of its component.

    Examples
    --------
    >>> components(5, np.array([[3, 1], [1, 4]])).tolist()
    [0, 1, 2, 1, 1]
    """
    pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
    if len(pairs) == 0:
        return np.arange(n_docs, dtype=np.int64)
    with deferred():
        return kernels("cluster", 16 * (n_docs + len(pairs))).smallest_member(
            n_docs, pairs[:, 0], pairs[:, 1]
        )


def representatives(labels: Ints, lengths: np.ndarray, keep: str = "first") -> Ints:
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
    if keep == "first" and np.all(labels <= index) and np.all(labels[labels] == labels):
        return labels.copy()  # each label is its group's smallest member: the one kept
    score = -lengths.astype(np.int64) if keep == "longest" else np.zeros(n, np.int64)
    order = np.lexsort((index, score, labels))  # by label, then score, then index
    first_of_label = np.ones(n, bool)
    first_of_label[1:] = labels[order][1:] != labels[order][:-1]
    chosen = np.empty(labels.max() + 1 if n else 0, np.int64)
    chosen[labels[order][first_of_label]] = order[first_of_label]
    return chosen[labels]
