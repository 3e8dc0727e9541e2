"""A file in, a fitted mixture and its files out: ``notelab gmm fit`` as one library call.

Read the rows (a table or a ``.npy``), fit one k or choose k by BIC/AIC (locally or on the Dask
cluster the caller's client points at), score the fit, then write each row's component and a
picture. An output that is the input is refused before anything is read.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from notelab._util import InputError, atomic_write_png, atomic_writer
from notelab._util.paths import refuse_overwriting_inputs
from notelab.mixture._gaussian import Array
from notelab.mixture._source import NpyFileSource
from notelab.mixture.data_files import MixtureData, read_data
from notelab.mixture.gaussian_mixture import GaussianMixture
from notelab.mixture.select import select_components

PathLike = str | os.PathLike[str]
ROWS_PER_CHUNK = 500_000


@dataclass(frozen=True)
class FitOptions:
    """Everything that decides a run's result, every default in one place.

    Parameters
    ----------
    k : int or None
        Components; None chooses k from 1 to ``k_max`` by ``criterion``.
    k_max : int
        Largest k tried when choosing.
    covariance_type : {"full", "tied", "diag", "spherical"}
    criterion : {"bic", "aic"}
    seed : int
        ``random_state`` of every fit.
    columns : tuple of str, optional
        Table columns to fit (default: every column of numbers).
    engine : {"local", "dask"}
        ``dask`` fits on the cluster of the current Dask client.

    Examples
    --------
    >>> FitOptions().k, FitOptions(k=None).k_max
    (2, 10)
    """

    k: int | None = 2
    k_max: int = 10
    covariance_type: str = "full"
    criterion: str = "bic"
    seed: int = 0
    columns: tuple[str, ...] | None = None
    engine: str = "local"

    def __post_init__(self) -> None:
        if self.k is None and self.engine == "dask":
            raise InputError("--k N with --engine dask", "--k auto", "choose k on a sample first")


@dataclass(frozen=True)
class FitOutputs:
    """Files a run writes; None skips one. ``assign``: CSV of each row's component and
    probabilities; ``plot``: PNG of the data and the components."""

    assign: PathLike | None = None
    plot: PathLike | None = None


@dataclass
class FitReport:
    """A fitted mixture, its scores on the rows it was fitted to, and what was met."""

    model: GaussianMixture
    data: MixtureData
    log_likelihood_per_row: float
    bic: float
    aic: float
    selection: list[dict[str, Any]] | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Everything as one JSON-ready dict."""
        model = self.model
        summary: dict[str, Any] = {
            "n_components": model.n_components,
            "covariance_type": model.covariance_type,
            "columns": self.data.names,
            "rows": self.data.n_rows,
            "weights": model.weights_.tolist(),
            "means": model.means_.tolist(),
            "covariances": model.covariances_.tolist(),
            "log_likelihood": self.log_likelihood_per_row * self.data.n_rows,
            "log_likelihood_per_row": self.log_likelihood_per_row,
            "bic": self.bic,
            "aic": self.aic,
            "iterations": model.n_iter_,
            "converged": bool(model.converged_),
            "warnings": self.warnings,
        }
        if self.selection:
            summary["selection"] = self.selection
        return summary


def _check_options(options: FitOptions, data: MixtureData) -> None:
    n = data.n_rows
    if options.k is not None and options.k > n:
        raise InputError(
            f"k (--k) at most the number of rows ({n})",
            f"--k {options.k}",
            f"pass --k {n} or less, or add rows",
        )
    if options.k is None and options.k_max > n:
        raise InputError(
            f"k_max (--k-max) at most the number of rows ({n}) with --k auto",
            f"--k-max {options.k_max}",
            f"pass --k-max {n} or less",
        )
    if options.k is None and isinstance(data.rows, NpyFileSource):
        raise InputError("--k N for a .npy file", "--k auto", "choose k on a sample first")


def _fit_input(options: FitOptions, data: MixtureData) -> Any:
    """What the model is fitted to and scored on: the rows, or a Dask array over them whose
    blocks the workers read (a ``.npy`` file) or are sent (an in-memory table)."""
    if options.engine != "dask":
        return data.rows
    from notelab.mixture._dask_source import dask_module, npy_dask_array

    if isinstance(data.rows, NpyFileSource):
        return npy_dask_array(data.rows, ROWS_PER_CHUNK)
    return dask_module("dask.array").from_array(data.rows, chunks=(ROWS_PER_CHUNK, -1))


def _fit(options: FitOptions, rows: Any) -> tuple[GaussianMixture, list[dict[str, Any]] | None]:
    params: dict[str, Any] = {
        "covariance_type": options.covariance_type,
        "random_state": options.seed,
        "on_collapse": "warn",  # the command line reports a collapse and goes on
    }
    if options.k is None:
        candidates = range(1, options.k_max + 1)
        chosen = select_components(rows, candidates, criterion=options.criterion, **params)
        return chosen.best, chosen.table
    return GaussianMixture(options.k, **params).fit(rows), None


def write_assignments(path: PathLike, model: GaussianMixture, data: MixtureData) -> None:
    """CSV of every row's most probable component and its probabilities, chunk by chunk."""
    k = model.n_components
    with atomic_writer(path) as handle:
        handle.write("row,component," + ",".join(f"p{j}" for j in range(k)) + "\n")
        row = 0
        for chunk in data.chunks(ROWS_PER_CHUNK):
            proba = model.predict_proba(chunk)
            block = np.column_stack([np.arange(row, row + len(chunk)), proba.argmax(axis=1), proba])
            np.savetxt(handle, block, delimiter=",", fmt=["%d", "%d"] + ["%.6g"] * k)
            row += len(chunk)


def write_plot(path: PathLike, model: GaussianMixture, data: MixtureData) -> None:
    """PNG of the data (the first chunk of a ``.npy`` file) and the fitted components."""
    from notelab.mixture.plot import plot_mixture

    sample: Array = next(data.chunks(ROWS_PER_CHUNK))
    atomic_write_png(path, plot_mixture(model, sample))


def fit_file(
    path: PathLike,
    options: FitOptions | None = None,
    outputs: FitOutputs | None = None,
    *,
    cluster: Callable[[], AbstractContextManager[Any]] | None = None,
) -> FitReport:
    """Fit a Gaussian mixture to a file, score it, and write the outputs asked for.

    With ``engine="dask"``, ``cluster`` (if given) is entered once the file has been checked,
    and fitting and scoring run on the Dask client it makes current.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("x\\n" + "\\n".join(str(v) for v in [0, 1, 0, 1, 9, 10, 9, 10]))
    >>> report = fit_file(p, FitOptions(k=2))
    >>> sorted(round(m[0], 1) for m in report.model.means_.tolist())
    [0.5, 9.5]
    """
    options, outputs = options or FitOptions(), outputs or FitOutputs()
    refuse_overwriting_inputs([outputs.assign, outputs.plot], [path])
    data = read_data(path, options.columns)
    _check_options(options, data)
    use_cluster = cluster is not None and options.engine == "dask"
    with cluster() if use_cluster and cluster is not None else contextlib.nullcontext():
        rows = _fit_input(options, data)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model, selection = _fit(options, rows)
        report = FitReport(
            model,
            data,
            model.score(rows),
            model.bic(rows),
            model.aic(rows),
            selection,
            data.left_out + sorted({str(w.message) for w in caught}),
        )
    if outputs.assign is not None:
        write_assignments(outputs.assign, model, data)
    if outputs.plot is not None:
        write_plot(outputs.plot, model, data)
    return report
