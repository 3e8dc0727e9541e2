"""EM on a Dask array: each block's E-step and statistics on the workers, sums on the client."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans

from notelab._util import InputError
from notelab.mixture._init import all_given, apply_overrides, check_init_shapes, given_params
from notelab.mixture._stats import chunk_stats, hard_stats, m_step, sum_stats

SAMPLE_ROWS = 200_000


def _rows_only(X):
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise InputError("a 2-D Dask array (n_samples, n_features)", f"{X.ndim}-D")
    return X.rechunk({1: -1})


def _block_sample(block: np.ndarray, share: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return block[rng.random(len(block)) < share]


def fit_dask(est, X):
    """Fit ``est`` on a Dask array; the result has the estimator's usual attributes."""
    import dask

    X = _rows_only(X).astype(np.result_type(X.dtype, np.float32))
    n, d = X.shape
    if n < est.n_components:
        raise InputError(f"at least n_components={est.n_components} samples", f"{n} samples")
    est.n_features_in_ = d
    check_init_shapes(est, d)
    blocks = X.to_delayed().ravel().tolist()
    total, finite = dask.compute(X.sum(axis=0, dtype=np.float64), dask.array.isfinite(X).all())
    if not finite:
        raise InputError("finite numbers", "NaN or infinity in the data", "drop or impute them")
    shift = np.asarray(total) / n
    eps = float(np.finfo(X.dtype).eps)
    stats_of = dask.delayed(chunk_stats)

    def em_pass(params):
        return sum_stats(
            dask.compute(*[stats_of(b, shift, params, est.covariance_type) for b in blocks])
        )

    def start(rng):
        return _dask_start(est, X, blocks, shift, rng, eps)

    est._run_em(em_pass, start, shift, eps)
    return est


def _dask_start(est, X, blocks, shift, rng, eps):
    """Starting parameters: the user's, or k-means on a sample of rows then one labelling pass."""
    import dask

    n = X.shape[0]
    if all_given(est):
        return given_params(est, shift)
    share = min(1.0, SAMPLE_ROWS / n)
    seed = int(rng.randint(2**31))
    sample = np.concatenate(
        dask.compute(
            *[dask.delayed(_block_sample)(b, share, seed + i) for i, b in enumerate(blocks)]
        )
    )
    if len(sample) < est.n_components:
        sample = X[: max(est.n_components, 1000)].compute()
    centres = KMeans(est.n_components, n_init=1, random_state=rng).fit(sample - shift)
    label = dask.delayed(_label_stats)
    stats = sum_stats(
        dask.compute(
            *[label(b, shift, centres, est.n_components, est.covariance_type) for b in blocks]
        )
    )
    return apply_overrides(est, m_step(stats, est.covariance_type, est.reg_covar, eps), shift)


def _label_stats(block, shift, centres, k, covariance_type):
    centred = block - shift
    return hard_stats(centred, centres.predict(centred), k, covariance_type)
