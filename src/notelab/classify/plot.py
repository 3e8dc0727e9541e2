"""Pictures of a comparison and a profile (matplotlib, imported here only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from notelab.classify.metrics import METRIC_LABELS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from notelab.classify.compare import Comparison
    from notelab.classify.profile import Profile


def leaderboard_axes(axes: Axes, comparison: Comparison, metric: str | None = None) -> None:
    """Each model's mean with its corrected 95% interval, best at the top; filled = tied."""
    metric = metric or comparison.metric
    rows = [m for m in comparison.models if m.error is None]
    stats = [comparison.interval(m.name, metric) for m in rows]
    y = np.arange(len(rows))[::-1]
    for yi, m, (mean, low, high) in zip(y, rows, stats, strict=True):
        tied = comparison.tied_with_best(m.name)
        axes.errorbar(
            mean,
            yi,
            xerr=[[mean - low], [high - mean]],
            fmt="o",
            color="C0" if tied else "C7",
            mfc="C0" if tied else "white",
            capsize=3,
        )
    axes.set_yticks(y, [m.label for m in rows])
    axes.set_xlabel(f"{METRIC_LABELS[metric]} (mean, 95% interval)")
    axes.grid(axis="x", alpha=0.3)


def leaderboard_figure(comparison: Comparison, metric: str | None = None) -> Figure:
    """The leaderboard as a figure (filled markers: tied with the best)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 0.5 + 0.32 * len(comparison.models)), layout="constrained")
    leaderboard_axes(figure.add_subplot(), comparison, metric)
    return figure


def depth_axes(axes: Axes, rows: list[dict[str, Any]]) -> None:
    """Train-test gap of the tree against depth, with the pruned tree and the forest as lines."""
    curve = [r for r in rows if r["model"] == "tree" and r["depth"] is not None]
    axes.plot([r["depth"] for r in curve], [r["gap"] for r in curve], "o-", label="tree")
    styles = {"tree": ("C0", ":"), "pruned_tree": ("C1", "--"), "forest": ("C2", "-.")}
    names = {"tree": "tree, unlimited", "pruned_tree": "tree, pruned by CV", "forest": "forest"}
    for r in rows:
        if r["depth"] is None:
            color, style = styles[r["model"]]
            axes.axhline(r["gap"], color=color, linestyle=style, label=names[r["model"]])
    axes.set_xlabel("maximum depth of the tree")
    axes.set_ylabel("train - test balanced accuracy")
    axes.legend(fontsize="small")


def noise_axes(axes: Axes, noise: dict[str, dict[int, float]], labels: dict[str, str]) -> None:
    """Test score against the number of irrelevant columns added (0 drawn at 1)."""
    from matplotlib.ticker import FuncFormatter

    for name, row in noise.items():
        counts = np.array(sorted(row))
        axes.plot(np.maximum(counts, 1), [row[k] for k in counts], "o-", label=labels[name])
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: "0" if v == 1 else f"{v:,.0f}"))
    axes.set_xlabel("noise columns added")
    axes.set_ylabel("balanced accuracy")
    axes.legend(fontsize="x-small", ncol=2)


def profile_figure(result: Profile) -> Figure:
    """Overfitting against depth, and robustness to noise columns."""
    from matplotlib.figure import Figure

    from notelab.classify.models import MODELS

    figure = Figure(figsize=(10, 4), layout="constrained")
    left, right = figure.subplots(1, 2)
    depth_axes(left, result.depth)
    noise_axes(right, result.noise, {m: MODELS[m].label for m in result.noise})
    return figure
