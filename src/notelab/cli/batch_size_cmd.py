"""``notelab batch-size``: the batch-size profiler (note 1).

Parses the options into :class:`~notelab.training.options.ProfileOptions`, calls
:func:`~notelab.training.options.profile_batch_sizes` and renders the profile; torch loads only
when the profile runs (``--help`` needs none of it).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from notelab._util.device import DEVICES
from notelab.cli._common import emit_json, json_option, progress_bar, stdout_console
from notelab.training.options import BUILT_IN, DEFAULTS, ProfileOptions, parse_sizes
from notelab.training.sizes import format_hms, format_size, parse_size

if TYPE_CHECKING:
    from notelab.training.profiler import Profile


COLUMNS = ("batch", "steps/epoch", "s/step", "epoch (h:mm:ss)", "samples/s", "peak memory", "fits")


def _table(profile: Profile) -> Table:
    table = Table(
        title=f"{profile.samples:,} examples, {profile.epochs} epoch(s), {profile.device}"
    )
    for name in COLUMNS:
        table.add_column(name, justify="right")
    for r in profile.rows:
        table.add_row(
            str(r.batch_size),
            f"{r.steps_per_epoch:,}",
            f"{r.seconds_per_step:.4f} ±{r.step_spread:.4f}" if r.fits else "-",
            format_hms(r.epoch_seconds),
            f"{r.samples_per_second:,.0f}" if r.samples_per_second else "-",
            format_size(r.peak_bytes),
            "yes" if r.fits else f"no ({r.error})",
        )
    return table


def _largest_line(profile: Profile) -> str:
    peaks = " and ".join(format_size(p) for p in profile.answer_peaks)
    return (
        f"largest batch that fit: {profile.largest_fit}"
        + (f" (first failure: {profile.first_failure})" if profile.first_failure else "")
        + (
            f"; {profile.trials} trials, the answer run twice (peaks {peaks})"
            if profile.answer_peaks
            else ""
        )
    )


def _lines(profile: Profile) -> list[str]:
    """The summary under the table: knee, largest fit, memory line, overhead."""
    lines = [f"knee: {profile.knee_reason}"]
    if profile.largest_fit:
        lines.append(_largest_line(profile))
    model = profile.memory_model
    if model:
        predicted = profile.predicted_largest
        lines.append(
            f"memory: {format_size(model.fixed_bytes)} + "
            f"{format_size(model.per_sample_bytes)} per sample (R² {model.r_squared:.4f})"
            + (f"; predicted largest {predicted}" if predicted else "")
        )
    lines.append(
        f"overhead: {profile.overhead_share:.0%} of wall time outside timed steps; "
        f"{profile.fixed_cost_seconds:.2f} s fixed cost per trial"
    )
    return lines


def _render(profile: Profile, as_json: bool, plot: Path | None) -> None:
    if plot and profile.rows:
        from notelab.training.plot import save_profile_figure

        save_profile_figure(profile, plot)
    if as_json:
        emit_json(profile.as_dict())
        return
    console = stdout_console()
    console.print(_table(profile))
    for line in _lines(profile):
        console.print(line, highlight=False)


@contextlib.contextmanager
def _progress(total: int | None, quiet: bool) -> Iterator[Callable[[int, Any], None]]:
    """A progress bar on stderr, advanced by the callback it yields."""
    with progress_bar(disable=quiet) as bar:
        task = bar.add_task("trials", total=total)
        yield lambda batch, row: bar.update(task, advance=1, description=f"batch {batch}")


def _option(flag: str, help: str, **kwargs: Any) -> Callable[[Any], Any]:
    """An option whose default is :class:`ProfileOptions`' own (the one home of defaults)."""
    default = getattr(DEFAULTS, flag.lstrip("-").replace("-", "_"))
    return click.option(flag, default=default, show_default=True, help=help, **kwargs)


@click.command("batch-size")
@click.option(
    "--workload", type=click.Choice(BUILT_IN), help="Built-in workload (default transformer)."
)
@click.option(
    "--model",
    metavar="MOD:FACTORY",
    help="Your factory returning (model, dataset, loss_fn, optimizer).",
)
@_option("--samples", "Examples per epoch, for the projection.", type=int)
@click.option(
    "--sizes",
    default="auto",
    show_default=True,
    help="Batch sizes, e.g. 1,2,4,8; 'auto' doubles from 1, then follows the fitted memory "
    "line to the largest batch under --memory-limit.",
)
@_option("--max-batch", "Largest batch --sizes auto tries.", type=int)
@_option("--epochs", "Epochs to project the time for.", type=int)
@_option(
    "--device", "auto: CUDA when PyTorch sees a GPU, else the CPU.", type=click.Choice(DEVICES)
)
@click.option("--memory-limit", help="e.g. 8GiB: real on CUDA; on the CPU, the trial's peak RSS.")
@_option("--margin", "Safety margin under the limit.", type=float)
@_option("--steps", "Timed steps per trial.", type=int)
@_option(
    "--min-time",
    "Seconds of timed steps per trial at least (fast steps: more of them).",
    type=float,
)
@_option("--warmup", "Untimed steps first.", type=int)
@click.option("--plot", type=click.Path(path_type=Path), help="Time and memory figure (PNG).")
@json_option
def batch_size_command(
    sizes: str, memory_limit: str | None, plot: Path | None, as_json: bool, **options: Any
) -> None:
    """Profile training time and memory across batch sizes for one model.

    Each trial runs in its own worker process; an out-of-memory error ends that trial only (the
    size does not fit). A model that raises anything else stops the profile: exit 1, one line
    naming the exception and the line of your code it came from (notelab --debug batch-size
    ... prints the whole traceback). Ctrl-C prints the trials finished so far (exit 130).

    \b
    Examples:
      notelab batch-size --workload transformer --samples 89000 --sizes 1,2,4,8,16,32
      notelab batch-size --workload cnn --memory-limit 2GiB --sizes auto --plot bs.png
      notelab batch-size --model mypkg.train:make_workload --device cuda --json
    """
    from notelab.training.options import profile_batch_sizes

    request = ProfileOptions(
        sizes=parse_sizes(sizes),
        memory_limit=parse_size(memory_limit) if memory_limit else None,
        **options,
    ).check()
    profile = profile_batch_sizes(request, progress=functools.partial(_progress, quiet=as_json))
    _render(profile, as_json, plot)
    if profile.interrupted:
        click.echo(
            f"interrupted after {profile.trials} trial(s): the results above are what was "
            "measured before it",
            err=True,
        )
        raise SystemExit(130)
