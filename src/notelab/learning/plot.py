"""The accuracy-against-labelled-fraction picture of a :class:`~notelab.learning.Curve`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")


def draw_curve(axes: Any, curve: dict[str, Any], colours: Sequence[str] = COLOURS) -> None:
    """One line per method (mean accuracy) with its 95% interval as a band; log x axis."""
    for i, method in enumerate(curve["methods"]):
        colour = colours[i % len(colours)]
        points = [p for p in curve["points"] if p["method"] == method]
        x = [p["fraction"] * 100 for p in points]
        axes.plot(x, [p["accuracy"] for p in points], "o-", color=colour, label=method)
        low, high = [p["accuracy_low"] for p in points], [p["accuracy_high"] for p in points]
        axes.fill_between(x, low, high, color=colour, alpha=0.2, lw=0)
    from matplotlib.ticker import FuncFormatter

    axes.set(xscale="log", xlabel="labelled rows (% of training rows)", ylabel="test accuracy")
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.12g}"))
    axes.legend(fontsize=7)


def curve_figure(curve: dict[str, Any]) -> Any:
    """A matplotlib figure of ``curve`` (a :meth:`Curve.as_dict`), without pyplot's state."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.0), layout="constrained")
    axes = figure.add_subplot()
    draw_curve(axes, curve)
    axes.set_title("Accuracy as labels get scarce (band: 95% interval over seeds)")
    axes.grid(True, alpha=0.3)
    return figure
