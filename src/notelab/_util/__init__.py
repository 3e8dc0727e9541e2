"""Small helpers shared by every package: input errors and atomic files."""

from notelab._util.atomic import (
    atomic_write_bytes,
    atomic_write_png,
    atomic_write_text,
    atomic_writer,
)
from notelab._util.errors import InputError

__all__ = [
    "InputError",
    "atomic_write_bytes",
    "atomic_write_png",
    "atomic_write_text",
    "atomic_writer",
]
