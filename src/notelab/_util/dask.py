"""Joining a running Dask scheduler, with the project's one error for an unreachable one."""

from __future__ import annotations

from typing import Any

from notelab._util.errors import InputError


def connect(address: str) -> Any:
    """A ``distributed.Client`` to the scheduler at ``address`` (10 s to answer).

    Raises
    ------
    InputError
        When no scheduler answers there: expected, got, and how to start one.
    """
    from distributed import Client

    try:
        return Client(address, timeout=10)  # type: ignore[no-untyped-call]  # distributed: untyped
    except OSError as error:
        raise InputError(
            "a reachable Dask scheduler",
            repr(address),
            f"start one with `dask scheduler` ({error})",
        ) from None
