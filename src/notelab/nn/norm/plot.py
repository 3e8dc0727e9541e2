"""The figure of ``notelab norm compare --plot``: the held-out metric and the train/eval gap
against batch size, one line per normalisation, with 95% intervals over the seeds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from notelab._util.estimate import error_bars
from notelab.nn.norm.compare import Comparison, Interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _errorbars(axes: Axes, sizes: list[int], values: list[Interval], label: str) -> None:
    mean, spread = error_bars(values)
    axes.errorbar(sizes, mean, yerr=spread, marker="o", capsize=3, label=label)


def comparison_figure(result: Comparison) -> Figure:
    """Metric (left) and training-mode minus eval-mode metric (right) against batch size."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, NullFormatter

    figure = Figure(figsize=(10.0, 4.0), layout="constrained")
    left, right = figure.subplots(1, 2)
    for norm in dict.fromkeys(r.norm for r in result.rows):
        rows = [r for r in result.rows if r.norm == norm]
        sizes = [r.batch_size for r in rows]
        label = "no normalisation" if norm == "none" else f"{norm} norm"
        _errorbars(left, sizes, [r.metric for r in rows], label)
        _errorbars(right, sizes, [r.gap for r in rows], label)
    metric = f"held-out {result.metric}"
    left.set(xscale="log", xlabel="batch size", ylabel=metric, title=result.workload)
    right.set(
        xscale="log",
        xlabel="batch size",
        ylabel=f"{result.metric}: train mode - eval mode",
        title="train/eval gap",
    )
    right.axhline(0, color="grey", lw=0.8)
    left.legend()
    for axes in (left, right):  # plain batch sizes as ticks, no 10^x labels
        axes.set_xticks(sorted({r.batch_size for r in result.rows}))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        axes.xaxis.set_minor_formatter(NullFormatter())
    return figure
