"""The one figure style of the findings and the report: palette, sizes, plain log ticks, bands.

Every figure of a finding starts from :func:`new_axes`; the report passes every figure through
:func:`finish` before writing it, so log axes read 1, 10, 100 (not 10^0, 10^1, 10^2) whatever
module drew them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

# Okabe and Ito's palette: told apart by colour-blind readers, and in grey.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
WIDTH, HEIGHT = 6.4, 4.0  # inches; at the report's 110 dpi, 704 px wide: the page's column
FONT_SIZE = 10


def new_axes(width: float = WIDTH, height: float = HEIGHT) -> tuple[MplFigure, Axes]:
    """A fresh figure with one axes in the house style, independent of pyplot's global state.

    Examples
    --------
    >>> figure, axes = new_axes()
    >>> figure.get_size_inches().tolist()
    [6.4, 4.0]
    """
    from cycler import cycler
    from matplotlib.figure import Figure as MplFigure

    figure = MplFigure(figsize=(width, height), layout="constrained")
    axes = figure.add_subplot()
    axes.set_prop_cycle(cycler(color=PALETTE))
    axes.grid(True, which="major", alpha=0.3)
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    return figure, axes


def tick_label(value: float, _position: object = None) -> str:
    """A log-axis tick as a plain number: ``1``, ``0.01``, ``20,000``."""
    return f"{value:,.12g}"


def finish(figure: MplFigure) -> MplFigure:
    """Plain numbers on every log axis of ``figure``: powers of ten, and 2 and 5 times them
    where the axis spans under two decades (so a short axis still has labelled ticks)."""
    import math

    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    for axes in figure.axes:
        for axis, limits in ((axes.xaxis, axes.get_xlim()), (axes.yaxis, axes.get_ylim())):
            if axis.get_scale() != "log":
                continue
            low, high = sorted(limits)
            short = low > 0 and math.log10(high / low) < 2
            axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if short else (1.0,)))
            axis.set_major_formatter(FuncFormatter(tick_label))
            axis.set_minor_formatter(NullFormatter())
    return figure


def band(
    axes: Axes,
    x: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    *,
    label: str,
    color: str | None = None,
) -> None:
    """A measurement's interval drawn as a shaded band between ``low`` and ``high``."""
    axes.fill_between(x, low, high, alpha=0.2, color=color or PALETTE[0], label=label, lw=0)


def log_log(axes: Axes, *, xlabel: str, ylabel: str, title: str) -> None:
    """Both axes logarithmic with plain tick labels, and the labels and title set."""
    axes.set(xscale="log", yscale="log", xlabel=xlabel, ylabel=ylabel, title=title)
    finish(axes.get_figure(root=True))  # type: ignore[arg-type]
