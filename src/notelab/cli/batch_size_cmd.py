"""``notelab batch-size``: the batch-size profiler (note 1)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from notelab._util import InputError, atomic_write_png
from notelab.cli._common import emit_json, json_option, progress_bar, stdout_console
from notelab.training.profiler import Profile, Profiler
from notelab.training.sizes import format_size, parse_size
from notelab.training.trial import TrialSpec
from notelab.training.workloads import BUILT_IN, from_factory


def _device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError(
            "a CUDA GPU for --device cuda", "none visible to PyTorch", "use --device cpu or auto"
        )
    return name


def _sizes(text: str) -> list[int] | None:
    if text == "auto":
        return None
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        sizes = []
    if not sizes or any(s < 1 for s in sizes):
        raise InputError(
            "--sizes as positive integers (1,2,4,8) or 'auto'",
            repr(text),
            "e.g. --sizes 1,2,4,8,16",
        )
    return sorted(set(sizes))


def _hms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _print(profile: Profile) -> None:
    table = Table(
        title=f"{profile.samples:,} examples, {profile.epochs} epoch(s), {profile.device}"
    )
    for name in (
        "batch",
        "steps/epoch",
        "s/step",
        "epoch (h:mm:ss)",
        "samples/s",
        "peak memory",
        "fits",
    ):
        table.add_column(name, justify="right")
    for r in profile.rows:
        table.add_row(
            str(r.batch_size),
            f"{r.steps_per_epoch:,}",
            f"{r.seconds_per_step:.4f} ±{r.step_spread:.4f}" if r.fits else "-",
            _hms(r.epoch_seconds),
            f"{r.samples_per_second:,.0f}" if r.samples_per_second else "-",
            format_size(r.peak_bytes),
            "yes" if r.fits else f"no ({r.error})",
        )
    console = stdout_console()
    console.print(table)
    console.print(f"knee: {profile.knee_reason}", highlight=False)
    if profile.largest_fit:
        console.print(
            f"largest batch that fit: {profile.largest_fit}"
            + (f" (first failure: {profile.first_failure})" if profile.first_failure else "")
            + (
                f"; {profile.trials} trials, the answer run twice (peaks "
                + " and ".join(format_size(p) for p in profile.answer_peaks)
                + ")"
                if profile.answer_peaks
                else ""
            ),
            highlight=False,
        )
    model = profile.memory_model
    if model:
        console.print(
            f"memory: {format_size(model.fixed_bytes)} + "
            f"{format_size(model.per_sample_bytes)} per sample (R² {model.r_squared:.4f})"
            + (
                f"; predicted largest {profile.predicted_largest}"
                if profile.predicted_largest
                else ""
            ),
            highlight=False,
        )
    console.print(
        f"overhead: {profile.overhead_share:.0%} of wall time outside timed steps; "
        f"{profile.fixed_cost_seconds:.2f} s fixed cost per trial",
        highlight=False,
    )


def _plot(profile: Profile, path: Path) -> None:
    from notelab.training.plot import profile_figure

    atomic_write_png(path, profile_figure(profile))


@click.command("batch-size")
@click.option(
    "--workload",
    type=click.Choice(BUILT_IN),
    default=None,
    help="Built-in workload (default transformer).",
)
@click.option(
    "--model",
    "model_spec",
    metavar="MOD:FACTORY",
    help="Your factory returning (model, dataset, loss_fn, optimizer).",
)
@click.option(
    "--samples",
    type=int,
    default=89_000,
    show_default=True,
    help="Examples per epoch, for the projection.",
)
@click.option(
    "--sizes",
    default="auto",
    show_default=True,
    help="Batch sizes, e.g. 1,2,4,8; 'auto' doubles from 1, then follows the fitted memory "
    "line to the largest batch under --memory-limit.",
)
@click.option(
    "--max-batch",
    type=int,
    default=1024,
    show_default=True,
    help="Largest batch --sizes auto tries.",
)
@click.option(
    "--epochs", type=int, default=1, show_default=True, help="Epochs to project the time for."
)
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    show_default=True,
    help="auto: CUDA when PyTorch sees a GPU, else the CPU.",
)
@click.option("--memory-limit", help="e.g. 8GiB: real on CUDA; on the CPU, the trial's peak RSS.")
@click.option(
    "--margin", type=float, default=0.05, show_default=True, help="Safety margin under the limit."
)
@click.option("--steps", type=int, default=20, show_default=True, help="Timed steps per trial.")
@click.option(
    "--min-time",
    type=float,
    default=0.5,
    show_default=True,
    help="Seconds of timed steps per trial at least (fast steps: more of them).",
)
@click.option("--warmup", type=int, default=3, show_default=True, help="Untimed steps first.")
@click.option("--plot", type=click.Path(path_type=Path), help="Time and memory figure (PNG).")
@json_option
def batch_size_command(
    workload,
    model_spec,
    samples,
    sizes,
    max_batch,
    epochs,
    device,
    memory_limit,
    margin,
    steps,
    min_time,
    warmup,
    plot,
    as_json,
) -> None:
    """Profile training time and memory across batch sizes for one model.

    Each trial runs in its own worker process; an out-of-memory error ends that trial only.
    Ctrl-C prints the trials finished so far (exit 130).

    \b
    Examples:
      notelab batch-size --workload transformer --samples 89000 --sizes 1,2,4,8,16,32
      notelab batch-size --workload cnn --memory-limit 2GiB --sizes auto --plot bs.png
      notelab batch-size --model mypkg.train:make_workload --device cuda --json
    """
    if workload and model_spec:
        raise InputError("one of --workload or --model", "both", "pass only one")
    if model_spec:  # fail early, in this process, with a clear message
        from_factory(model_spec, samples=min(samples, 64))
    for name, value in (
        ("--steps", steps),
        ("--max-batch", max_batch),
        ("--samples", samples),
        ("--epochs", epochs),
    ):
        if value < 1:
            raise InputError(f"{name} >= 1", str(value))
    if not min_time >= 0:
        raise InputError("--min-time >= 0 (seconds)", str(min_time), "pass 0 to time --steps only")
    if warmup < 0:
        raise InputError("--warmup >= 0 (untimed steps)", str(warmup), "pass 0 for none")
    if not 0 <= margin < 1:
        raise InputError("--margin in [0, 1)", str(margin), "e.g. --margin 0.05 for 5%")
    chosen = _sizes(sizes)
    limit = parse_size(memory_limit) if memory_limit else None
    spec = TrialSpec(
        1,
        workload=workload,
        model=model_spec,
        device=_device(device),
        steps=steps,
        timed_seconds=min_time,
        warmup=warmup,
        memory_limit=limit,
    )
    profile = _run(
        Profiler(samples, spec, epochs=epochs, margin=margin), chosen, max_batch, as_json
    )
    if plot and profile.rows:
        _plot(profile, plot)
    if as_json:
        emit_json(profile.as_dict())
    else:
        _print(profile)
    if profile.interrupted:
        click.echo(
            f"interrupted after {profile.trials} trial(s): the results above are what was "
            "measured before it",
            err=True,
        )
        raise SystemExit(130)


def _run(profiler: Profiler, sizes: list[int] | None, max_batch: int, quiet: bool) -> Profile:
    """The sweep (or search) with a progress bar; on Ctrl-C, what was measured so far."""
    with progress_bar(disable=quiet) as progress:
        task = progress.add_task("trials", total=len(sizes) if sizes else None)

        def tick(batch, row):
            progress.update(task, advance=1, description=f"batch {batch}")

        profiler.progress = tick
        try:
            if sizes:
                return profiler.sweep(sizes)
            return profiler.search(min(max_batch, profiler.samples))
        except KeyboardInterrupt:
            profile = profiler.profile()
            profile.interrupted = True
            return profile
