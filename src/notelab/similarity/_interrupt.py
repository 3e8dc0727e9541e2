"""Ctrl-C held back while compiled code runs, then raised where Python can unwind safely.

A ``KeyboardInterrupt`` raised while a numba dispatcher is inside a parallel kernel can leave
the interpreter in a broken state (a ``SystemError`` or a crash). Inside :func:`deferred`,
SIGINT only records that it came; when the block ends the old handler is back and the
interrupt is raised there, between kernels, where every ``finally`` and ``except`` runs.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType


def _nothing() -> None:
    return None


@contextlib.contextmanager
def deferred() -> Iterator[Callable[[], None]]:
    """Hold SIGINT back for the block; raise ``KeyboardInterrupt`` after it if one came.

    The block gets a ``check`` function that raises at once if SIGINT came: call it at
    points where stopping is safe (between chunks of work). A block inside another one
    shares its record and leaves the final raise to the outer block.

    Outside the main thread (where handlers cannot be set), or where SIGINT is ignored, the
    block runs as it is.

    Examples
    --------
    >>> with deferred():
    ...     total = sum(range(10))
    >>> total
    45
    """
    current = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or current == signal.SIG_IGN:
        yield _nothing
        return
    outer = getattr(current, "received", None)
    if outer is not None:  # inside another deferred block: that one raises at its end
        yield functools.partial(_check, outer)
        return
    note = _Note()
    signal.signal(signal.SIGINT, note)
    try:
        yield functools.partial(_check, note.received)
    finally:
        signal.signal(signal.SIGINT, current if current is not None else signal.default_int_handler)
    _check(note.received)


class _Note:
    """The SIGINT handler of a deferred block: it notes each signal in ``received``."""

    def __init__(self) -> None:
        self.received: list[int] = []

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)


def _check(received: list[int]) -> None:
    if received:
        raise KeyboardInterrupt
