"""``notelab gmm fit``: fit a Gaussian mixture to a file and report, assign and plot it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import numpy as np
from rich.table import Table

from notelab._util import InputError
from notelab.cli._common import emit_json, json_option, stdout_console
from notelab.cli._engine import check_engine, dask_client, engine_options
from notelab.mixture import COVARIANCE_TYPES, CRITERIA, FitOptions, FitOutputs, FitReport, fit_file

DEFAULTS = FitOptions()
Command = TypeVar("Command", bound=Callable[..., Any])
with_engine: Callable[[Command], Command] = engine_options  # typed: the shared helper is not


def _parse_k(value: str) -> int | None:
    if value == "auto":
        return None
    if not value.isdigit() or int(value) < 1:
        raise InputError("--k as a positive integer or 'auto'", repr(value), "e.g. --k 3")
    return int(value)


def _print(summary: dict[str, Any]) -> None:
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
    for row in summary.get("selection", []):
        console.print(
            f"k={row['n_components']}: BIC {row['bic']:.6g}, AIC {row['aic']:.6g}", highlight=False
        )


@click.group("gmm")
def gmm_group() -> None:
    """Gaussian mixtures fitted by EM (note 4)."""


@gmm_group.command("fit")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--columns", help="Comma-separated columns (default: every column of numbers).")
@click.option(
    "--k", "k_text", default=str(DEFAULTS.k), show_default=True, help="Components, or 'auto'."
)
@click.option(
    "--k-max",
    type=click.IntRange(1, 100),
    default=DEFAULTS.k_max,
    show_default=True,
    help="Largest k tried by --k auto.",
)
@click.option(
    "--covariance",
    type=click.Choice(COVARIANCE_TYPES),
    default=DEFAULTS.covariance_type,
    show_default=True,
)
@click.option(
    "--criterion",
    type=click.Choice(CRITERIA),
    default=DEFAULTS.criterion,
    show_default=True,
    help="How --k auto chooses.",
)
@click.option("--seed", type=int, default=DEFAULTS.seed, show_default=True)
@click.option(
    "--assign",
    type=click.Path(path_type=Path),
    help="Write each row's component and probabilities (CSV).",
)
@click.option("--plot", type=click.Path(path_type=Path), help="Draw data and components (PNG).")
@with_engine
@json_option
def gmm_fit(
    file: Path,
    columns: str | None,
    k_text: str,
    k_max: int,
    covariance: str,
    criterion: str,
    seed: int,
    assign: Path | None,
    plot: Path | None,
    engine: str,
    workers: int | None,
    scheduler: str | None,
    as_json: bool,
) -> None:
    """Fit a Gaussian mixture to FILE (CSV, Parquet, JSONL or .npy; a .npy is read in chunks).

    By default every column of numbers is used; a column of text is left out with a warning,
    and a cell that is not a number in a used column is an error naming its row and column.

    \b
    Examples:
      notelab gmm fit data.csv --columns x,y --k 3 --plot fit.png
      notelab gmm fit data.parquet --k auto --k-max 8 --criterion bic --json
      notelab gmm fit big.npy --k 4 --covariance diag --assign labels.csv
      notelab gmm fit big.npy --k 4 --engine dask --workers 4
    """
    check_engine(engine, workers, scheduler)
    options = FitOptions(
        k=_parse_k(k_text),
        k_max=k_max,
        covariance_type=covariance,
        criterion=criterion,
        seed=seed,
        columns=tuple(columns.split(",")) if columns else None,
        engine=engine,
    )
    report: FitReport = fit_file(
        file,
        options,
        FitOutputs(assign=assign, plot=plot),
        cluster=lambda: dask_client(workers, scheduler),
    )
    summary = report.as_dict()
    if as_json:
        emit_json(summary)
        return
    _print(summary)
    for message in summary["warnings"]:
        click.echo(f"warning: {message}", err=True)
