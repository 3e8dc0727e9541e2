"""Figures of a batch-size profile: time per epoch and throughput; peak memory with its line."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from notelab._util import atomic_write_png
from notelab.training.profiler import Profile, TrialRow


def _fitting(profile: Profile) -> list[TrialRow]:
    return [r for r in profile.rows if r.fits and r.epoch_seconds]


def _axes(axes: Axes | None) -> tuple[Figure, Axes]:
    if axes is not None:
        return cast(Figure, axes.figure), axes
    figure = Figure(figsize=(6.4, 4.0), layout="constrained")
    return figure, figure.add_subplot()


def time_figure(profile: Profile, axes: Axes | None = None) -> Figure:
    """Projected time per epoch and samples per second against batch size."""
    figure, axes = _axes(axes)
    rows = _fitting(profile)
    sizes = [r.batch_size for r in rows]
    axes.plot(sizes, [(r.epoch_seconds or 0.0) / 60 for r in rows], "o-", color="C0")
    axes.set(
        xscale="log",
        yscale="log",
        xlabel="batch size",
        ylabel="time per epoch (min)",
        title=f"{profile.samples:,} examples per epoch",
    )
    other = axes.twinx()
    other.plot(sizes, [r.samples_per_second or 0.0 for r in rows], "s--", color="C1")
    other.set_ylabel("samples per second", color="C1")
    if profile.knee:
        axes.axvline(profile.knee, ls=":", color="grey")
        axes.annotate(
            f"knee: {profile.knee}",
            (profile.knee, axes.get_ylim()[1]),
            ha="left",
            va="top",
            fontsize=8,
        )
    return figure


def profile_figure(profile: Profile) -> Figure:
    """Both panels side by side."""
    figure = Figure(figsize=(12, 4.2), layout="constrained")
    left, right = figure.subplots(1, 2)
    time_figure(profile, left)
    memory_figure(profile, right)
    return figure


def memory_figure(profile: Profile, axes: Axes | None = None) -> Figure:
    """Peak memory against batch size, with the fitted line and the limit."""
    figure, axes = _axes(axes)
    rows = [r for r in profile.rows if r.fits]
    sizes = np.array([r.batch_size for r in rows], dtype=float)
    axes.plot(sizes, [r.peak_bytes / 2**20 for r in rows], "o", label="measured peak")
    model = profile.memory_model
    if model and len(sizes):
        grid = np.linspace(0, sizes.max() * 1.1, 100)
        axes.plot(
            grid,
            model.predict(grid) / 2**20,
            "-",
            label=f"{model.fixed_bytes / 2**20:.0f} MiB + "
            f"{model.per_sample_bytes / 2**20:.2f} MiB x B (R²={model.r_squared:.3f})",
        )
    if profile.memory_limit:
        axes.axhline(profile.memory_limit / 2**20, ls="--", color="red", label="limit")
    axes.set(
        xlabel="batch size", ylabel="peak memory (MiB)", title=f"Peak memory ({profile.device})"
    )
    axes.legend(fontsize=8)
    return figure


def save_profile_figure(profile: Profile, path: Path) -> None:
    """Both panels (:func:`profile_figure`) as a PNG at ``path``, written atomically."""
    atomic_write_png(path, profile_figure(profile))
