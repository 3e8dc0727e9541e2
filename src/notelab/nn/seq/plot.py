"""Accuracy by position, teacher forced against free running (matplotlib imported when drawn)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from notelab.nn.seq.metrics import SeqMetrics

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def plot_positions(metrics: SeqMetrics, *, title: str = "Accuracy by position") -> Figure:
    """A figure of token accuracy at each output position under both feedings.

    Examples
    --------
    >>> from notelab.nn.seq.metrics import Compounding
    >>> zero = Compounding(0, 0, 0, 0)
    >>> m = SeqMetrics(2, 4, 1.0, 0.75, 0.5, 0.0, 1.0, [1.0, 0.5], [1.0, 0.0], [2, 2], zero, zero)
    >>> len(plot_positions(m).axes)
    1
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.0), layout="constrained")
    axes = figure.add_subplot()
    positions = range(1, len(metrics.position_counts) + 1)
    axes.plot(positions, metrics.position_accuracy_teacher, "o-", label="teacher forced")
    axes.plot(positions, metrics.position_accuracy_free, "s-", label="free running")
    axes.set(xlabel="output position (1 = first token)", ylabel="token accuracy", title=title)
    axes.set_ylim(0, 1.02)
    axes.legend()
    return figure
