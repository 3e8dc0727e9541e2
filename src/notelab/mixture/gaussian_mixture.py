"""``GaussianMixture``: scikit-learn's estimator, fitted by EM in fused passes over any source.

``fit`` is scikit-learn's template: for each start, ``_initialize_parameters`` then
``_e_step``/``_m_step`` until the lower bound stops moving; the best start is kept with
``_set_parameters``. The E-step reads a ``Source`` block by block and returns sums (the
responsibilities are never stored), so one code path fits an in-memory array, a ``.npy``
file larger than memory and a Dask array on a cluster.
"""

from __future__ import annotations

import functools
import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from notelab.mixture._errors import SklearnWordedError
from notelab.mixture._gaussian import (
    Array,
    Collapse,
    Params,
    covariances_from_precisions,
    precision_cholesky,
    precisions_from_cholesky,
    weighted_log_prob,
)
from notelab.mixture._source import (
    DEFAULT_CHUNK_BYTES,
    ArraySource,
    NpyFileSource,
    Source,
    block_total,
    chunk_rows,
    column_means,
)
from notelab.mixture._starts import initial_stats
from notelab.mixture._sufficient_stats import Stats, chunk_stats, m_step, stats_from_resp
from notelab.mixture._validation import (
    PARAMETER_CONSTRAINTS,
    InitialArrays,
    check_initial_arrays,
    check_parameters,
)
from notelab.mixture._verbose import VerboseReport

NOT_CONVERGED = (
    "Best performing initialization did not converge. Try different init parameters, or "
    "increase max_iter, tol, or check for degenerate data."
)


@dataclass
class _Run:
    params: Params
    lower_bound: float
    history: list[float]
    converged: bool
    n_iter: int


def _is_dask(X: Any) -> bool:
    return type(X).__module__.startswith("dask.")


def _raise_if_not_finite(X: Any) -> None:
    """Name the first NaN or infinity of a numeric 2-D array, if it has one."""
    try:
        values = np.asarray(X)
    except (TypeError, ValueError):
        return
    if (
        values.dtype.kind in "fiu"
        and values.ndim == 2
        and values.size
        and not np.all(np.isfinite(values))
    ):
        column_means(ArraySource(values.astype(np.float64)))


def _blocked_input(X: Any) -> Source | None:
    """A ``.npy`` file or Dask array as a source; None for in-memory input."""
    if isinstance(X, NpyFileSource):
        return X
    if _is_dask(X):
        from notelab.mixture._dask_source import DaskSource

        return DaskSource(X)
    return None


def _mapped_npy(X: Any) -> NpyFileSource | None:
    """A memory-mapped ``.npy`` array as the file it maps (read in chunks, bounded memory)."""
    if isinstance(X, np.memmap) and X.ndim == 2 and X.flags.c_contiguous and X.filename:
        try:
            mapped = NpyFileSource(X.filename)
        except (OSError, ValueError):
            return None
        if mapped.shape == X.shape and mapped.dtype == X.dtype:
            return mapped
    return None


def _block_log_likelihood(block: Array, params: Params, covariance_type: str) -> float:
    return float(logsumexp(weighted_log_prob(block, params, covariance_type), axis=1).sum())


class GaussianMixture(DensityMixin, BaseEstimator):
    """Gaussian mixture fitted by expectation-maximisation; a drop-in for scikit-learn's.

    Each EM iteration is one pass over the rows in blocks: the E-step of a block and its
    sufficient statistics together, the M-step from their sums. So the same code fits an
    in-memory array, a ``.npy`` file larger than memory (``NpyFileSource`` or a memory-mapped
    array) and a Dask array (blocks on the workers, sums on the client). Every
    ``init_params`` works on every input, and gives the same start from the same
    ``random_state`` (on more than 200,000 rows an in-memory array samples its k-means rows
    otherwise than a file or a Dask array does).

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
    verbose : int
        0 silent, 1 each start and iteration, 2 with times and changes (scikit-learn's lines).
    verbose_interval : int
        Iterations between messages.
    chunk_bytes : int
        Memory per block of rows (with its work arrays) for in-memory and ``.npy`` input.
    on_collapse : {"raise", "warn"}
        A singular covariance raises scikit-learn's ``ValueError`` (the default), or warns
        with ``CollapseWarning`` and is regularised further so the fit goes on.

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
    [-0.5, 3.8]
    """

    _parameter_constraints: dict[str, list[Any]] = PARAMETER_CONSTRAINTS

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
        weights_init: Any = None,
        means_init: Any = None,
        precisions_init: Any = None,
        random_state: Any = None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        on_collapse: str = "raise",
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
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.chunk_bytes = chunk_bytes
        self.on_collapse = on_collapse

    # ---- input -------------------------------------------------------------------------
    def _validate(self, X: Any, reset: bool) -> Array:
        if getattr(X, "ndim", 2) == 1 and not hasattr(X, "columns"):
            expected = 1 if reset else getattr(self, "n_features_in_", 1)
            if expected != 1:
                raise SklearnWordedError(
                    "Expected 2D array, got 1D array instead.",
                    f"a 2-D array with {expected} features",
                    "a 1-D array",
                    "Reshape your data: X.reshape(1, -1) for a single sample",
                )
            X = np.asarray(X).reshape(-1, 1)
        try:
            checked: Array = validate_data(
                self,
                X,
                reset=reset,
                dtype=[np.float64, np.float32],
                ensure_min_samples=2 if reset else 1,
            )
        except ValueError as error:
            _raise_if_not_finite(X)
            raise SklearnWordedError(
                str(error).splitlines()[0],
                "a finite numeric array of shape (n_samples, n_features)",
                str(error).splitlines()[0],
                "check the shape, drop or impute NaN/inf, keep numeric columns",
            ) from None
        return checked

    def _as_source(self, X: Any) -> Source:
        """The rows to fit: a ``.npy`` file, a Dask array, or a checked in-memory array."""
        source = _blocked_input(X) or _mapped_npy(X)
        if source is None:
            return ArraySource(self._validate(X, reset=True))
        self.n_features_in_ = source.shape[1]
        self.__dict__.pop("feature_names_in_", None)
        return source

    def _check_samples(self, n: int) -> None:
        if n < self.n_components:
            raise SklearnWordedError(
                "Expected n_samples >= n_components but got "
                f"n_components = {self.n_components}, n_samples = {n}",
                f"at least n_components={self.n_components} samples",
                f"{n} samples",
                "lower n_components or add rows",
            )

    # ---- fitting: scikit-learn's template ------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> GaussianMixture:
        """Fit by EM (``n_init`` starts, the best kept).

        ``X``: an array or 1-D vector, a memory-mapped or ``NpyFileSource`` ``.npy`` file
        (read in chunks), or a Dask array (fitted on the cluster).
        """
        check_parameters(self.get_params(deep=False), type(self).__name__)
        self._fit_source(self._as_source(X))
        return self

    def fit_predict(self, X: Any, y: Any = None) -> Array:
        """Fit, then the most probable component of every row."""
        return self.fit(X).predict(X)

    def _fit_source(self, source: Source) -> None:
        source = self._prepare(source)
        do_init = not (self.warm_start and hasattr(self, "converged_"))
        rng = check_random_state(self.random_state)
        report = VerboseReport(self.verbose, self.verbose_interval)
        runs = (
            self._start_and_run(init, source, rng, do_init, report)
            for init in range(self.n_init if do_init else 1)
        )
        self._keep(functools.reduce(self._better, runs))

    def _start_and_run(
        self,
        init: int,
        source: Source,
        rng: np.random.RandomState,
        do_init: bool,
        report: VerboseReport,
    ) -> _Run:
        report.init_begin(init)
        if do_init:
            self._initialize_parameters(source, rng)
        else:
            self._params = self._centred(self._get_parameters())
        return self._iterate(source, -np.inf if do_init else self.lower_bound_, report)

    def _better(self, best: _Run, run: _Run) -> _Run:
        """The higher lower bound wins (the first on ties); with max_iter=0, the last start."""
        return run if run.lower_bound > best.lower_bound or self.max_iter == 0 else best

    def _prepare(self, source: Source) -> Source:
        """Check the data against the parameters, then set up the fit."""
        n, d = source.shape
        self._check_samples(n)
        self._initial = check_initial_arrays(
            self.weights_init,
            self.means_init,
            self.precisions_init,
            self.covariance_type,
            self.n_components,
            d,
        )
        source = source.blocked(chunk_rows(source, self.chunk_bytes, self.n_components))
        self._set_up(source)
        return source

    def _set_up(self, source: Source) -> None:
        """Centre (sums of squares stay exact), the M-step's epsilon, what a collapse does."""
        self._shift = column_means(source)
        self._dtype = source.dtype
        self._eps = float(np.finfo(source.dtype).eps)
        self._collapse = Collapse(self.on_collapse, self.reg_covar, source.dtype == np.float32)

    def _iterate(self, source: Source, lower: float, report: VerboseReport) -> _Run:
        history: list[float] = []
        converged, n_iter = False, 0
        for n_iter in range(1, self.max_iter + 1):
            previous = lower
            stats = self._e_step(source)
            self._m_step(stats)
            lower = stats.loglik / stats.n
            history.append(lower)
            report.iteration(n_iter, lower - previous)
            if abs(lower - previous) < self.tol:
                converged = True
                break
        if self.max_iter > 0:
            report.init_end(lower, converged)
        return _Run(self._params, lower, history, converged, n_iter)

    def _keep(self, best: _Run) -> None:
        if not best.converged and self.max_iter > 0:
            warnings.warn(NOT_CONVERGED, ConvergenceWarning, stacklevel=4)
        self._set_parameters(self._uncentred(best.params))
        self.converged_, self.n_iter_ = best.converged, best.n_iter
        self.lower_bound_ = best.lower_bound
        self.lower_bounds_ = best.history
        self.log_likelihood_history_ = best.history

    # ---- the hooks -----------------------------------------------------------------------
    def _initialize_parameters(self, source: Source, rng: np.random.RandomState) -> None:
        """Start from ``init_params`` (skipped when every starting array is given)."""
        stats = None
        if not self._initial.all_given:
            stats = initial_stats(
                self.init_params,
                source,
                self._shift,
                self.n_components,
                self.covariance_type,
                rng,
            )
        self._initialize_from_stats(stats)

    def _initialize_from_stats(self, stats: Stats | None) -> None:
        """Parameters from the start's statistics, then the user's starting arrays."""
        given = self._initial
        if stats is None:  # every starting array given
            k = self.n_components if given.means is None else len(given.means)
            d = len(self._shift)
            params = Params(np.ones(k) / k, np.zeros((k, d)), np.empty(0), np.empty(0))
        else:
            params = m_step(stats, self.covariance_type, self.reg_covar, self._eps, self._collapse)
        weights, means, cov = params.weights, params.means, params.covariances
        if given.weights is not None:
            weights = np.asarray(given.weights, dtype=np.float64)
        if given.means is not None:
            means = np.asarray(given.means, dtype=np.float64) - self._shift
        if given.precisions is not None:
            cov = covariances_from_precisions(
                np.asarray(given.precisions, np.float64), self.covariance_type
            )
        chol = precision_cholesky(cov, self.covariance_type, self._collapse)
        self._params = Params(weights, means, cov, chol)

    def _initialize(self, X: Any, resp: Array | None) -> None:
        """scikit-learn's hook: parameters from responsibilities ``resp`` (n, k) of ``X``,
        or from the starting arrays alone when ``resp`` is None."""
        X = np.asarray(X)
        self._set_up(ArraySource(X))
        self._initial = InitialArrays(
            *(
                None if value is None else np.asarray(value, dtype=X.dtype)
                for value in (self.weights_init, self.means_init, self.precisions_init)
            )
        )
        if resp is None:
            self._initialize_from_stats(None)
        else:
            centred = X - self._shift
            self._initialize_from_stats(stats_from_resp(centred, resp, self.covariance_type))
        self._set_parameters(self._uncentred(self._params))

    def _e_step(self, source: Source) -> Stats:
        """E-step fused with the sufficient statistics, summed over every block."""
        return block_total(source, chunk_stats, self._shift, self._params, self.covariance_type)

    def _m_step(self, stats: Stats) -> None:
        """M-step from the summed statistics."""
        self._params = m_step(
            stats, self.covariance_type, self.reg_covar, self._eps, self._collapse
        )

    def _get_parameters(self) -> tuple[Array, Array, Array, Array]:
        """scikit-learn's hook: (weights, means, covariances, precisions_cholesky)."""
        return self.weights_, self.means_, self.covariances_, self.precisions_cholesky_

    def _set_parameters(self, params: tuple[Array, Array, Array, Array]) -> None:
        """scikit-learn's hook: set the fitted parameters and the precisions they imply."""
        self.weights_, self.means_, self.covariances_, self.precisions_cholesky_ = params
        self.precisions_ = precisions_from_cholesky(self.precisions_cholesky_, self.covariance_type)

    def _centred(self, params: tuple[Array, Array, Array, Array]) -> Params:
        """Fitted parameters as EM state: float64, means minus the column means."""
        weights, means, covariances, chol = (np.asarray(p, dtype=np.float64) for p in params)
        return Params(weights, means - self._shift, covariances, chol)

    def _uncentred(self, params: Params) -> tuple[Array, Array, Array, Array]:
        """EM state as fitted parameters, in the data's float type (as scikit-learn keeps it)."""
        means = params.means + self._shift
        found = (params.weights, means, params.covariances, params.precisions_cholesky)
        weights, means, covariances, chol = (p.astype(self._dtype, copy=False) for p in found)
        return weights, means, covariances, chol

    # ---- using the fit -------------------------------------------------------------------
    def _fitted_params(self) -> Params:
        check_is_fitted(self, "means_")
        return Params(self.weights_, self.means_, self.covariances_, self.precisions_cholesky_)

    def _weighted(self, X: Any) -> Array:
        params = self._fitted_params()
        return weighted_log_prob(self._validate(X, reset=False), params, self.covariance_type)

    def score_samples(self, X: Any) -> Array:
        """Log-density of every row."""
        result: Array = logsumexp(self._weighted(X), axis=1)
        return result

    def _mean_log_likelihood(self, X: Any) -> tuple[float, int]:
        """Mean log-likelihood per row and rows; a ``.npy`` file or Dask array in blocks."""
        source = _blocked_input(X)
        if source is None:
            scores = self.score_samples(X)
            return float(scores.mean()), len(scores)
        params = self._fitted_params()
        if source.shape[1] != self.n_features_in_:
            raise SklearnWordedError(
                f"X has {source.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input.",
                f"{self.n_features_in_} features",
                f"{source.shape[1]}",
                "pass rows with the columns the model was fitted on",
            )
        total = block_total(source, _block_log_likelihood, params, self.covariance_type)
        return float(total) / source.shape[0], source.shape[0]

    def score(self, X: Any, y: Any = None) -> float:
        """Mean log-likelihood per row (also of a ``.npy`` file or Dask array, in blocks)."""
        return self._mean_log_likelihood(X)[0]

    def predict_proba(self, X: Any) -> Array:
        """Responsibilities: (n_samples, n_components)."""
        weighted = self._weighted(X)
        weighted -= weighted.max(axis=1, keepdims=True)
        np.exp(weighted, out=weighted)
        result: Array = weighted / weighted.sum(axis=1, keepdims=True)
        return result

    def predict(self, X: Any) -> Array:
        """Most probable component of every row."""
        result: Array = self._weighted(X).argmax(axis=1)
        return result

    def sample(self, n_samples: int = 1) -> tuple[Array, Array]:
        """Draw ``n_samples`` rows and their components (scikit-learn's sampler)."""
        check_is_fitted(self, "means_")
        if (
            isinstance(n_samples, bool)
            or not isinstance(n_samples, numbers.Integral)
            or n_samples < 1
        ):
            raise SklearnWordedError(
                f"Invalid value for 'n_samples': {n_samples} . The sampling requires at "
                "least one sample.",
                "n_samples >= 1",
                repr(n_samples),
                "pass a positive whole number of rows",
            )
        rng = check_random_state(self.random_state)
        counts = rng.multinomial(n_samples, self.weights_)
        parts = [self._sample_component(j, int(count), rng) for j, count in enumerate(counts)]
        labels = np.concatenate([np.full(s, j, dtype=int) for j, s in enumerate(counts)])
        return np.vstack(parts), labels

    def _sample_component(self, j: int, count: int, rng: np.random.RandomState) -> Array:
        mean = self.means_[j]
        if self.covariance_type in ("full", "tied"):
            cov = self.covariances_[j] if self.covariance_type == "full" else self.covariances_
            drawn: Array = rng.multivariate_normal(mean, cov, count)
            return drawn
        spread = np.sqrt(self.covariances_[j])
        drawn = mean + rng.standard_normal(size=(count, len(mean))) * spread
        return drawn

    def _n_parameters(self) -> int:
        """Free parameters of the model (scikit-learn's count)."""
        k, d = self.means_.shape
        covariance = {
            "full": k * d * (d + 1) / 2,
            "diag": k * d,
            "tied": d * (d + 1) / 2,
            "spherical": k,
        }[self.covariance_type]
        return int(covariance + k * d + k - 1)

    def bic(self, X: Any) -> float:
        """Bayesian information criterion on ``X`` (lower is better); ``X`` may also be a
        ``.npy`` file or a Dask array (read in blocks)."""
        mean, n = self._mean_log_likelihood(X)
        return float(-2 * mean * n + self._n_parameters() * np.log(n))

    def aic(self, X: Any) -> float:
        """Akaike information criterion on ``X`` (lower is better); ``X`` may also be a
        ``.npy`` file or a Dask array (read in blocks)."""
        mean, n = self._mean_log_likelihood(X)
        return float(-2 * mean * n + 2 * self._n_parameters())
