"""``notelab classify``: compare classifiers, profile their pros and cons, explain a tree."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from notelab._util import InputError
from notelab.cli._common import emit_json, json_option, progress_bar, stdout_console

METRIC_CHOICES = ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "log_loss", "brier")


def _names(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def _counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        counts = (-1,)
    if any(c < 1 for c in counts):
        raise InputError("--noise as positive integers, e.g. 10,100", repr(text), "e.g. 10,100")
    return counts


def data_options(function: Any) -> Any:
    """DATA, --target and --categorical, shared by the subcommands."""
    function = click.option(
        "--categorical", metavar="COLS", help="Comma-separated columns that hold categories."
    )(function)
    function = click.option("--target", required=True, help="The column with the class labels.")(
        function
    )
    return click.argument("data", type=click.Path(path_type=Path))(function)


def run_options(function: Any) -> Any:
    """--models, --seed, --jobs and --scheduler, shared by compare and profile."""
    function = click.option(
        "--scheduler", metavar="ADDR", help="Run the folds on a Dask scheduler (tcp://host:8786)."
    )(function)
    function = click.option(
        "--jobs", type=int, default=-1, show_default=True, help="Parallel jobs (-1: every core)."
    )(function)
    function = click.option("--seed", type=int, default=0, show_default=True)(function)
    return click.option(
        "--models", metavar="NAMES", help="Comma-separated models (default: all twelve families)."
    )(function)


@contextmanager
def _captured() -> Iterator[list[str]]:
    """Library warnings (ConvergenceWarning...) collected, to list after the table."""
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield messages
    messages.extend(sorted({f"{w.category.__name__}: {w.message}" for w in caught}))


@click.group("classify")
def classify_group() -> None:
    """Compare classifiers on a table, with note 2's pros and cons measured.

    \b
    Examples:
      notelab classify compare data.csv --target label
      notelab classify profile data.csv --target label --plot profile.png
      notelab classify explain data.csv --target label --row 0
    """


@classify_group.command("compare")
@data_options
@run_options
@click.option("--cv", type=int, default=5, show_default=True, help="Folds (1: an 80/20 holdout).")
@click.option("--repeats", type=int, default=2, show_default=True, help="Repeats of the k-fold.")
@click.option(
    "--metric",
    type=click.Choice(METRIC_CHOICES),
    default="balanced_accuracy",
    show_default=True,
    help="The metric that ranks the models and decides ties.",
)
@click.option("--plot", type=click.Path(path_type=Path), help="Draw the leaderboard (PNG).")
@json_option
def compare_command(
    data: Path,
    target: str,
    categorical: str | None,
    models: str | None,
    seed: int,
    jobs: int,
    scheduler: str | None,
    cv: int,
    repeats: int,
    metric: str,
    plot: Path | None,
    as_json: bool,
) -> None:
    """Rank classifiers on DATA (CSV, Parquet or JSONL) by repeated stratified k-fold.

    Every model runs on the same folds inside a leak-free pipeline; each mean has the
    Nadeau-Bengio corrected 95% interval, and each model is tested against the best with the
    corrected resampled t-test: "tied" means the test cannot tell it from the best (p >= 0.05).

    \b
    Models: tree, forest, extra_trees, boosting, logistic, knn, svm, linear_svm,
            naive_bayes, lda, qda, mlp (and pruned_tree on request).
    Examples:
      notelab classify compare iris.csv --target species
      notelab classify compare churn.parquet --target churned --categorical plan,region \\
          --models tree,forest,boosting,logistic --metric roc_auc --plot board.png
      notelab classify compare data.csv --target y --cv 1 --repeats 1   (one holdout split)
      notelab classify compare data.csv --target y --scheduler tcp://10.0.0.5:8786 --json
    """
    from notelab.classify.files import compare_file

    with progress_bar(disable=as_json) as bar, _captured() as messages:
        task = bar.add_task("folds", total=None)
        result = compare_file(
            data,
            target=target,
            categorical=_names(categorical),
            plot=plot,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            models=models,
            cv=cv,
            repeats=repeats,
            metric=metric,
            n_jobs=jobs,
            random_state=seed,
            scheduler=scheduler,
        )
    document = result.as_dict()
    document["warnings"] = messages
    if as_json:
        emit_json(document)
        return
    _print_leaderboard(document)
    _print_warnings(messages)


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.1f}"


def _print_leaderboard(document: dict[str, Any]) -> None:
    from rich import box

    metric = document["metric"]
    table = Table(
        title=f"{document['cv']}-fold x {document['repeats']} repeats, ranked by {metric}",
        box=box.SIMPLE_HEAD,
    )
    for name in ("model", "mean", "95% interval", "tied", "ROC AUC", "fit ms", "predict ms"):
        table.add_column(name, justify="left" if name == "model" else "right")
    for m in document["models"]:
        s, auc = m["metrics"][metric], m["metrics"].get("roc_auc", {})
        tied = {True: "yes", False: "no", None: "-"}[m["tied_with_best"]]
        table.add_row(
            m["name"] + (" (failed)" if m["error"] else ""),
            _number(s["mean"]),
            f"{_number(s['low'])}-{_number(s['high'])}",
            "best" if m["name"] == document["best"] else tied,
            _number(auc.get("mean")),
            _ms(m["fit_seconds"]),
            _ms(m["predict_seconds"]),
        )
    console = stdout_console()
    console.print(table)
    console.print(
        f"best: {document['best']}; tied: the corrected resampled t-test on the same "
        f"{document['folds']} folds cannot tell the model from the best (p >= 0.05).",
        highlight=False,
    )
    for m in document["models"]:
        if m["error"]:
            console.print(f"{m['name']} failed: {m['error']}", highlight=False)


def _print_warnings(messages: list[str]) -> None:
    for message in messages:
        click.echo(f"warning: {message}", err=True)


@classify_group.command("profile")
@data_options
@run_options
@click.option("--cv", type=int, default=3, show_default=True, help="Folds for every score.")
@click.option(
    "--max-rows",
    type=click.IntRange(min=10),
    default=2000,
    show_default=True,
    help="Profile a stratified sample of at most this many rows.",
)
@click.option(
    "--noise", default="10,100,1000", show_default=True, help="Noise columns to add, in turn."
)
@click.option("--plot", type=click.Path(path_type=Path), help="Draw depth and noise curves (PNG).")
@json_option
def profile_command(
    data: Path,
    target: str,
    categorical: str | None,
    models: str | None,
    seed: int,
    jobs: int,
    scheduler: str | None,
    cv: int,
    max_rows: int,
    noise: str,
    plot: Path | None,
    as_json: bool,
) -> None:
    """Measure each classifier's pros and cons on DATA (note 2).

    Per model: the train-test gap (overfitting); for the tree, the gap against depth and with
    pruning chosen by CV; without a scaler, the share of unchanged predictions and the score
    change when features are rescaled by random factors, logged or ranked (trees: no change;
    kNN and SVM: large changes); the score as irrelevant noise columns are added; fit and
    predict time against rows. Scores are balanced accuracy.

    \b
    Examples:
      notelab classify profile data.csv --target label
      notelab classify profile data.parquet --target y --models tree,forest,knn --plot p.png
      notelab classify profile data.csv --target y --noise 10,100 --max-rows 1000 --json
    """
    from notelab.classify.files import profile_file

    with progress_bar(disable=as_json) as bar, _captured() as messages:
        task = bar.add_task("profile", total=5)
        result = profile_file(
            data,
            target=target,
            categorical=_names(categorical),
            plot=plot,
            noise=_counts(noise),
            models=models,
            cv=cv,
            max_rows=max_rows,
            n_jobs=jobs,
            random_state=seed,
            scheduler=scheduler,
            progress=lambda part: bar.update(task, description=part, advance=1),
        )
    document = result.as_dict()
    document["warnings"] = messages
    if as_json:
        emit_json(document)
        return
    _print_profile(document)
    _print_warnings(messages)


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    from rich import box

    table = Table(title=title, box=box.SIMPLE_HEAD)
    for k, name in enumerate(columns):
        table.add_column(name, justify="left" if k == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def _signed(value: float) -> str:
    return f"{value:+.3f}"


def _print_profile(document: dict[str, Any]) -> None:
    models, rows = document["models"], document["rows"]
    gap = [[m, *(_number(document["gap"][m][k]) for k in ("train", "test", "gap"))] for m in models]
    sens = [
        [
            m,
            f"{document['sensitivity'][m]['rescale']['agreement']:.1%}",
            *(_signed(document["sensitivity"][m][k]["change"]) for k in ("rescale", "log", "rank")),
        ]
        for m in models
    ]
    noise = [int(k) for k in document["noise"][models[0]]]
    noisy = [[m, *(_number(document["noise"][m][str(k)]) for k in noise)] for m in models]
    depth = [
        [r["model"], "-" if r["depth"] is None else str(r["depth"])]
        + [_number(r[k]) for k in ("train", "test", "gap")]
        for r in document["depth"]
    ]
    console = stdout_console()
    console.print(f"Balanced accuracy, {rows:,} rows, mean over the folds", highlight=False)
    tables = (
        ("Overfitting", ["model", "train", "test", "gap"], gap),
        (
            "No scaler: predictions kept, score change",
            ["model", "same predictions", "rescaled", "log", "rank"],
            sens,
        ),
        ("Noise columns added", ["model", *(f"+{k:,}" for k in noise)], noisy),
        ("Tree depth and pruning", ["model", "max depth", "train", "test", "gap"], depth),
    )
    for title, columns, body in tables:
        console.print(_table(title, columns, body))
    largest = max(r["rows"] for r in document["timing"])
    speed = ", ".join(
        f"{r['model']} {_ms(r['fit_seconds'])}/{_ms(r['predict_seconds'])}"
        for r in document["timing"]
        if r["rows"] == largest
    )
    console.print(f"fit/predict ms at {largest:,} training rows: {speed}", highlight=False)


@classify_group.command("explain")
@data_options
@click.option("--row", type=int, required=True, help="The row to explain (0 = first data row).")
@click.option("--pruned", is_flag=True, help="Prune the tree by cost-complexity chosen by CV.")
@click.option("--max-depth", type=click.IntRange(min=1), help="Limit the tree's depth.")
@click.option("--seed", type=int, default=0, show_default=True)
@json_option
def explain_command(
    data: Path,
    target: str,
    categorical: str | None,
    row: int,
    pruned: bool,
    max_depth: int | None,
    seed: int,
    as_json: bool,
) -> None:
    """Fit a decision tree on DATA and print ROW's decision path as rules.

    \b
    Examples:
      notelab classify explain iris.csv --target species --row 0
      notelab classify explain churn.csv --target churned --categorical plan --row 12 --pruned
    """
    from notelab.classify.files import explain_file

    result = explain_file(
        data,
        target=target,
        row=row,
        categorical=_names(categorical),
        pruned=pruned,
        max_depth=max_depth,
        random_state=seed,
    )
    if as_json:
        emit_json(result.as_dict())
        return
    click.echo(result.text())
