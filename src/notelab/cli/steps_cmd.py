"""``notelab steps``: epoch, batch and step arithmetic (note 6)."""

from __future__ import annotations

import click
from rich.table import Table

from notelab.cli._common import emit_json, json_option, stdout_console
from notelab.training import ACCUMULATION_MODES, Schedule, schedule


def _count(value: int | float) -> str:
    """An exact count with separators; a mean (carry mode) to six significant digits."""
    return f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"


@click.command("steps")
@click.option("--samples", "-n", type=int, required=True, help="Training examples (N).")
@click.option("--batch-size", "-b", type=int, required=True, help="Examples per batch (B).")
@click.option(
    "--epochs", "-e", type=int, default=1, show_default=True, help="Passes over the data."
)
@click.option("--drop-last", is_flag=True, help="Drop the last partial batch of each epoch.")
@click.option(
    "--accumulate",
    "-k",
    type=int,
    default=1,
    show_default=True,
    help="Batches per optimizer step (gradient accumulation).",
)
@click.option(
    "--accumulation-mode",
    type=click.Choice(ACCUMULATION_MODES),
    default="flush",
    show_default=True,
    help="Last partial accumulation window: flush = step on it at epoch end "
    "(Lightning, HF Trainer); drop = discard it; carry = continue into next epoch.",
)
@json_option
def steps_command(
    samples: int,
    batch_size: int,
    epochs: int,
    drop_last: bool,
    accumulate: int,
    accumulation_mode: str,
    as_json: bool,
) -> None:
    """Steps per epoch, last batch size, optimizer updates and samples seen.

    \b
    Examples:
      notelab steps --samples 1000 --batch-size 100 --epochs 5     # 10 steps/epoch, 50 in all
      notelab steps -n 89000 -b 2                                   # 44,500 steps
      notelab steps -n 1000 -b 300 --accumulate 3 --json
    """
    result = schedule(
        samples,
        batch_size,
        epochs=epochs,
        drop_last=drop_last,
        accumulate=accumulate,
        accumulation_mode=accumulation_mode,
    )
    if as_json:
        emit_json(result.as_dict())
    else:
        stdout_console().print(_table(result))


def _table(result: Schedule) -> Table:
    table = Table(
        title=f"N={result.samples:,}, B={result.batch_size:,}, {result.epochs} epoch(s)",
        show_header=False,
    )
    for name, value in (
        ("batches per epoch", result.batches_per_epoch),
        ("last batch size", result.last_batch_size),
        ("samples per epoch", result.samples_per_epoch),
        ("optimizer steps per epoch", result.steps_per_epoch),
        ("total batches", result.total_batches),
        ("total optimizer steps", result.total_steps),
        ("samples seen", result.samples_seen),
    ):
        table.add_row(name, _count(value))
    return table
