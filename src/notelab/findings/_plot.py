"""Small matplotlib helpers for findings: an Agg figure without pyplot's global state."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure


def new_axes(width: float = 6.4, height: float = 4.0) -> tuple[MplFigure, Axes]:
    """A fresh figure with one axes, independent of pyplot (safe in threads and tests)."""
    figure = MplFigure(figsize=(width, height), layout="constrained")
    return figure, figure.add_subplot()
