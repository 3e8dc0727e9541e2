"""Engine options shared by commands that can run on Dask: local, a local cluster or a scheduler."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

from notelab._util import InputError

ENGINES = ("local", "dask")
Callback = TypeVar("Callback", bound=Callable[..., Any])  # a command's function


def engine_options(function: Callback) -> Callback:
    """Add --engine, --workers and --scheduler to a command."""
    function = click.option(
        "--scheduler", metavar="ADDR", help="Join an existing Dask scheduler, e.g. tcp://host:8786."
    )(function)
    function = click.option(
        "--workers",
        type=int,
        default=None,
        help="Start a local Dask cluster of N worker processes.",
    )(function)
    return click.option(
        "--engine",
        type=click.Choice(ENGINES),
        default="local",
        show_default=True,
        help="local: numpy/numba on this machine; dask: a Dask cluster.",
    )(function)


@contextlib.contextmanager
def dask_client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    """A Dask client: to ``scheduler`` when given, else to a local cluster of ``workers``."""
    from distributed import Client, LocalCluster

    from notelab._util.dask import connect

    if workers is not None and workers < 1:
        raise InputError("--workers as a positive integer", repr(workers), "e.g. --workers 2")
    if scheduler:
        with connect(scheduler) as client:
            yield client
        return
    import logging

    import dask

    # the workers' statistical profiler feeds the dashboard, which is off here: it only costs CPU
    with (
        dask.config.set({"distributed.worker.profile.enabled": False}),
        LocalCluster(  # type: ignore[no-untyped-call]  # distributed: untyped
            n_workers=workers or 2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # the scheduler's HTTP server on any free port: on 8787, its default, a second
            # cluster warned on stderr that the port was taken
            scheduler_kwargs={"dashboard_address": ":0"},
            env={"NUMBA_NUM_THREADS": "1"},  # a worker is one core: its kernels run on one
            silence_logs=logging.CRITICAL,  # a task's error reaches the user once, from here
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]  # distributed: untyped
    ):
        yield client


def check_engine(engine: str, workers: int | None, scheduler: str | None) -> None:
    """--workers and --scheduler only make sense with --engine dask, and not together."""
    if engine == "local" and (workers or scheduler):
        raise InputError(
            "--engine dask with --workers or --scheduler", f"--engine {engine}", "add --engine dask"
        )
    if workers and scheduler:
        raise InputError("one of --workers or --scheduler", "both", "pass only one")
