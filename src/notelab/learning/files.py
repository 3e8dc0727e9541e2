"""The command line's pipelines: read a table (or a built-in data set), run, write.

Each function is what one ``notelab semi`` subcommand does, so the command module only parses
options and renders the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from notelab._util import InputError, atomic_write_bytes, atomic_write_png, atomic_writer
from notelab._util.frames import read_frame
from notelab._util.paths import refuse_overwriting_inputs
from notelab._util.threads import one_native_thread
from notelab.learning.label import Labelling, label_rows
from notelab.learning.protocol import Curve, curve
from notelab.learning.tables import LabelledTable, from_dataset, from_frame

OUTPUT_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".jsonl", ".jsonl.gz")


def load_table(
    data: Path | None,
    dataset: str | None,
    target: str | None,
    image_shape: tuple[int, int] | None = None,
) -> LabelledTable:
    """The table from DATA and ``--target``, or a built-in ``--dataset`` (one of the two)."""
    if (data is None) == (dataset is None):
        raise InputError(
            "either a DATA file or --dataset", "both" if data else "neither", "pass one"
        )
    if dataset is not None:
        table = from_dataset(dataset)
        return (
            table
            if image_shape is None
            else from_frame(table.frame, "target", image_shape=image_shape)
        )
    if not target or data is None:
        raise InputError("--target naming the label column", "none", "e.g. --target label")
    return from_frame(read_frame(data), target, image_shape=image_shape)


def compare_data(
    table: LabelledTable,
    *,
    fractions: Sequence[float],
    methods: Sequence[str],
    seeds: int,
    plot: Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[Curve, int]:
    """:func:`~notelab.learning.curve` on the table's labelled rows; draw it when asked.

    Returns the curve and how many rows were left out for having no label.
    """
    labelled, y = check_compare(table, methods)
    with one_native_thread():  # many small fits: extra BLAS threads only wait for each other
        result = curve(
            table.X[labelled],
            y,
            fractions=fractions,
            seeds=seeds,
            methods=methods,
            image_shape=table.image_shape,
            progress=progress,
        )
    if plot is not None:
        from notelab.learning.plot import curve_figure

        atomic_write_png(plot, curve_figure(result.as_dict()))
    return result, int((~labelled).sum())


def check_compare(table: LabelledTable, methods: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The labelled rows and their labels as text, or one clear error before any work."""
    from notelab.learning.methods import check_methods
    from notelab.learning.protocol import TEST_SIZE, check_classes

    check_methods(methods)
    labelled = table.labelled
    if not labelled.any():
        raise InputError(
            f"labelled rows in {table.target!r} to compare on",
            "every target is empty",
            "compare needs the true label of every row it uses",
        )
    y = np.array([str(v) for v in table.labels[labelled]])
    check_classes(np.unique(y, return_inverse=True)[1], TEST_SIZE)
    return labelled, y


def hide_share(table: LabelledTable, share: float, seed: int) -> np.ndarray:
    """Hide the labels of a random ``share`` of the rows (keeping a row of every class).

    Returns the hidden labels' true values (``None`` where kept), for scoring afterwards.
    """
    if not 0 < share < 1:
        raise InputError("--hide as a share between 0 and 1", repr(share), "e.g. --hide 0.98")
    rng = np.random.default_rng(seed)
    keep = rng.random(len(table.labels)) >= share
    for value in sorted({str(v) for v in table.labels if v is not None}):
        rows = np.flatnonzero([str(v) == value for v in table.labels])
        keep[rng.choice(rows)] = True
    truth = table.labels.copy()
    truth[keep] = None
    table.labels = table.labels.copy()
    table.labels[~keep] = None
    table.frame = table.frame.assign(**{table.target: table.labels})
    return truth


@dataclass
class LabelReport:
    """What ``semi label`` did, as plain numbers, for the terminal and ``--json``."""

    labelling: Labelling
    rows: int
    output: str
    hidden: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """Plain values; the counts add up to ``rows``."""
        done = self.labelling
        return {
            "output": self.output,
            "method": done.method,
            "cross_validation_accuracy": done.scores,
            "temperature": done.temperature,
            "rows": self.rows,
            "labelled_before": done.labelled_before,
            "newly_labelled": done.newly_labelled,
            "left_empty": done.left_empty,
            "hidden_rows": self.hidden.get("rows"),
            "hidden_rows_predicted": self.hidden.get("predicted"),
            "accuracy_on_hidden_rows": self.hidden.get("accuracy"),
            "notes": done.notes,
        }


def prepare_label(
    table: LabelledTable,
    *,
    output: Path,
    source: Path | None = None,
    hide: float | None = None,
    method: str = "auto",
    classes: Sequence[Any] | None = None,
    seed: int = 0,
) -> np.ndarray | None:
    """Every check of ``semi label`` before any work; hides labels for ``--hide``.

    Returns the hidden labels' true values (``None`` without ``--hide``).
    """
    from notelab.learning.label import check_labels
    from notelab.learning.methods import check_methods

    check_output(output, source, table)
    if method != "auto":
        check_methods([method])
    truth = hide_share(table, hide, seed) if hide is not None else None
    check_labels(table, classes)
    return truth


def label_data(
    table: LabelledTable,
    *,
    output: Path,
    truth: np.ndarray | None = None,
    **options: Any,
) -> LabelReport:
    """Label the table's empty rows and write every row and column plus two new columns.

    ``truth``: the labels :func:`prepare_label` hid, to score the predictions against.
    """
    done = label_rows(table, **options)
    frame = table.frame.assign(predicted=done.predicted, confidence=done.confidence)
    write_frame(frame, output)
    return LabelReport(done, len(frame), str(output), _score_hidden(truth, done.predicted))


def _score_hidden(truth: np.ndarray | None, predicted: np.ndarray) -> dict[str, Any]:
    """How many hidden rows got a prediction, and the share of those that are right."""
    if truth is None:
        return {}
    rows = np.array([t is not None for t in truth])
    answered = rows & np.array([p is not None for p in predicted])
    right = [str(p) == str(t) for p, t in zip(predicted[answered], truth[answered], strict=True)]
    return {
        "rows": int(rows.sum()),
        "predicted": int(answered.sum()),
        "accuracy": float(np.mean(right)) if right else None,
    }


def check_output(output: Path, source: Path | None, table: LabelledTable) -> None:
    """Refuse an output that is the input, an unknown format, or a clash of column names."""
    name = Path(output).name.lower()
    if not name.endswith(OUTPUT_SUFFIXES):
        raise InputError(
            f"--output ending in {', '.join(OUTPUT_SUFFIXES)}",
            repr(Path(output).name),
            "e.g. --output labelled.csv",
        )
    refuse_overwriting_inputs([output], [] if source is None else [source])
    clash = [c for c in ("predicted", "confidence") if c in table.frame.columns]
    if clash:
        raise InputError(
            "a table without 'predicted' or 'confidence' columns",
            f"column {clash[0]!r} already there",
            "rename it first",
        )


def write_frame(frame: Any, path: Path) -> None:
    """Write ``frame`` atomically in the format its suffix names (CSV, Parquet, JSONL)."""
    name = Path(path).name.lower()
    if name.endswith(".parquet"):
        import io

        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        atomic_write_bytes(path, buffer.getvalue())
        return
    with atomic_writer(path) as handle:
        if ".jsonl" in name:
            frame.to_json(handle, orient="records", lines=True)
        else:
            frame.to_csv(handle, index=False)
