"""Shared fixtures: running the real ``notelab`` entry point and a report made once per session."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 600) -> CliResult:
    """Run ``python -m notelab ARGS`` in a fresh process, as a user would."""
    done = subprocess.run(
        [sys.executable, "-m", "notelab", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def report_dir(tmp_path_factory) -> Path:
    """The report of notes 6 and 10 at quick scale, made once through the command line."""
    out = tmp_path_factory.mktemp("report")
    result = run_cli("report", "--notes", "6,10", "--out", str(out))
    assert result.code == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def dask_client():
    """A real Dask LocalCluster with two worker processes, shared by the engine tests."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
