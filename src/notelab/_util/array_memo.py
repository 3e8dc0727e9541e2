"""A value computed once per array object: shared by the trees of one fit, not per tree."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np


class ArrayMemo:
    """``compute(X)``, remembered while ``X`` (the same object) lives.

    Thread-safe. The memory goes with the array: entries whose array is gone are dropped on the
    next miss. Pickles as an empty memo (a lock cannot travel, nor is the memory worth sending):
    a copy in another process computes afresh.

    Parameters
    ----------
    compute : callable
        A module-level function of one array.
    """

    def __init__(self, compute: Callable[[np.ndarray], Any]) -> None:
        self.compute = compute
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[weakref.ref[np.ndarray], Any]] = {}

    def __reduce__(self) -> tuple[type, tuple[Callable[[np.ndarray], Any]]]:
        return (ArrayMemo, (self.compute,))

    def of(self, X: np.ndarray) -> Any:
        """``compute(X)``, from memory when this very array was seen before."""
        with self._lock:
            entry = self._entries.get(id(X))
            if entry is None or entry[0]() is not X:
                self._entries = {k: e for k, e in self._entries.items() if e[0]() is not None}
                entry = (weakref.ref(X), self.compute(X))
                self._entries[id(X)] = entry
            return entry[1]
