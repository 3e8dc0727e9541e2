"""``notelab seq``: train sequence models under a feeding policy, evaluate and show (note 5)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from notelab._util import atomic_write_png
from notelab.cli._common import (
    emit_json,
    json_option,
    progress_bar,
    stderr_console,
    stdout_console,
)

if TYPE_CHECKING:
    from notelab.nn.seq.training import Checkpoint

SCHEDULE_HELP = (
    "teacher (always the truth), free (always the model's own output), constant (--ratio), "
    "linear max(floor, k - c*i), exponential k**i (0 < k < 1), inverse-sigmoid k/(k+exp(i/k)) "
    "(k >= 1); i = optimizer step."
)
UNKNOWN_HELP = (
    "Tokens not seen in training: error (refuse, naming them) or map (read them as <unk>, "
    "whose embedding was never trained: such a target is always counted wrong)."
)


def _data_options(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option(
        "--data",
        type=click.Path(path_type=Path),
        help="Your pairs: a TSV file of source<TAB>target lines.",
    )(function)
    function = click.option(
        "--task", help="A built-in task: copy, reverse, sort, add, spell (generated)."
    )(function)
    return click.option(
        "--tokens",
        type=click.Choice(["char", "word"]),
        help="How --data lines split into tokens (default: char for train, the model's for eval).",
    )(function)


def _pct(value: float) -> str:
    return f"{value:.1%}"


@click.group("seq")
def seq_group() -> None:
    """Sequence training with teacher forcing or scheduled sampling; the exposure-bias gap.

    \b
    Examples:
      notelab seq train --task reverse --schedule teacher --epochs 5 --save rev.pt
      notelab seq eval rev.pt --plot positions.png
      notelab seq show rev.pt "A B C D E"
    """


@seq_group.command("train")
@_data_options
@click.option("--schedule", default="teacher", show_default=True, help=SCHEDULE_HELP)
@click.option("--k", type=float, help="The schedule's k (default: eps = 0.5 halfway through).")
@click.option("--c", type=float, help="Linear slope per step (default: 0.5 halfway through).")
@click.option("--floor", type=float, default=0.0, show_default=True, help="Linear minimum eps.")
@click.option("--ratio", type=float, default=0.5, show_default=True, help="Constant eps.")
@click.option(
    "--per",
    type=click.Choice(["token", "sequence"]),
    default="token",
    show_default=True,
    help="Draw truth-or-own per token (Bengio et al.) or once per sequence (PyTorch tutorial).",
)
@click.option(
    "--own",
    type=click.Choice(["argmax", "sample"]),
    default="argmax",
    show_default=True,
    help="The model's own output that is fed back: its argmax or a sample.",
)
@click.option(
    "--model",
    type=click.Choice(["seq2seq", "lm"]),
    default="seq2seq",
    show_default=True,
    help="GRU encoder-decoder, or a decoder-only GRU reading the source as a prompt.",
)
@click.option("--attention/--no-attention", default=False, help="seq2seq: attend over the source.")
@click.option("--hidden", type=int, default=64, show_default=True, help="GRU hidden size.")
@click.option("--embedding", type=int, default=32, show_default=True, help="Embedding size.")
@click.option("--layers", type=int, default=1, show_default=True, help="GRU layers.")
@click.option("--epochs", type=int, default=10, show_default=True)
@click.option("--batch-size", type=int, default=64, show_default=True)
@click.option("--lr", type=float, default=3e-3, show_default=True, help="Adam learning rate.")
@click.option("--examples", type=int, default=4000, show_default=True, help="Task: training pairs.")
@click.option("--heldout", type=int, default=400, show_default=True, help="Task: held-out pairs.")
@click.option(
    "--holdout", type=float, default=0.1, show_default=True, help="--data: fraction held out."
)
@click.option("--min-length", type=int, default=4, show_default=True, help="Task: shortest.")
@click.option("--max-length", type=int, default=10, show_default=True, help="Task: longest.")
@click.option("--symbols", type=int, default=10, show_default=True, help="Letters tasks: A, B, ...")
@click.option("--unknown", default="error", show_default=True, help=UNKNOWN_HELP)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", default="auto", show_default=True, help="auto (CUDA if present), cpu.")
@click.option("--save", type=click.Path(path_type=Path), help="Write the trained model here.")
@json_option
def seq_train(as_json: bool, **raw: Any) -> None:
    """Train on a built-in task or your pairs, with held-out metrics after every epoch.

    \b
    Examples:
      notelab seq train --task reverse --schedule teacher --save rev.pt
      notelab seq train --task spell --schedule inverse-sigmoid --k 50 --attention
      notelab seq train --task sort --schedule constant --ratio 0.5 --per sequence
      notelab seq train --data pairs.tsv --tokens word --schedule linear --json
    """
    from notelab.nn.seq.options import TrainOptions

    options = TrainOptions(**_train_options(raw))  # checked before torch is imported
    from notelab.nn.seq.pipeline import prepare_run, train_run

    prepared = prepare_run(options)
    console = stderr_console()
    with progress_bar(console) as bar:
        task = bar.add_task("training", total=options.epochs)

        def on_checkpoint(point: Checkpoint) -> None:
            bar.update(task, completed=point.epoch)
            row = point.as_dict()
            bar.console.print(
                f"epoch {point.epoch}: loss {row['train_loss']:.3f}, held-out loss "
                f"{row['heldout_loss']:.3f}, teacher-forced {_pct(row['teacher_forced_accuracy'])}"
                f", free-running {_pct(row['free_running_accuracy'])}, eps {point.eps:.2f}",
                highlight=False,
            )

        report = train_run(prepared, on_checkpoint)
    if as_json:
        emit_json(report.as_dict())
        return
    _print_training(report.as_dict())
    if options.save:
        stdout_console().print(f"saved {options.save}", highlight=False)


def _train_options(raw: dict[str, Any]) -> dict[str, Any]:
    renamed = {
        "hidden": "hidden_size",
        "embedding": "embedding_dim",
        "layers": "num_layers",
        "lr": "learning_rate",
        "holdout": "holdout_fraction",
    }
    out = {renamed.get(k, k): v for k, v in raw.items()}
    out["tokens"] = out["tokens"] or "char"
    for name in ("data", "save"):
        out[name] = None if out[name] is None else str(out[name])
    return out


def _print_training(document: dict[str, Any]) -> None:
    console = stdout_console()
    table = Table(title="Training (held-out metrics after each epoch)")
    for name in (
        "epoch",
        "step",
        "eps",
        "train loss",
        "held-out loss",
        "teacher-forced acc.",
        "free-running acc.",
        "gap",
    ):
        table.add_column(name, justify="right")
    for row in document["training"]["checkpoints"]:
        table.add_row(
            str(row["epoch"]),
            f"{row['step']:,}",
            f"{row['eps']:.2f}",
            f"{row['train_loss']:.3f}",
            f"{row['heldout_loss']:.3f}",
            _pct(row["teacher_forced_accuracy"]),
            _pct(row["free_running_accuracy"]),
            f"{row['exposure_bias_gap']:+.1%}",
        )
    console.print(table)
    t = document["training"]
    console.print(
        f"inputs fed: {t['truth_inputs']:,} true tokens, {t['model_inputs']:,} model outputs; "
        f"{t['one_call_steps']:,} of {t['steps']:,} steps ran the decoder in one call",
        highlight=False,
    )
    _print_metrics(document["metrics"])


def _print_metrics(m: dict[str, Any]) -> None:
    console = stdout_console()
    free, taught = m["compounding_free"], m["compounding_teacher"]
    table = Table(title=f"Held-out metrics ({m['examples']:,} pairs, {m['tokens']:,} tokens)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows = [
        ("teacher-forced token accuracy", _pct(m["teacher_forced_accuracy"])),
        ("teacher-forced loss (nats/token)", f"{m['teacher_forced_loss']:.3f}"),
        ("free-running token accuracy", _pct(m["free_running_accuracy"])),
        ("exposure-bias gap (teacher - free)", f"{m['exposure_bias_gap']:+.1%}"),
        ("sequence exact match (free running)", _pct(m["exact_match"])),
        ("mean edit distance (tokens)", f"{m['edit_distance']:.2f}"),
        ("free: P(error | an error before)", _rate(free, "after")),
        ("free: P(error | no error before)", _rate(free, "without")),
        ("teacher forced: P(error | an error before)", _rate(taught, "after")),
        ("teacher forced: P(error | no error before)", _rate(taught, "without")),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


def _rate(c: dict[str, Any], which: str) -> str:
    errors, steps = (
        (c["errors_after_error"], c["steps_after_error"])
        if which == "after"
        else (c["errors_without_error"], c["steps_without_error"])
    )
    return f"{errors / steps:.1%} ({errors:,} of {steps:,})" if steps else "n/a (0 steps)"


@seq_group.command("eval")
@click.argument("model", type=click.Path(path_type=Path))
@_data_options
@click.option("--examples", type=int, default=500, show_default=True, help="--task: how many.")
@click.option("--seed", type=int, help="--task: seed of the fresh examples.")
@click.option("--unknown", default="error", show_default=True, help=UNKNOWN_HELP)
@click.option("--plot", type=click.Path(path_type=Path), help="Accuracy by position (PNG).")
@json_option
def seq_eval(
    model: Path,
    task: str | None,
    data: Path | None,
    tokens: str | None,
    examples: int,
    seed: int | None,
    unknown: str,
    plot: Path | None,
    as_json: bool,
) -> None:
    """Held-out metrics of a saved MODEL: the gap, compounding, accuracy by position.

    Without --task or --data it uses the held-out pairs saved with the model; --task draws
    fresh examples that were not in training.

    \b
    Examples:
      notelab seq eval rev.pt
      notelab seq eval rev.pt --task reverse --examples 1000 --plot positions.png
      notelab seq eval mine.pt --data test.tsv --json
    """
    from notelab.nn.seq.evaluation import eval_run
    from notelab.nn.seq.options import check_output

    if plot:
        check_output(plot, [model, data])
    report = eval_run(
        model, unknown=unknown, task=task, data=data, tokens=tokens, examples=examples, seed=seed
    )
    if plot:
        from notelab.nn.seq.plot import plot_positions

        atomic_write_png(
            plot, plot_positions(report.metrics, title=f"Accuracy by position: {report.source}")
        )
    if as_json:
        emit_json(report.as_dict())
        return
    stdout_console().print(f"evaluated on {report.source}", highlight=False)
    document = report.metrics.as_dict()
    _print_metrics(document)
    _print_positions(document)


def _print_positions(m: dict[str, Any]) -> None:
    table = Table(title="Accuracy by output position")
    for name in ("position", "tokens", "teacher forced", "free running"):
        table.add_column(name, justify="right")
    for i, (count, taught, free) in enumerate(
        zip(
            m["position_counts"],
            m["position_accuracy_teacher"],
            m["position_accuracy_free"],
            strict=True,
        ),
        start=1,
    ):
        table.add_row(str(i), f"{count:,}", _pct(taught), _pct(free))
    stdout_console().print(table)


@seq_group.command("show")
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("source")
@click.option("--target", help="The true output (needed for a model trained on --data).")
@click.option("--unknown", default="error", show_default=True, help=UNKNOWN_HELP)
@json_option
def seq_show(model: Path, source: str, target: str | None, unknown: str, as_json: bool) -> None:
    """Step by step on SOURCE: what MODEL predicted, what teacher forcing feeds next (the truth,
    whatever was predicted) and what free running fed (the model's own output).

    \b
    Examples:
      notelab seq show copy.pt "A B C D E"
      notelab seq show spell.pt 4021
      notelab seq show mine.pt "hello" --target "olleh" --json
    """
    from notelab.nn.seq.evaluation import show_run

    report = show_run(model, source, target=target, unknown=unknown)
    if as_json:
        emit_json(report.as_dict())
        return
    table = Table(title=f"{' '.join(report.source)} -> {' '.join(report.target)}")
    for name in (
        "step",
        "truth",
        "teacher forcing: input",
        "predicted",
        "free running: input",
        "predicted",
    ):
        table.add_column(name)
    for s in report.steps:
        mark = "" if not s.truth or s.teacher_predicted == s.truth else " ✗"
        fmark = "" if not s.truth or s.free_predicted == s.truth else " ✗"
        table.add_row(
            str(s.position + 1),
            s.truth,
            s.teacher_input,
            s.teacher_predicted + mark,
            s.free_input,
            s.free_predicted + fmark,
        )
    console = stdout_console()
    console.print(table)
    console.print(f"teacher forced output: {report.teacher_output}", highlight=False)
    console.print(f"free-running output:   {report.free_output}", highlight=False)
