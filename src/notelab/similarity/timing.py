"""One phase timer for every engine: named phases, an injectable clock, a progress hook."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator


class PhaseTimer:
    """Times named phases into ``seconds`` (a phase run twice adds up) and tells ``progress``.

    Parameters
    ----------
    clock : callable
        Seconds as a float (``time.perf_counter`` by default); tests pass a fake one.
    progress : callable, optional
        Told each phase's name as it starts.

    Examples
    --------
    >>> ticks = iter([0.0, 1.5, 2.0, 2.25])
    >>> timer = PhaseTimer(clock=lambda: next(ticks))
    >>> with timer.phase("read"):
    ...     pass
    >>> with timer.phase("write"):
    ...     pass
    >>> timer.seconds
    {'read': 1.5, 'write': 0.25}
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.perf_counter,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.clock = clock
        self.progress = progress
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the block as phase ``name``."""
        if self.progress is not None:
            self.progress(name)
        start = self.clock()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + self.clock() - start
