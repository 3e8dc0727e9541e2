"""``notelab gmm fit``: fit a Gaussian mixture to a table and report, assign and plot it."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import click
import numpy as np
from rich.table import Table

from notelab._util import InputError, atomic_write_png, atomic_writer
from notelab.cli._common import emit_json, json_option, stdout_console
from notelab.cli._engine import check_engine, dask_client, engine_options
from notelab.mixture import COVARIANCE_TYPES, CRITERIA, GaussianMixture, NpyFileSource
from notelab.mixture.plot import plot_mixture
from notelab.mixture.select import select_components
from notelab.mixture.tables import read_table

ROWS_PER_CHUNK = 500_000


def _chunks(data):
    if isinstance(data, NpyFileSource):
        yield from data.chunks(ROWS_PER_CHUNK)
    else:
        for start in range(0, len(data), ROWS_PER_CHUNK):
            yield data[start : start + ROWS_PER_CHUNK]


def _parse_k(value: str) -> int | None:
    if value == "auto":
        return None
    if not value.isdigit() or int(value) < 1:
        raise InputError("--k as a positive integer or 'auto'", repr(value), "e.g. --k 3")
    return int(value)


def _fit(data, k, k_max, covariance, criterion, seed, engine, workers, scheduler):
    params = {"covariance_type": covariance, "random_state": seed}
    if engine == "dask":
        import dask.array as da

        array = data if not isinstance(data, NpyFileSource) else np.load(data.path, mmap_mode="r")
        with dask_client(workers, scheduler):
            dask_data = da.from_array(array, chunks=(ROWS_PER_CHUNK, -1))
            return GaussianMixture(k or 1, **params).fit(dask_data), None
    if k is None:
        if isinstance(data, NpyFileSource):
            raise InputError("--k N for a .npy file", "--k auto", "choose k on a sample first")
        selection = select_components(data, range(1, k_max + 1), criterion=criterion, **params)
        return selection.best, selection.table
    return GaussianMixture(k, **params).fit(data), None


def _summary(model: GaussianMixture, data, names: list[str]) -> dict[str, Any]:
    total = n = 0
    for chunk in _chunks(data):
        total += float(model.score_samples(chunk).sum())
        n += len(chunk)
    p = model._n_parameters()
    return {
        "n_components": model.n_components,
        "covariance_type": model.covariance_type,
        "columns": names,
        "rows": n,
        "weights": model.weights_.tolist(),
        "means": model.means_.tolist(),
        "covariances": model.covariances_.tolist(),
        "log_likelihood": total,
        "log_likelihood_per_row": total / n,
        "bic": -2 * total + p * np.log(n),
        "aic": -2 * total + 2 * p,
        "iterations": model.n_iter_,
        "converged": bool(model.converged_),
    }


def _write_assignments(path: Path, model: GaussianMixture, data) -> None:
    k = model.n_components
    with atomic_writer(path) as handle:
        handle.write("row,component," + ",".join(f"p{j}" for j in range(k)) + "\n")
        row = 0
        for chunk in _chunks(data):
            proba = model.predict_proba(chunk)
            block = np.column_stack([np.arange(row, row + len(chunk)), proba.argmax(axis=1), proba])
            np.savetxt(handle, block, delimiter=",", fmt=["%d", "%d"] + ["%.6g"] * k)
            row += len(chunk)


def _print(summary: dict[str, Any], selection) -> None:
    console = stdout_console()
    table = Table(
        title=f"Gaussian mixture: {summary['n_components']} components, "
        f"{summary['covariance_type']} covariance"
    )
    for name in ("component", "weight", "mean", "covariance (diagonal)"):
        table.add_column(name)
    for j, (w, m, c) in enumerate(
        zip(summary["weights"], summary["means"], summary["covariances"], strict=True)
    ):
        diag = np.diag(c) if np.ndim(c) == 2 else np.ravel(c)
        table.add_row(
            str(j),
            f"{w:.4f}",
            np.array2string(np.asarray(m), precision=4),
            np.array2string(np.asarray(diag), precision=4),
        )
    console.print(table)
    console.print(
        f"log-likelihood {summary['log_likelihood']:.6g} "
        f"({summary['log_likelihood_per_row']:.6g} per row), BIC {summary['bic']:.6g}, "
        f"AIC {summary['aic']:.6g}, {summary['iterations']} iterations, "
        f"converged: {summary['converged']}",
        highlight=False,
    )
    for row in selection or []:
        console.print(
            f"k={row['n_components']}: BIC {row['bic']:.6g}, AIC {row['aic']:.6g}", highlight=False
        )


@click.group("gmm")
def gmm_group() -> None:
    """Gaussian mixtures fitted by EM (note 4)."""


@gmm_group.command("fit")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--columns", help="Comma-separated columns (default: every numeric column).")
@click.option("--k", "k_text", default="2", show_default=True, help="Components, or 'auto'.")
@click.option(
    "--k-max",
    type=click.IntRange(1, 100),
    default=10,
    show_default=True,
    help="Largest k tried by --k auto.",
)
@click.option(
    "--covariance", type=click.Choice(COVARIANCE_TYPES), default="full", show_default=True
)
@click.option(
    "--criterion",
    type=click.Choice(CRITERIA),
    default="bic",
    show_default=True,
    help="How --k auto chooses.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--assign",
    type=click.Path(path_type=Path),
    help="Write each row's component and probabilities (CSV).",
)
@click.option("--plot", type=click.Path(path_type=Path), help="Draw data and components (PNG).")
@engine_options
@json_option
def gmm_fit(
    file,
    columns,
    k_text,
    k_max,
    covariance,
    criterion,
    seed,
    assign,
    plot,
    engine,
    workers,
    scheduler,
    as_json,
) -> None:
    """Fit a Gaussian mixture to FILE (CSV, Parquet or .npy; a .npy is read in chunks).

    \b
    Examples:
      notelab gmm fit data.csv --columns x,y --k 3 --plot fit.png
      notelab gmm fit data.parquet --k auto --k-max 8 --criterion bic --json
      notelab gmm fit big.npy --k 4 --covariance diag --assign labels.csv
      notelab gmm fit big.npy --k 4 --engine dask --workers 4
    """
    check_engine(engine, workers, scheduler)
    k = _parse_k(k_text)
    if engine == "dask" and k is None:
        raise InputError("--k N with --engine dask", "--k auto", "pick k on a sample first")
    data, names = read_table(file, columns.split(",") if columns else None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, selection = _fit(
            data, k, k_max, covariance, criterion, seed, engine, workers, scheduler
        )
    summary = _summary(model, data, names)
    summary["warnings"] = sorted({str(w.message) for w in caught})
    if selection:
        summary["selection"] = selection
    if assign:
        _write_assignments(assign, model, data)
    if plot:
        sample = data if not isinstance(data, NpyFileSource) else next(_chunks(data))
        atomic_write_png(plot, plot_mixture(model, sample))
    if as_json:
        emit_json(summary)
    else:
        _print(summary, selection)
        for message in summary["warnings"]:
            click.echo(f"warning: {message}", err=True)
