"""``notelab norm``: batch, layer, group and RMS normalisation (note 3).

``example`` works the note's 3 x 4 example through, ``stats`` normalises the user's table,
``compare`` trains the user's model with each normalisation at each batch size. torch loads only
when a subcommand runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from notelab._util import InputError, atomic_write_png
from notelab._util.device import DEVICES
from notelab.cli._common import emit_json, json_option, progress_bar, stdout_console

NORM_NAMES = ("batch", "layer", "group", "none")
KIND_NAMES = ("batch", "layer", "group", "rms")
PREVIEW_ROWS = 20


@click.group("norm")
def norm_group() -> None:
    """Batch, layer, group and RMS normalisation, written from scratch and checked against
    PyTorch.

    \b
    Examples:
      notelab norm example                              the note's red/blue/green example
      notelab norm stats data.csv --kind layer          what layer norm computes on a table
      notelab norm compare --batch-sizes 2,8,32         which normalisation at which batch size
    """


# ---- example --------------------------------------------------------------------------------


def _row(label: str, values: list[float]) -> list[str]:
    return [label, *(f"{v:.4g}" for v in values)]


def _print_example(ex: Any) -> None:
    console = stdout_console()
    table = Table(title="input batch")
    for name in ("sample", *ex.features):
        table.add_column(name, justify="right")
    for name, values in zip(ex.samples, ex.values, strict=True):
        table.add_row(*_row(name, values))
    console.print(table)
    for norm, title in ((ex.batch, "batch norm"), (ex.layer, "layer norm")):
        console.print(f"{title}: {norm.over}", highlight=False)
        stats = Table(title=f"{title} statistics")
        for name in ("statistic of", "mean", "variance"):
            stats.add_column(name, justify="right")
        for label, mean, var in zip(norm.labels, norm.mean, norm.var, strict=True):
            stats.add_row(label, f"{mean:.4g}", f"{var:.4g}")
        console.print(stats)
        out = Table(title=f"{title} output")
        for name in ("sample", *ex.features):
            out.add_column(name, justify="right")
        for name, values in zip(ex.samples, norm.output, strict=True):
            out.add_row(*_row(name, values))
        console.print(out)
    console.print(
        f"Feature {ex.constant_feature} is {ex.values[0][-1]:g} in every sample: its batch "
        f"variance is 0, so (x - mean) / sqrt(0 + eps) = {_list(ex.guarded)} with eps = "
        f"{1e-5:g}, and 0 / 0 = {_list(ex.unguarded)} with eps = 0.",
        highlight=False,
        markup=False,
    )
    difference = max(ex.batch.torch_difference, ex.layer.torch_difference)
    console.print(
        f"output = (x - mean) / sqrt(var + {ex.eps:g}); checked against torch.nn.functional: "
        f"largest difference {difference:.2g}.",
        highlight=False,
    )


def _list(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:g}" for v in values) + "]"


@norm_group.command("example")
@click.option("--eps", type=float, default=1e-5, show_default=True, help="Added to each variance.")
@json_option
def norm_example(eps: float, as_json: bool) -> None:
    """The note's example: batch norm's statistics per feature, layer norm's per sample.

    \b
    Examples:
      notelab norm example
      notelab norm example --eps 0 --json
    """
    if not eps >= 0:
        raise InputError("--eps >= 0", str(eps), "e.g. --eps 1e-5")
    from notelab.nn.norm.example import note_example

    result = note_example(eps=eps)
    if as_json:
        emit_json(result.as_dict())
    else:
        _print_example(result)


# ---- stats ----------------------------------------------------------------------------------


def _print_stats(result: Any, output: Path | None) -> None:
    console = stdout_console()
    ignored = f"; ignored: {', '.join(result.ignored_columns)}" if result.ignored_columns else ""
    console.print(
        f"{result.kind} norm, {result.over}: {result.rows:,} rows x {len(result.columns)} "
        f"numeric columns{ignored}",
        highlight=False,
    )
    stats = Table(
        title="statistics" + (" (mean square as variance)" if result.kind == "rms" else "")
    )
    for name in ("of", "values", "mean", "variance"):
        stats.add_column(name, justify="right")
    for s in result.statistics[:PREVIEW_ROWS]:
        stats.add_row(s.label, f"{s.count:,}", f"{s.mean:.6g}", f"{s.var:.6g}")
    console.print(stats)
    if len(result.statistics) > PREVIEW_ROWS:
        console.print(f"... {len(result.statistics) - PREVIEW_ROWS:,} more (--json for all)")
    values = Table(
        title="normalised values" + ("" if output else f" (first {min(5, result.rows)} rows)")
    )
    for name in result.columns:
        values.add_column(name, justify="right")
    for row in result.values[:5]:
        values.add_row(*(f"{v:.4g}" for v in row))
    console.print(values)
    if output:
        console.print(f"wrote {result.rows:,} normalised rows to {output}", highlight=False)


@norm_group.command("stats")
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice(KIND_NAMES), required=True, help="Which normalisation.")
@click.option("--groups", type=int, help="For --kind group: groups of adjacent columns.")
@click.option("--eps", type=float, default=1e-5, show_default=True, help="Added to each variance.")
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="Write the normalised table (.csv, .parquet or .npy).",
)
@json_option
def norm_stats(
    data: Path, kind: str, groups: int | None, eps: float, output: Path | None, as_json: bool
) -> None:
    """What a normalisation computes on DATA (CSV, Parquet, JSONL or .npy; rows are samples,
    numeric columns are features): its statistics along the right axis and the normalised values.

    batch: each column over the rows; layer: each row over its columns; group: each row over
    --groups runs of adjacent columns; rms: each row's root mean square. --json prints the
    statistics and, without --output, the normalised values.

    \b
    Examples:
      notelab norm stats data.csv --kind batch
      notelab norm stats data.parquet --kind group --groups 4 --output normed.parquet
      notelab norm stats features.npy --kind layer --json
    """
    if not eps >= 0:
        raise InputError("--eps >= 0", str(eps), "e.g. --eps 1e-5")
    if groups is not None and kind != "group":
        raise InputError("--groups only with --kind group", f"--kind {kind}", "drop --groups")
    from notelab.nn.norm.table import normalise_table, read_matrix, write_values

    matrix, columns, ignored = read_matrix(data)
    result = normalise_table(matrix, columns, kind, groups=groups, eps=eps, ignored_columns=ignored)
    if output:
        write_values(result, output, source=data)
    if as_json:
        emit_json(result.as_dict(values=output is None))
    else:
        _print_stats(result, output)


# ---- compare --------------------------------------------------------------------------------


def _batch_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise InputError("--batch-sizes as positive integers", repr(text), "e.g. 2,4,8,32,128")
    return sizes


def _norms(text: str) -> tuple[str, ...]:
    norms = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [n for n in norms if n not in NORM_NAMES]
    if unknown or not norms:
        raise InputError(
            f"--norms from {', '.join(NORM_NAMES)}",
            ", ".join(map(repr, unknown)) or "none",
            "e.g. --norms batch,layer,group,none",
        )
    return norms


def _print_comparison(result: Any) -> None:
    from notelab.nn.norm.compare import best_per_batch

    console = stdout_console()
    table = Table(
        title=f"{result.workload}: {result.train_size:,} training / {result.held_out_size:,} "
        f"held-out samples, {result.spec.epochs} epoch(s), {result.spec.seeds} seed(s), "
        f"{result.spec.device}"
    )
    for name in (
        "norm",
        "batch",
        "steps",
        f"held-out {result.metric}",
        "train - eval mode",
        "ms/step",
    ):
        table.add_column(name, justify="right")
    for r in result.rows:
        table.add_row(
            r.norm,
            str(r.batch_size),
            f"{r.steps:,}",
            r.metric.brief(),
            r.gap.brief(),
            f"{r.step_seconds * 1e3:.2f}",
        )
    console.print(table)
    for best in best_per_batch(result):
        tied = f" (tied within intervals: {', '.join(best.tied)})" if best.tied else ""
        console.print(
            f"batch {best.batch_size}: {best.norm} norm, {result.metric} {best.value:.3f}{tied}",
            highlight=False,
        )


def _with_progress(run: Callable[[Callable[[int, int, str], None]], Any], *, disable: bool) -> Any:
    """``run(tick)`` with a progress bar on stderr that appears at the first tick, so input
    errors found before training starts stay one line."""
    state: dict[str, Any] = {}

    def tick(done: int, total: int, label: str) -> None:
        if "bar" not in state:
            state["bar"] = progress_bar(disable=disable)
            state["bar"].start()
            state["task"] = state["bar"].add_task(label, total=total)
        state["bar"].update(state["task"], completed=done, total=total, description=label)

    try:
        return run(tick)
    finally:
        if "bar" in state:
            state["bar"].stop()


@norm_group.command("compare")
@click.option(
    "--workload",
    type=click.Choice(["digits-cnn", "sequences"]),
    help="Built-in workload (default digits-cnn).",
)
@click.option(
    "--model",
    "model_spec",
    metavar="MOD:FACTORY",
    help="Your factory returning (model, dataset, loss_fn, optimizer), as for notelab batch-size.",
)
@click.option(
    "--batch-sizes", default="2,4,8,32,128", show_default=True, help="Batch sizes to train at."
)
@click.option(
    "--norms",
    default="batch,layer,group,none",
    show_default=True,
    help="Normalisations to swap in: batch, layer, group, none.",
)
@click.option(
    "--epochs",
    type=int,
    default=1,
    show_default=True,
    help="Passes over the training split (the same samples at every batch size).",
)
@click.option("--seeds", type=int, default=3, show_default=True, help="Seeds per setting.")
@click.option(
    "--groups",
    type=int,
    default=8,
    show_default=True,
    help="Groups for group norm: the largest divisor of the channels up to this, with 2 "
    "channels a group at least.",
)
@click.option(
    "--held-out",
    type=float,
    default=0.2,
    show_default=True,
    help="Share of the data held out for the metric.",
)
@click.option(
    "--samples",
    type=int,
    default=2000,
    show_default=True,
    help="Passed to a factory that takes samples= (digits-cnn: at most 1,797).",
)
@click.option(
    "--device",
    type=click.Choice(DEVICES),
    default="auto",
    show_default=True,
    help="auto: CUDA when PyTorch sees a GPU, else the CPU.",
)
@click.option(
    "--threads",
    type=int,
    default=0,
    show_default=True,
    help="CPU threads for torch; 0 keeps PyTorch's default (small models train fastest on 1).",
)
@click.option("--plot", type=click.Path(path_type=Path), help="Metric and gap figure (PNG).")
@json_option
def norm_compare(
    workload: str | None,
    model_spec: str | None,
    batch_sizes: str,
    norms: str,
    epochs: int,
    seeds: int,
    groups: int,
    held_out: float,
    samples: int,
    device: str,
    threads: int,
    plot: Path | None,
    as_json: bool,
) -> None:
    """Which normalisation for this model at this batch size?

    Every BatchNorm/LayerNorm/GroupNorm/RMSNorm of the model is swapped for each of --norms in
    turn, and the model trained at each batch size for the same number of samples, from the
    same initial weights, for --seeds seeds. Reports held-out accuracy (or loss) as the mean
    over seeds ± the half-width of its 95% interval, the gap between training mode (batch
    statistics) and eval mode on held-out batches of the training size, and the median time per
    step; then the best normalisation per batch size and those its interval does not separate
    from it. Ctrl-C prints what finished (exit 130).

    \b
    Examples:
      notelab norm compare --batch-sizes 2,4,8,32,128
      notelab norm compare --workload sequences --norms batch,layer --batch-sizes 4,32 --plot n.png
      notelab norm compare --model mypkg.train:make_workload --batch-sizes 8,64 --json
    """
    if workload and model_spec:
        raise InputError("one of --workload or --model", "both", "pass only one")
    if threads < 0:
        raise InputError("--threads >= 0", str(threads), "0 keeps PyTorch's default")
    from notelab.nn.norm.spec import CompareSpec

    spec = CompareSpec(
        batch_sizes=_batch_sizes(batch_sizes),
        norms=_norms(norms),
        epochs=epochs,
        seeds=seeds,
        groups=groups,
        held_out=held_out,
        samples=samples,
        device=device,
        threads=threads,
    )
    result = _compare(workload, model_spec, spec, disable_progress=as_json)
    _render_comparison(result, plot, as_json)


def _compare(
    workload: str | None, model_spec: str | None, spec: Any, *, disable_progress: bool
) -> Any:
    """The spec checked before torch loads, then every run, with a progress bar on stderr."""
    from notelab.nn.norm.spec import check_spec

    check_spec(spec)
    from notelab._util.device import resolve_device
    from notelab.nn.norm.compare import compare_norms

    spec = replace(spec, device=resolve_device(spec.device))
    return _with_progress(
        lambda tick: compare_norms(workload, model_spec, spec, progress=tick),
        disable=disable_progress,
    )


def _render_comparison(result: Any, plot: Path | None, as_json: bool) -> None:
    """The figure (if asked), then the JSON document or the table; exit 130 if interrupted."""
    if plot and result.rows:
        from notelab.nn.norm.plot import comparison_figure

        atomic_write_png(plot, comparison_figure(result))
    if as_json:
        emit_json(result.as_dict())
    else:
        _print_comparison(result)
    if result.interrupted:
        click.echo(f"interrupted after {len(result.runs)} run(s): the table shows those", err=True)
        raise SystemExit(130)
