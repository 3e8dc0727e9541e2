"""Memory sizes as people write them (8GiB, 512MB, 2G, 1.5 GiB, 1048576), and sizes and
durations as people read them."""

from __future__ import annotations

import re

from notelab._util import InputError

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1000,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1000**3,
    "gib": 1024**3,
    "t": 1024**4,
    "tb": 1000**4,
    "tib": 1024**4,
}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str) -> int:
    """Bytes in a size string; bare K/M/G/T are binary (as in ``free -h``).

    Examples
    --------
    >>> parse_size("8GiB"), parse_size("512MB"), parse_size("1.5k")
    (8589934592, 512000000, 1536)
    """
    match = _PATTERN.match(text)
    unit = match.group(2).lower() if match else None
    if not match or unit not in _UNITS:
        raise InputError(
            "a size such as 8GiB, 512MB, 2G or a number of bytes",
            repr(text),
            "pass e.g. --memory-limit 8GiB",
        )
    value = int(float(match.group(1)) * _UNITS[unit])
    if value <= 0:
        raise InputError("a positive size", repr(text), "pass e.g. --memory-limit 8GiB")
    return value


def format_size(value: float) -> str:
    """Bytes as MiB or GiB with three significant digits."""
    if value >= 1024**3:
        return f"{value / 1024**3:.3g} GiB"
    return f"{value / 1024**2:.3g} MiB"


def format_hms(seconds: float | None) -> str:
    """Seconds as ``h:mm:ss`` (``-`` for none).

    Examples
    --------
    >>> format_hms(6300), format_hms(59.6), format_hms(None)
    ('1:45:00', '0:01:00', '-')
    """
    if seconds is None:
        return "-"
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
