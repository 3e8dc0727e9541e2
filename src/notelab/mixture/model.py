"""A Gaussian mixture fitted by EM: scikit-learn's interface, chunked passes, out of core, Dask."""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from notelab._util import InputError
from notelab.mixture._gaussian import (
    COVARIANCE_TYPES,
    Params,
    precisions_from_cholesky,
    weighted_log_prob,
)
from notelab.mixture._init import INIT_PARAMS, check_init_shapes, starting_params
from notelab.mixture._source import ArraySource, NpyFileSource, chunk_rows
from notelab.mixture._stats import chunk_stats, m_step, sum_stats


@dataclass
class _Run:
    params: Params
    lower_bound: float
    history: list[float]
    converged: bool
    n_iter: int


def _is_dask(X) -> bool:
    return type(X).__module__.startswith("dask.")


class GaussianMixture(DensityMixin, BaseEstimator):
    """Gaussian mixture fitted by expectation-maximisation; a drop-in for scikit-learn's.

    Each EM iteration is one pass over the rows in chunks: the E-step of a chunk and its
    sufficient statistics together, the M-step from their sums. So the same code fits an
    in-memory array, a ``.npy`` file larger than memory (``NpyFileSource`` or a memory-mapped
    array) and a Dask array (chunks on the workers, sums on the client).

    Parameters
    ----------
    n_components : int
        Number of components.
    covariance_type : {"full", "tied", "diag", "spherical"}
    tol : float
        Stop when the mean log-likelihood changes by less than this.
    reg_covar : float
        Added to covariance diagonals.
    max_iter, n_init : int
        EM iterations per start, and starts (the best is kept).
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}
    weights_init, means_init, precisions_init : array-like, optional
        Fixed starting values (override ``init_params``).
    random_state : int or RandomState, optional
    warm_start : bool
        Start the next ``fit`` from the current parameters.
    chunk_bytes : int
        Memory per chunk of rows (with its work arrays).

    Attributes
    ----------
    weights_, means_, covariances_, precisions_, precisions_cholesky_ : ndarray
    converged_ : bool
    n_iter_ : int
    lower_bound_ : float
        Mean log-likelihood per sample of the best start.
    lower_bounds_ : list of float
        Mean log-likelihood per sample at each iteration (``log_likelihood_history_`` too).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.normal(0, 2, 500), rng.normal(4, 1, 500)])
    >>> gm = GaussianMixture(2, random_state=0).fit(x)  # a 1-D vector is one feature
    >>> np.round(np.sort(gm.means_.ravel()), 1).tolist()
    [-0.1, 4.0]
    """

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state=None,
        warm_start: bool = False,
        chunk_bytes: int = 32 * 2**20,
    ) -> None:
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.chunk_bytes = chunk_bytes

    # ---- validation -------------------------------------------------------------------
    def _check_hyperparameters(self) -> None:
        checks = [
            ("n_components", self.n_components, numbers.Integral, 1),
            ("max_iter", self.max_iter, numbers.Integral, 0),
            ("n_init", self.n_init, numbers.Integral, 1),
            ("tol", self.tol, numbers.Real, 0),
            ("reg_covar", self.reg_covar, numbers.Real, 0),
        ]
        for name, value, kind, low in checks:
            if isinstance(value, bool) or not isinstance(value, kind) or value < low:
                raise InputError(f"{name} >= {low}", repr(value), f"pass a valid {name}")
        if self.covariance_type not in COVARIANCE_TYPES:
            raise InputError(
                f"covariance_type from {', '.join(COVARIANCE_TYPES)}", repr(self.covariance_type)
            )
        if self.init_params not in INIT_PARAMS:
            raise InputError(f"init_params from {', '.join(INIT_PARAMS)}", repr(self.init_params))

    def _validate(self, X, reset: bool) -> np.ndarray:
        if getattr(X, "ndim", 2) == 1 and not hasattr(X, "columns"):
            expected = 1 if reset else getattr(self, "n_features_in_", 1)
            if expected != 1:
                raise InputError(
                    f"a 2-D array with {expected} features",
                    "a 1-D array",
                    "Reshape your data: X.reshape(1, -1) for a single sample",
                )
            X = np.asarray(X).reshape(-1, 1)
        try:
            return validate_data(
                self,
                X,
                reset=reset,
                dtype=[np.float64, np.float32],
                ensure_min_samples=2 if reset else 1,
            )
        except ValueError as error:
            raise InputError(
                "a finite numeric array of shape (n_samples, n_features)",
                str(error).rstrip("."),
                "check the shape, drop or impute NaN/inf, keep numeric columns",
            ) from None

    def _source(self, X):
        if isinstance(X, NpyFileSource):
            return X
        if isinstance(X, np.memmap) and X.ndim == 2 and X.flags.c_contiguous:
            try:
                source = NpyFileSource(X.filename)
                if source.shape == X.shape:
                    return source
            except (OSError, ValueError):
                pass
        return ArraySource(self._validate(X, reset=True))

    # ---- fitting ----------------------------------------------------------------------
    def fit(self, X, y=None) -> GaussianMixture:
        """Fit by EM (``n_init`` starts, the best kept). ``X``: array, 1-D vector, memory-mapped
        or ``NpyFileSource`` .npy file (read in chunks), or Dask array (fitted on the cluster)."""
        self._check_hyperparameters()
        if _is_dask(X):
            from notelab.mixture._dask import fit_dask

            return fit_dask(self, X)
        self._fit_source(self._source(X))
        return self

    def fit_predict(self, X, y=None) -> np.ndarray:
        """Fit, then the most probable component of every row."""
        return self.fit(X).predict(X)

    def _fit_source(self, source) -> None:
        n, d = source.shape
        if n < self.n_components:
            raise InputError(
                f"at least n_components={self.n_components} samples",
                f"{n} samples",
                "lower n_components or add data",
            )
        if not hasattr(self, "n_features_in_"):
            self.n_features_in_ = d
        check_init_shapes(self, d)
        rows = chunk_rows(source, self.chunk_bytes, self.n_components)
        shift = self._shift(source, rows)
        eps = float(np.finfo(source.dtype).eps)
        self._dtype = source.dtype

        def em_pass(params):
            return sum_stats(
                chunk_stats(c, shift, params, self.covariance_type) for c in source.chunks(rows)
            )

        def start(rng):
            return starting_params(self, source, shift, rows, rng, eps)

        self._run_em(em_pass, start, shift, eps)

    def _shift(self, source, rows) -> np.ndarray:
        """Column means: the data are centred inside EM so sums of squares do not cancel."""
        total = np.zeros(source.shape[1])
        for chunk in source.chunks(rows):
            if not np.all(np.isfinite(chunk)):
                raise InputError(
                    "finite numbers", "NaN or infinity in the data", "drop or impute those rows"
                )
            total += chunk.sum(axis=0, dtype=np.float64)
        return total / source.shape[0]

    def _run_em(self, em_pass, start, shift, eps) -> None:
        warm = self.warm_start and hasattr(self, "converged_")
        rng = check_random_state(self.random_state)
        best = None
        for _ in range(1 if warm else self.n_init):
            params = self._centred_params(shift) if warm else start(rng)
            run = self._em_from(params, em_pass, eps, self.lower_bound_ if warm else -np.inf)
            if best is None or run.lower_bound > best.lower_bound:
                best = run
        self._store(best, shift)
        if not best.converged and self.max_iter > 0:
            warnings.warn(
                "Best performing initialization did not converge: increase max_iter "
                "or tol, try other init parameters, or check for degenerate data.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _em_from(self, params: Params, em_pass, eps: float, lower: float) -> _Run:
        history: list[float] = []
        for n_iter in range(1, self.max_iter + 1):
            previous = lower
            stats = em_pass(params)
            params = m_step(stats, self.covariance_type, self.reg_covar, eps)
            lower = stats.loglik / stats.n
            history.append(lower)
            if abs(lower - previous) < self.tol:
                return _Run(params, lower, history, True, n_iter)
        return _Run(params, lower, history, False, self.max_iter)

    def _store(self, run: _Run, shift: np.ndarray) -> None:
        p = run.params
        self.weights_ = p.weights
        self.means_ = p.means + shift
        self.covariances_ = p.covariances
        self.precisions_cholesky_ = p.precisions_cholesky
        self.precisions_ = precisions_from_cholesky(p.precisions_cholesky, self.covariance_type)
        self.converged_, self.n_iter_ = run.converged, run.n_iter
        self.lower_bound_ = run.lower_bound
        self.lower_bounds_ = run.history
        self.log_likelihood_history_ = run.history

    def _centred_params(self, shift) -> Params:
        return Params(
            self.weights_, self.means_ - shift, self.covariances_, self.precisions_cholesky_
        )

    # ---- using the fit ----------------------------------------------------------------
    def _params(self) -> Params:
        check_is_fitted(self, "means_")
        return Params(self.weights_, self.means_, self.covariances_, self.precisions_cholesky_)

    def _weighted(self, X) -> np.ndarray:
        X = self._validate(X, reset=False)
        return weighted_log_prob(X, self._params(), self.covariance_type)

    def score_samples(self, X) -> np.ndarray:
        """Log-density of every row."""
        weighted = self._weighted(X)
        top = weighted.max(axis=1, keepdims=True)
        return (top + np.log(np.exp(weighted - top).sum(axis=1, keepdims=True))).ravel()

    def score(self, X, y=None) -> float:
        """Mean log-likelihood per row."""
        return float(self.score_samples(X).mean())

    def predict_proba(self, X) -> np.ndarray:
        """Responsibilities: (n_samples, n_components)."""
        weighted = self._weighted(X)
        weighted -= weighted.max(axis=1, keepdims=True)
        np.exp(weighted, out=weighted)
        return weighted / weighted.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        """Most probable component of every row."""
        return self._weighted(X).argmax(axis=1)

    def sample(self, n_samples: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n_samples`` rows and their components (scikit-learn's sampler)."""
        check_is_fitted(self, "means_")
        if (
            isinstance(n_samples, bool)
            or not isinstance(n_samples, numbers.Integral)
            or (n_samples < 1)
        ):
            raise InputError("n_samples >= 1", repr(n_samples))
        rng = check_random_state(self.random_state)
        counts = rng.multinomial(n_samples, self.weights_)
        d = self.means_.shape[1]
        if self.covariance_type == "full":
            parts = [
                rng.multivariate_normal(m, c, int(s))
                for m, c, s in zip(self.means_, self.covariances_, counts, strict=True)
            ]
        elif self.covariance_type == "tied":
            parts = [
                rng.multivariate_normal(m, self.covariances_, int(s))
                for m, s in zip(self.means_, counts, strict=True)
            ]
        else:
            parts = [
                m + rng.standard_normal(size=(s, d)) * np.sqrt(c)
                for m, c, s in zip(self.means_, self.covariances_, counts, strict=True)
            ]
        labels = np.concatenate([np.full(s, j, dtype=int) for j, s in enumerate(counts)])
        return np.vstack(parts), labels

    def _n_parameters(self) -> int:
        k, d = self.means_.shape
        covariance = {
            "full": k * d * (d + 1) / 2,
            "diag": k * d,
            "tied": d * (d + 1) / 2,
            "spherical": k,
        }[self.covariance_type]
        return int(covariance + k * d + k - 1)

    def bic(self, X) -> float:
        """Bayesian information criterion on ``X`` (lower is better)."""
        n = self._validate(X, reset=False).shape[0]
        return -2 * self.score(X) * n + self._n_parameters() * np.log(n)

    def aic(self, X) -> float:
        """Akaike information criterion on ``X`` (lower is better)."""
        n = self._validate(X, reset=False).shape[0]
        return -2 * self.score(X) * n + 2 * self._n_parameters()
