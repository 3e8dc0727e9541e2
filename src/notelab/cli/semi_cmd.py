"""``notelab semi``: semi- and self-supervised learning when most rows have no label (note 7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from notelab._util import InputError
from notelab._util.estimate import Estimate
from notelab.cli._common import emit_json, json_option, progress_bar, stdout_console

DATASET_NAMES = ("digits", "moons", "circles", "breast_cancer", "wine")
DEFAULT_FRACTIONS = "0.01,0.02,0.05,0.1,1"
DEFAULT_METHODS = "logistic,self-training,label-spreading"


def _fractions(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or any(not 0 < v <= 1 for v in values):
        raise InputError(
            "--fractions as shares in (0, 1], comma-separated",
            repr(text),
            "e.g. --fractions 0.01,0.05,1",
        )
    return sorted(set(values))


def _methods(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def source_options(function: Any) -> Any:
    """DATA, --dataset, --target and --image-shape, shared by both subcommands."""
    function = click.option(
        "--image-shape",
        metavar="HxW",
        help="Rows are flattened images of this shape (e.g. 28x28): neighbours and views allow "
        "1-2 pixel shifts. The built-in digits are 8x8 already.",
    )(function)
    function = click.option(
        "--dataset",
        type=click.Choice(DATASET_NAMES),
        help="A built-in data set instead of DATA (its target column is 'target').",
    )(function)
    function = click.option("--target", help="The label column; empty cells are unlabelled.")(
        function
    )
    return click.argument("data", required=False, type=click.Path(path_type=Path))(function)


def _table(
    data: Path | None, dataset: str | None, target: str | None, image_shape: str | None
) -> Any:
    from notelab.learning.files import load_table
    from notelab.learning.tables import parse_image_shape

    return load_table(data, dataset, target, parse_image_shape(image_shape))


@click.group("semi")
def semi_group() -> None:
    """Semi- and self-supervised learning side by side as labels get scarce (note 7).

    \b
    Examples:
      notelab semi compare --dataset digits --fractions 0.01,0.05,1 --seeds 3
      notelab semi label data.csv --target label --output labelled.csv
    """


@semi_group.command("compare")
@source_options
@click.option(
    "--fractions",
    default=DEFAULT_FRACTIONS,
    show_default=True,
    help="Labelled shares of the training rows (at least one row of every class).",
)
@click.option(
    "--methods",
    default=DEFAULT_METHODS,
    show_default=True,
    help="Comma-separated methods (see 'Methods' below).",
)
@click.option("--seeds", type=click.IntRange(1, 100), default=5, show_default=True)
@click.option("--plot", type=click.Path(path_type=Path), help="Draw the curve (PNG).")
@json_option
def compare_command(
    data: Path | None,
    target: str | None,
    dataset: str | None,
    image_shape: str | None,
    fractions: str,
    methods: str,
    seeds: int,
    plot: Path | None,
    as_json: bool,
) -> None:
    """Accuracy against the labelled fraction, per method, on DATA (CSV, Parquet, JSONL).

    For each seed, 30% of the rows are held out for testing (stratified); of the rest, a
    labelled subset with a row of every class is drawn for each fraction, and every other
    row's label is hidden from the methods (replaced by -1). Each cell is the mean test
    accuracy over the seeds with its 95% interval. Rows whose target is empty are left out.

    \b
    Methods: logistic, mlp (labels only); self-training, label-spreading,
             label-propagation, fixmatch (semi-supervised); masked-probe, masked-finetune,
             contrastive-probe, contrastive-finetune (self-supervised); masked+fixmatch (both).
             mlp, fixmatch and the self-supervised ones need PyTorch.
    Examples:
      notelab semi compare --dataset digits --plot digits.png
      notelab semi compare data.csv --target label --fractions 0.02,0.1,1 --seeds 3
      notelab semi compare --dataset moons --methods logistic,label-spreading,masked-probe --json
    """
    from notelab.learning.files import check_compare, compare_data

    table = _table(data, dataset, target, image_shape)
    fraction_list, method_list = _fractions(fractions), _methods(methods)
    check_compare(table, method_list)
    with progress_bar(disable=as_json) as bar:
        task = bar.add_task("fits", total=None)
        result, left_out = compare_data(
            table,
            fractions=fraction_list,
            methods=method_list,
            seeds=seeds,
            plot=plot,
            progress=lambda done, total, what: bar.update(
                task, completed=done, total=total, description=what
            ),
        )
    document = {**result.as_dict(), "rows_without_label_left_out": left_out}
    if as_json:
        emit_json(document)
        return
    _print_curve(document)


def _print_curve(document: dict[str, Any]) -> None:
    table = Table(
        title=f"Test accuracy: mean of {len(document['seeds'])} seeds ± half its 95% interval",
        caption=f"{document['train_rows']:,} training rows, {document['test_rows']:,} test rows",
    )
    table.add_column("method", no_wrap=True)
    for fraction in document["fractions"]:
        labelled = next(p["labelled"] for p in document["points"] if p["fraction"] == fraction)
        table.add_column(f"{fraction:.0%}\n{labelled:,} labels", justify="right", no_wrap=True)
    for method in document["methods"]:
        cells = [
            Estimate(p["accuracy"], p["accuracy_low"], p["accuracy_high"], p["seeds"]).brief()
            for p in document["points"]
            if p["method"] == method
        ]
        table.add_row(method, *cells)
    console = stdout_console()
    console.print(table)
    if document["rows_without_label_left_out"]:
        console.print(f"{document['rows_without_label_left_out']:,} rows without a label left out")


@semi_group.command("label")
@source_options
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(path_type=Path),
    help="Where to write every row with 'predicted' and 'confidence' (CSV, Parquet, JSONL).",
)
@click.option(
    "--method",
    default="auto",
    show_default=True,
    help="A method name, or 'auto': the best by cross-validation on the labelled rows.",
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0, 1),
    default=0.9,
    show_default=True,
    help="Below this, an unlabelled row's prediction stays empty (its confidence is kept).",
)
@click.option("--classes", help="Comma-separated classes that must each have a labelled row.")
@click.option(
    "--hide",
    type=float,
    help="Hide this share of the labels first (a demo on a fully labelled table; the hidden "
    "rows are scored).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@json_option
def label_command(
    data: Path | None,
    target: str | None,
    dataset: str | None,
    image_shape: str | None,
    output: Path,
    method: str,
    min_confidence: float,
    classes: str | None,
    hide: float | None,
    seed: int,
    as_json: bool,
) -> None:
    """Predict the empty target cells of DATA; write every row and column plus two more.

    The output keeps every input row and column in order and adds 'predicted' (the given
    label on labelled rows; the prediction where confident enough, else empty) and
    'confidence' (1 on labelled rows).

    \b
    Examples:
      notelab semi label data.csv --target label --output labelled.csv
      notelab semi label data.parquet --target y --method label-spreading -o out.parquet
      notelab semi label --dataset digits --hide 0.98 -o digits.csv
    """
    from notelab.learning.files import label_data, prepare_label

    table = _table(data, dataset, target, image_shape)
    class_list = [c.strip() for c in classes.split(",")] if classes else None
    truth = prepare_label(
        table, output=output, source=data, hide=hide, method=method, classes=class_list, seed=seed
    )
    with progress_bar(disable=as_json) as bar:
        task = bar.add_task("labelling", total=None)
        report = label_data(
            table,
            output=output,
            truth=truth,
            method=method,
            min_confidence=min_confidence,
            seed=seed,
            classes=class_list,
            progress=lambda done, total, what: bar.update(
                task, completed=done, total=total, description=what
            ),
        )
    document = report.as_dict()
    if as_json:
        emit_json(document)
        return
    _print_label(document)


def _print_label(document: dict[str, Any]) -> None:
    console = stdout_console()
    if document["cross_validation_accuracy"]:
        table = Table(
            title="Cross-validated accuracy on the labelled rows",
            caption=f"confidence: probabilities divided by temperature "
            f"{document['temperature']:.2f}, fitted on the same folds",
        )
        table.add_column("method")
        table.add_column("accuracy", justify="right")
        for name, score in document["cross_validation_accuracy"].items():
            table.add_row(
                name + (" (chosen)" if name == document["method"] else ""), f"{score:.3f}"
            )
        console.print(table)
    console.print(
        f"{document['method']}: {document['rows']:,} rows = {document['labelled_before']:,} "
        f"labelled + {document['newly_labelled']:,} newly labelled + "
        f"{document['left_empty']:,} left empty (below the confidence floor) "
        f"-> {document['output']}",
        highlight=False,
    )
    if document["accuracy_on_hidden_rows"] is not None:
        console.print(
            f"hidden rows: {document['hidden_rows']:,}, of which "
            f"{document['hidden_rows_predicted']:,} got a prediction; "
            f"{document['accuracy_on_hidden_rows']:.3f} of those are right",
            highlight=False,
        )
    for note in document["notes"]:
        console.print(f"note: {note}")
