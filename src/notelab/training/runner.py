"""Run each trial in its own worker process, forked from a server that has imported torch once:
a crash or out-of-memory ends the trial, not the sweep, and no trial inherits another's memory."""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import signal
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from notelab._util.rounds import Rounds
from notelab.training.trial import EXCEEDED_EXIT, TrialResult, TrialSpec, run_trial, time_rounds

_CONTEXT = None


def _context() -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        # torch._dynamo: the first optimizer a process builds imports it (2 s): once, in the server
        _CONTEXT.set_forkserver_preload(["torch", "torch._dynamo", "notelab.training.trial"])
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
def _ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C back for the block; at its end, one that came is handled as usual.

    SIGINT is blocked in this thread, so a process spawned in the block is born with it
    blocked (bpo-33613, as the resource tracker does), and in the main thread a handler notes
    one that another thread takes. It is never ignored: a Ctrl-C ignored here was lost, and
    the command ran to the end and exited 0."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else None
    noting = callable(previous)
    received: list[int] = []
    # Another thread may take a Ctrl-C, and this thread then runs the Python handler between
    # any two statements: the noting handler is in place before SIGINT is blocked and until it
    # is unblocked, so that no KeyboardInterrupt can leave it blocked.
    if noting:
        signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # one pending: delivered now
    finally:
        if noting:
            signal.signal(signal.SIGINT, previous)
    if received and callable(previous):
        previous(signal.SIGINT, None)  # Python's default handler: KeyboardInterrupt


def _start_server() -> None:
    """Start the fork server, if it is not running, with Ctrl-C held back: it is born with
    SIGINT blocked, so Ctrl-C reaches only this process, which ends the worker and reports (the
    server would otherwise die with a traceback while it imports torch). The resource tracker
    first: starting it unblocks SIGINT."""
    from multiprocessing import forkserver, resource_tracker

    resource_tracker.ensure_running()
    with _ctrl_c_held():
        forkserver.ensure_running()


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


class WorkerFailed(RuntimeError):
    """A worker process ended without a result, or its function raised."""

    def __init__(self, message: str, exitcode: int | None = None) -> None:
        super().__init__(message)
        self.exitcode = exitcode


def _serve(function: Callable[..., Any], args: tuple[Any, ...], connection: Any) -> None:
    """Worker entry point: call ``function(*args)`` and send back its value (or its error).
    Ctrl-C is the parent's to handle: it ends the worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked in the fork server
    try:
        answer = ("value", function(*args))
    except Exception as error:  # reported to the parent, which raises it
        answer = ("error", f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
    with contextlib.suppress(OSError):  # the parent is gone (Ctrl-C): nobody to tell
        connection.send(answer)
    connection.close()


def call_in_worker(function: Callable[..., Any], *args: Any, timeout: float = 3600.0) -> Any:
    """``function(*args)`` in a fresh worker process (``function`` importable by name).

    Raises
    ------
    WorkerFailed
        The worker ended without a value (killed, out of memory, a crash; ``exitcode`` says
        which) or ``function`` raised (its traceback is the message).
    """
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_serve, args=(function, args, sender), daemon=True)
    _start_server()
    answer = None
    try:
        # Ctrl-C held back until the worker is known (the server may still be importing torch):
        # raised inside start(), it left the worker the server forks next running for nobody
        with _ctrl_c_held(), _bare_main():
            process.start()
        sender.close()
        try:
            if receiver.poll(timeout):
                answer = receiver.recv()
        except EOFError:
            answer = None
    except BaseException:  # Ctrl-C: the worker is not wanted any more
        if process.pid is not None:
            process.kill()
        raise
    finally:
        sender.close()
        if process.pid is not None:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
        receiver.close()
    if answer is None:
        raise WorkerFailed(
            f"the worker ended without a result (exit code {process.exitcode})", process.exitcode
        )
    kind, value = answer
    if kind == "error":
        raise WorkerFailed(value)
    return value


def run_in_worker(spec: TrialSpec, timeout: float = 3600.0) -> TrialResult:
    """Run ``spec`` in a fresh worker process; ``wall_seconds`` includes starting it."""
    start = time.perf_counter()
    try:
        result: TrialResult = call_in_worker(run_trial, spec, timeout=timeout)
    except WorkerFailed as failure:
        return _failed(spec, failure.exitcode, time.perf_counter() - start)
    result.wall_seconds = time.perf_counter() - start
    return result


def time_rounds_in_worker(spec: TrialSpec, sizes: Sequence[int], **options: Any) -> Rounds[int]:
    """:func:`notelab.training.trial.time_rounds` (same options) in a fresh worker process."""
    rounds: Rounds[int] = call_in_worker(
        functools.partial(time_rounds, **options), spec, list(sizes)
    )
    return rounds
