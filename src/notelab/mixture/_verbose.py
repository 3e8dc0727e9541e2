"""Progress messages of ``verbose=1`` and ``verbose=2``, word for word scikit-learn's.

The clock and the output are injected, so tests can check every character.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class VerboseReport:
    """Prints what scikit-learn's mixtures print while fitting.

    Parameters
    ----------
    verbose : int
        0 silent; 1 each start and every ``interval`` iterations; 2 also times and changes.
    interval : int
        Iterations between messages.
    clock : callable
        Seconds now (``time.time``).
    write : callable, optional
        Where a line goes (``print`` when None).

    Examples
    --------
    >>> report = VerboseReport(1, 10)
    >>> report.init_begin(0)
    Initialization 0
    >>> report.iteration(10, 0.5)
      Iteration 10
    >>> report.init_end(-1.25, True)
    Initialization converged.
    """

    def __init__(
        self,
        verbose: int,
        interval: int,
        clock: Callable[[], float] = time.time,
        write: Callable[[str], None] | None = None,
    ) -> None:
        self.verbose = int(verbose)
        self.interval = interval
        self.clock = clock
        self.write = write or print
        self.init_time = self.iter_time = 0.0

    def init_begin(self, init: int) -> None:
        """A start begins."""
        if self.verbose >= 1:
            self.write(f"Initialization {init:d}")
        if self.verbose >= 2:
            self.init_time = self.iter_time = self.clock()

    def iteration(self, n_iter: int, change: float) -> None:
        """An EM iteration ended; ``change`` is the lower bound's change."""
        if n_iter % self.interval != 0 or self.verbose < 1:
            return
        if self.verbose == 1:
            self.write(f"  Iteration {n_iter:d}")
            return
        now = self.clock()
        lapse = now - self.iter_time
        self.write(f"  Iteration {n_iter:d}\t time lapse {lapse:.5f}s\t ll change {change:.5f}")
        self.iter_time = now

    def init_end(self, lower_bound: float, converged: bool) -> None:
        """A start ended."""
        message = "converged" if converged else "did not converge"
        if self.verbose == 1:
            self.write(f"Initialization {message}.")
        elif self.verbose >= 2:
            lapse = self.clock() - self.init_time
            self.write(
                f"Initialization {message}. time lapse {lapse:.5f}s\t lower bound"
                f" {lower_bound:.5f}."
            )
