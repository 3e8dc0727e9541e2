"""Brute-force exact Jaccard of every pair, by sparse matrix product (scipy), as a reference."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from notelab.similarity.shingle import shingles


def all_pairs_above(
    texts: list[str], threshold: float, ngram: int = 5
) -> dict[tuple[int, int], float]:
    """Every pair (i < j) whose exact shingle-set Jaccard is at least ``threshold``."""
    vocabulary: dict[object, int] = {}
    rows, cols = [], []
    for i, text in enumerate(texts):
        for s in shingles(text, ngram):
            rows.append(i)
            cols.append(vocabulary.setdefault(s, len(vocabulary)))
    incidence = sparse.csr_matrix(
        (np.ones(len(rows), np.int32), (rows, cols)), shape=(len(texts), max(1, len(vocabulary)))
    )
    sizes = np.asarray(incidence.sum(axis=1)).ravel()
    inter = sparse.triu(incidence @ incidence.T, k=1).tocoo()
    union = sizes[inter.row] + sizes[inter.col] - inter.data
    jaccard = inter.data / union
    keep = jaccard >= threshold
    return {
        (int(a), int(b)): float(j)
        for a, b, j in zip(inter.row[keep], inter.col[keep], jaccard[keep], strict=True)
    }
