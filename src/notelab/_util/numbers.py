"""Numbers for people: the one formatting used by evidence sentences, report tables and pages.

Ratios and errors get 2-3 significant digits, counts thousands separators, durations a unit
(µs, ms, s, or h:mm:ss from a minute on). A table column whose name ends in ``" (s)"`` holds
seconds: :func:`cell` shows them as durations and :func:`header` drops the marker.

Examples
--------
>>> sig(0.025631), sig(1234.5), sig(3.5e-14), count(89000), duration(0.1342), duration(3725)
('0.0256', '1,234', '3.5e-14', '89,000', '134 ms', '1:02:05')
"""

from __future__ import annotations

import math
from typing import Any

SECONDS_MARK = " (s)"


def sig(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits; whole numbers from ``10**(digits-1)`` on with
    thousands separators; scientific only below 0.0001."""
    exact = float(value)
    value = float(f"{exact:.{digits}g}")  # rounded first: 99.95 is 100, not 100.0
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    if abs(value) < 1e-4:
        return f"{value:.{max(0, digits - 2)}e}".replace("e-0", "e-")
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude >= digits - 1:
        return f"{round(exact):,}"
    return f"{value:.{digits - 1 - magnitude}f}"


def count(value: int) -> str:
    """A count with thousands separators."""
    return f"{int(value):,}"


def duration(seconds: float) -> str:
    """Seconds with a unit: ``850 µs``, ``134 ms``, ``7.5 s``, or ``h:mm:ss`` from a minute on."""
    if not math.isfinite(seconds):
        return f"{seconds:g} s"
    if seconds >= 59.5:
        whole = round(seconds)
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if abs(seconds) >= scale or unit == "µs":
            return f"{sig(seconds / scale, 3 if seconds / scale < 100 else 2)} {unit}"
    raise AssertionError  # the loop always returns


def header(column: str) -> str:
    """A column header as shown: without the seconds marker."""
    return column.removesuffix(SECONDS_MARK)


def cell(value: Any, column: str = "") -> str:
    """A table cell as shown: durations in seconds columns, counts, 3 significant digits."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column.endswith(SECONDS_MARK) and isinstance(value, int | float):
        return duration(float(value))
    if isinstance(value, int):
        return count(value)
    if isinstance(value, float):
        return sig(value)
    return str(value)
