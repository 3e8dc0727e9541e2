"""Sparse k-nearest-neighbour graphs, optionally blind to small shifts of image rows.

The graph is what label spreading and propagation spread labels along: each row is joined to
its ``k`` nearest rows, with a weight from the kernel, then the graph is made symmetric. It is
sparse (``n * k`` edges at most twice over), so 100,000 rows take memory in megabytes, not the
``n * n`` of a dense kernel.

When rows are flattened images (``image_shape``), the distance between two rows is the
smallest distance over shifts of the first by up to ``max_shift`` pixels: a digit drawn one
pixel to the left is still the same digit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

KERNELS = ("knn", "rbf")
TREE_DIMENSIONS = 15  # up to this many features a k-d tree beats brute force


@dataclass(frozen=True)
class Neighbours:
    """The ``k`` nearest fitted rows of each query row, nearest first."""

    distances: np.ndarray  # (n_queries, k)
    indices: np.ndarray  # (n_queries, k)


def shifted_copies(X: np.ndarray, image_shape: tuple[int, int], max_shift: int) -> list[np.ndarray]:
    """Every shift of each image row by up to ``max_shift`` pixels (zeros enter at the edges).

    Examples
    --------
    >>> X = np.arange(4.0).reshape(1, 4)
    >>> [c.tolist() for c in shifted_copies(X, (2, 2), 1)][4]
    [[0.0, 1.0, 2.0, 3.0]]
    """
    height, width = image_shape
    images = X.reshape(len(X), height, width)
    s = max_shift
    padded = np.pad(images, ((0, 0), (s, s), (s, s)))
    return [
        padded[:, s + dy : s + dy + height, s + dx : s + dx + width].reshape(len(X), -1)
        for dy in range(-s, s + 1)
        for dx in range(-s, s + 1)
    ]


def nearest(
    fitted: np.ndarray,
    queries: np.ndarray,
    k: int,
    *,
    exclude_self: bool = False,
    image_shape: tuple[int, int] | None = None,
    max_shift: int = 1,
    chunk_cells: int = 4_000_000,
) -> Neighbours:
    """The ``k`` nearest rows of ``fitted`` for each row of ``queries`` (Euclidean distance).

    A k-d tree for up to 15 features; otherwise brute force in chunks of queries, so memory
    stays near ``chunk_cells`` distances whatever the number of rows.

    Parameters
    ----------
    fitted, queries : ndarray of shape (n, d) and (m, d)
    k : int
        Neighbours per query (at most ``n``, or ``n - 1`` with ``exclude_self``).
    exclude_self : bool
        ``queries`` is ``fitted``: a row is never its own neighbour.
    image_shape, max_shift
        Rows are images of this shape; the distance is the smallest over shifts of the query.
    chunk_cells : int
        Distances held in memory at once.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [3.0]])
    >>> nearest(X, X, 1, exclude_self=True).indices.ravel().tolist()
    [1, 0, 1]
    """
    k = min(k, len(fitted) - int(exclude_self))
    if image_shape is None and fitted.shape[1] <= TREE_DIMENSIONS:
        return _nearest_tree(fitted, queries, k, exclude_self)
    step = max(1, chunk_cells // max(len(fitted), 1))
    norms = np.einsum("ij,ij->i", fitted, fitted)
    parts = [
        _nearest_chunk(
            fitted,
            norms,
            queries[start : start + step],
            start if exclude_self else None,
            k,
            image_shape,
            max_shift,
        )
        for start in range(0, len(queries), step)
    ]
    return Neighbours(np.vstack([d for d, _ in parts]), np.vstack([i for _, i in parts]))


def _nearest_tree(
    fitted: np.ndarray, queries: np.ndarray, k: int, exclude_self: bool
) -> Neighbours:
    """A k-d tree for few features: 100,000 two-column rows in about a second."""
    from sklearn.neighbors import NearestNeighbors

    index = NearestNeighbors(algorithm="kd_tree").fit(fitted)
    distances, indices = index.kneighbors(queries, n_neighbors=k + int(exclude_self))
    if not exclude_self:
        return Neighbours(distances, indices)
    own = indices == np.arange(len(queries))[:, None]
    own[own.sum(axis=1) == 0, -1] = True  # a row tied with duplicates of itself: drop the last
    keep = ~own
    return Neighbours(
        distances[keep].reshape(len(queries), k), indices[keep].reshape(len(queries), k)
    )


def _nearest_chunk(
    fitted: np.ndarray,
    norms: np.ndarray,
    chunk: np.ndarray,
    self_start: int | None,
    k: int,
    image_shape: tuple[int, int] | None,
    max_shift: int,
) -> tuple[np.ndarray, np.ndarray]:
    copies = [chunk] if image_shape is None else shifted_copies(chunk, image_shape, max_shift)
    d2 = np.full((len(chunk), len(fitted)), np.inf)
    for copy in copies:
        own = np.einsum("ij,ij->i", copy, copy)
        np.minimum(d2, own[:, None] + norms[None, :] - 2.0 * copy @ fitted.T, out=d2)
    if self_start is not None:
        rows = np.arange(len(chunk))
        d2[rows, self_start + rows] = np.inf
    take = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < len(fitted) else None
    take = np.argsort(d2, axis=1)[:, :k] if take is None else take
    d2 = np.take_along_axis(d2, take, 1)
    order = np.argsort(d2, axis=1, kind="stable")
    distances = np.sqrt(np.maximum(np.take_along_axis(d2, order, 1), 0.0))
    return distances, np.take_along_axis(take, order, 1)


def local_scale(neighbours: Neighbours) -> np.ndarray:
    """Each row's distance to its farthest listed neighbour (self-tuning kernel width)."""
    scale = neighbours.distances[:, -1].copy()
    positive = scale[scale > 0]
    scale[scale <= 0] = positive.min() if positive.size else 1.0
    return scale


def edge_weights(
    neighbours: Neighbours,
    kernel: str,
    gamma: float | str,
    query_scale: np.ndarray,
    fitted_scale: np.ndarray,
) -> np.ndarray:
    """Kernel weights of listed neighbours: 1 (``knn``), ``exp(-gamma d^2)`` or local scaling.

    With ``gamma="local"`` the weight is ``exp(-d^2 / (s_i s_j))`` where ``s`` is each row's
    distance to its k-th neighbour (Zelnik-Manor and Perona's self-tuning kernel).
    """
    d2 = neighbours.distances**2
    if kernel == "knn":
        return np.ones_like(d2)
    if gamma == "local":
        return np.asarray(np.exp(-d2 / (query_scale[:, None] * fitted_scale[neighbours.indices])))
    return np.exp(-float(gamma) * d2)


def knn_graph(
    X: np.ndarray,
    *,
    n_neighbors: int = 10,
    kernel: str = "rbf",
    gamma: float | str = "local",
    image_shape: tuple[int, int] | None = None,
    max_shift: int = 1,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """The symmetric sparse k-nearest-neighbour graph of the rows of ``X`` and each row's scale.

    An edge joins ``i`` and ``j`` when either is among the other's ``n_neighbors`` nearest; its
    weight is the larger of the two directions' kernel weights. No row is joined to itself.

    Returns
    -------
    graph : scipy.sparse.csr_matrix of shape (n, n)
    scale : ndarray of shape (n,)
        Distance to each row's k-th neighbour (used to weigh new rows in the same way).

    Examples
    --------
    >>> X = np.array([[0.0], [0.1], [5.0], [5.2]])
    >>> W, _ = knn_graph(X, n_neighbors=1, kernel="knn")
    >>> W.toarray().astype(int).tolist()
    [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]
    """
    n = len(X)
    k = min(n_neighbors, n - 1)
    neighbours = nearest(X, X, k, exclude_self=True, image_shape=image_shape, max_shift=max_shift)
    scale = local_scale(neighbours)
    weights = edge_weights(neighbours, kernel, gamma, scale, scale)
    rows = np.repeat(np.arange(n), k)
    graph = sp.csr_matrix((weights.ravel(), (rows, neighbours.indices.ravel())), shape=(n, n))
    return graph.maximum(graph.T).tocsr(), scale
