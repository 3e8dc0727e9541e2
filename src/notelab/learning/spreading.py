"""Label spreading and label propagation over a sparse k-nearest-neighbour graph.

Both estimators take ``y`` with ``-1`` for unlabelled rows (scikit-learn's convention), spread
the known labels along the graph of all rows, and predict new rows from the spread labels of
their nearest fitted rows. Unlike scikit-learn's versions, the graph is always sparse (so
100,000 rows work with either kernel), made symmetric, optionally weighted with a self-tuning
RBF kernel, optionally blind to image shifts, and the result can be balanced over classes
(class mass normalisation), which matters most when labels are very few.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, Self

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from notelab.learning._labels import encode_partial, one_hot
from notelab.learning.graph import KERNELS, edge_weights, knn_graph, local_scale, nearest

BALANCES = ("none", "uniform", "labelled")


def normalise(graph: sp.csr_matrix, variant: str) -> sp.csr_matrix:
    """``D^-1/2 W D^-1/2`` for spreading, ``D^-1 W`` (rows sum to 1) for propagation."""
    degree = np.asarray(graph.sum(axis=1)).ravel()
    degree[degree == 0] = 1.0
    if variant == "spreading":
        inv = sp.diags(1.0 / np.sqrt(degree))
        return (inv @ graph @ inv).tocsr()
    return (sp.diags(1.0 / degree) @ graph).tocsr()


def iterate(
    S: Any,
    Y: np.ndarray,
    *,
    variant: str,
    alpha: float,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, int]:
    """Spread the one-hot rows ``Y`` along ``S`` until the mean change per row is below ``tol``.

    Spreading: ``F <- alpha S F + (1 - alpha) Y`` (Zhou et al., 2004). Propagation:
    ``F <- S F``, rows renormalised and labelled rows reset to ``Y`` (Zhu and Ghahramani,
    2002). The same loop as scikit-learn's, so its graph gives its result.

    Returns
    -------
    F : ndarray of shape (n, n_classes)
        Unnormalised class scores per row.
    n_iter : int
    """
    labelled = Y.sum(axis=1) > 0
    static = Y * (1 - alpha) if variant == "spreading" else Y
    F, previous = Y.copy(), np.zeros_like(Y)
    for n_iter in range(max_iter):
        if np.abs(F - previous).sum() / len(F) < tol:
            return F, n_iter
        previous = F
        F = S @ F
        if variant == "spreading":
            F = alpha * F + static
        else:
            F = np.where(labelled[:, None], static, _rows_sum_to_one(F))
    return F, max_iter


def solve(
    graph: sp.csr_matrix,
    Y: np.ndarray,
    *,
    variant: str,
    alpha: float,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, int]:
    """The fixed point :func:`iterate` approaches, solved by conjugate gradients.

    Spreading: ``(I - alpha S) F = (1 - alpha) Y``. Propagation (labelled rows clamped): the
    harmonic solution ``(D - W)_uu F_u = W_ul Y_l``, with a tiny ridge so that a component
    without labels gets zero scores instead of no solution. Both systems are symmetric positive
    definite; their condition does not grow with the graph's diameter, so 100,000 rows along
    a thin curve need as many iterations as 1,000.

    Returns
    -------
    F : ndarray of shape (n, n_classes)
    n_iter : int
        The most conjugate-gradient iterations any class needed.
    """
    from scipy.sparse.linalg import cg

    if variant == "spreading":
        A = sp.identity(graph.shape[0], format="csr") - alpha * normalise(graph, variant)
        B, rows = (1 - alpha) * Y, np.arange(graph.shape[0])
    else:
        rows, known = np.flatnonzero(Y.sum(axis=1) == 0), np.flatnonzero(Y.sum(axis=1) > 0)
        degree = np.asarray(graph.sum(axis=1)).ravel()
        A = (sp.diags(degree * (1 + 1e-9)) - graph)[rows][:, rows].tocsr()
        B = graph[rows][:, known] @ Y[known]
    F, most = Y.copy(), 0
    for column in range(Y.shape[1]):
        steps = [0]
        solution, _ = cg(
            A,
            B[:, column],
            rtol=tol,
            maxiter=max_iter,
            callback=lambda _, steps=steps: steps.__setitem__(0, steps[0] + 1),
        )
        F[rows, column], most = solution, max(most, steps[0])
    return F, most


def _rows_sum_to_one(F: np.ndarray) -> np.ndarray:
    total = F.sum(axis=1, keepdims=True)
    return F / np.where(total == 0, 1.0, total)


def balance(F: np.ndarray, prior: np.ndarray, *, rounds: int = 1) -> np.ndarray:
    """Class mass normalisation: scale each class's column so its mass follows ``prior``.

    With one round this is Zhu, Ghahramani and Lafferty's (2003) normalisation; more rounds
    alternate with row normalisation (Sinkhorn) so predicted class sizes approach ``prior``.

    Examples
    --------
    >>> F = np.array([[0.9, 0.3], [0.8, 0.1], [0.7, 0.2]])
    >>> balance(F, np.array([0.5, 0.5])).argmax(axis=1).tolist()
    [1, 0, 1]
    """
    F = np.maximum(F, 0.0) + 1e-300
    for _ in range(rounds):
        F = F * (prior / F.sum(axis=0))
        F = _rows_sum_to_one(F)
    return F


def class_prior(y_codes: np.ndarray, n_classes: int, kind: str) -> np.ndarray | None:
    """The class masses to balance towards: ``None``, equal, or the labelled rows' (smoothed)."""
    if kind == "none":
        return None
    if kind == "uniform":
        return np.full(n_classes, 1.0 / n_classes)
    counts = np.bincount(y_codes[y_codes >= 0], minlength=n_classes) + 1.0
    return np.asarray(counts / counts.sum())


class _GraphLabels(ClassifierMixin, BaseEstimator):
    """Fit, predict and parameters shared by spreading and propagation."""

    _variant = "spreading"
    _parameter_constraints: dict[str, Any] = {  # noqa: RUF012 (scikit-learn's convention)
        "kernel": [StrOptions(set(KERNELS))],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "gamma": [StrOptions({"local"}), Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "class_balance": [StrOptions(set(BALANCES))],
        "image_shape": [tuple, None],
        "max_shift": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        kernel: str = "rbf",
        n_neighbors: int = 10,
        gamma: float | str = "local",
        alpha: float = 0.99,
        max_iter: int = 1000,
        tol: float = 1e-6,
        class_balance: str = "uniform",
        image_shape: tuple[int, int] | None = None,
        max_shift: int = 1,
    ) -> None:
        self.kernel = kernel
        self.n_neighbors = n_neighbors
        self.gamma = gamma
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.class_balance = class_balance
        self.image_shape = image_shape
        self.max_shift = max_shift

    def _graph_options(self) -> dict[str, Any]:
        return {"image_shape": self.image_shape, "max_shift": self.max_shift}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike) -> Self:
        """Spread the labels of ``y`` (``-1`` = unlabelled) over the graph of the rows of ``X``."""
        X = validate_data(self, X, dtype=np.float64)
        self.classes_, codes = encode_partial(y, len(X))
        graph, self.scale_ = knn_graph(
            X,
            n_neighbors=self.n_neighbors,
            kernel=self.kernel,
            gamma=self.gamma,
            **self._graph_options(),
        )
        Y = one_hot(codes, len(self.classes_))
        F, self.n_iter_ = solve(
            graph, Y, variant=self._variant, alpha=self.alpha, max_iter=self.max_iter, tol=self.tol
        )
        prior = class_prior(codes, len(self.classes_), self.class_balance)
        F = _rows_sum_to_one(F) if prior is None else balance(F, prior)
        self.X_, self.label_distributions_ = X, _uniform_where_empty(F)
        self.transduction_ = self.classes_[self.label_distributions_.argmax(axis=1)]
        return self

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities of new rows: kernel-weighted spread labels of their neighbours."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        k = min(self.n_neighbors, len(self.X_))
        found = nearest(self.X_, X, k, **self._graph_options())
        weights = edge_weights(found, self.kernel, self.gamma, local_scale(found), self.scale_)
        weights = np.where(weights.sum(axis=1, keepdims=True) > 0, weights, 1.0)
        scores = np.einsum("qk,qkc->qc", weights, self.label_distributions_[found.indices])
        return _rows_sum_to_one(scores)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each new row."""
        return np.asarray(self.classes_[self.predict_proba(X).argmax(axis=1)])


def _uniform_where_empty(F: np.ndarray) -> np.ndarray:
    """Rows no label reached (a graph component without labels) get equal class scores."""
    empty = F.sum(axis=1) <= 0
    F = F.copy()
    F[empty] = 1.0 / F.shape[1]
    return _rows_sum_to_one(F)


class LabelSpreading(_GraphLabels):
    """Label spreading (Zhou et al., 2004) on a sparse kNN graph, with class balancing.

    Parameters
    ----------
    kernel : {"rbf", "knn"}, default="rbf"
        Edge weights: an RBF of the distance, or 1 for every neighbour.
    n_neighbors : int, default=10
        Neighbours per row in the graph and when predicting new rows.
    gamma : float or "local", default="local"
        RBF width: ``exp(-gamma d^2)``, or self-tuning ``exp(-d^2 / (s_i s_j))``.
    alpha : float in (0, 1), default=0.99
        How much a row takes from its neighbours rather than keep its own label.
    max_iter, tol : int, float
        Conjugate-gradient iterations at most, and the relative residual to stop at.
    class_balance : {"uniform", "labelled", "none"}, default="uniform"
        Class mass normalisation towards equal classes, the labelled rows' class shares, or
        none.
    image_shape : tuple of two ints, optional
        Rows are flattened images of this shape: distances ignore shifts up to ``max_shift``.
    max_shift : int, default=1

    Attributes
    ----------
    classes_, label_distributions_, transduction_, n_iter_

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> X, y = make_moons(300, noise=0.05, random_state=0)
    >>> one_each = [np.flatnonzero(y == c)[0] for c in (0, 1)]
    >>> y_few = np.full(300, -1); y_few[one_each] = y[one_each]
    >>> model = LabelSpreading(n_neighbors=7).fit(X, y_few)
    >>> bool((model.transduction_ == y).mean() > 0.95)
    True
    """


class LabelPropagation(_GraphLabels):
    """Label propagation (Zhu and Ghahramani, 2002): labelled rows are clamped to their label.

    Same parameters as :class:`LabelSpreading`; ``alpha`` is not used.

    Examples
    --------
    >>> from sklearn.datasets import make_circles
    >>> X, y = make_circles(300, noise=0.03, factor=0.5, random_state=0)
    >>> one_each = [np.flatnonzero(y == c)[0] for c in (0, 1)]
    >>> y_few = np.full(300, -1); y_few[one_each] = y[one_each]
    >>> model = LabelPropagation(n_neighbors=7, class_balance="none").fit(X, y_few)
    >>> bool((model.transduction_ == y).mean() > 0.95)
    True
    """

    _variant = "propagation"
