"""Run each trial in its own worker process, forked from a server that has imported torch once:
a crash or out-of-memory ends the trial, not the sweep, and no trial inherits another's memory."""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
import time
import types
from collections.abc import Iterator

from notelab.training.trial import EXCEEDED_EXIT, TrialResult, TrialSpec, child_main

_CONTEXT = None


def _context():
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(["torch", "notelab.training.trial"])
    return _CONTEXT


def _failed(spec: TrialSpec, exitcode: int | None, wall: float) -> TrialResult:
    if exitcode == EXCEEDED_EXIT:
        reason = "stopped at the memory limit"
    elif exitcode in (-9, 137):
        reason = "killed (out of memory?)"
    else:
        reason = f"worker ended without a result (exit code {exitcode})"
    return TrialResult(
        spec.batch_size,
        fits=False,
        peak_bytes=spec.memory_limit or 0,
        wall_seconds=wall,
        error=reason,
    )


@contextlib.contextmanager
def _bare_main() -> Iterator[None]:
    """Start workers without the parent's ``__main__``: multiprocessing would import it in every
    worker (for the command line, all of notelab), which costs time and pollutes memory."""
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = saved


def run_in_worker(spec: TrialSpec, timeout: float = 3600.0) -> TrialResult:
    """Run ``spec`` in a fresh worker process; ``wall_seconds`` includes starting it."""
    context = _context()
    start = time.perf_counter()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=child_main, args=(spec, sender), daemon=True)
    with _bare_main():
        process.start()
    sender.close()
    result = None
    try:
        if receiver.poll(timeout):
            result = receiver.recv()
    except EOFError:
        result = None
    finally:
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
        receiver.close()
    wall = time.perf_counter() - start
    if result is None:
        return _failed(spec, process.exitcode, wall)
    result.wall_seconds = wall
    return result
