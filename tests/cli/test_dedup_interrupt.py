"""Ctrl-C and kill -9 during real runs: exit 130 and one line, outputs old or complete new."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from notelab.cli.main import INTERRUPTED
from notelab.similarity import MinHashIndex
from tests.conftest import run_cli
from tests.similarity.conftest import planted_corpus

# Runs the real entry point; SIGINT is sent at the start of a phase (PHASE, 0), a moment
# into it (PHASE, seconds), or while the N-th output line is being written (write:N).
DRIVER = """
import os, signal, sys, threading
from notelab.cli import dedup_cmd
from notelab.similarity import pipeline, index as index_module

where, argv = sys.argv[1], sys.argv[2:]
phase, _, arg = where.partition(":")

def interrupt():
    os.kill(os.getpid(), signal.SIGINT)

original = dedup_cmd._PhaseProgress.__call__
def hook(self, name):
    original(self, name)
    if name == phase and phase != "write":
        if float(arg) == 0:
            interrupt()
        else:
            threading.Timer(float(arg), interrupt).start()
dedup_cmd._PhaseProgress.__call__ = hook

def killing(lines, at):
    for n, line in enumerate(lines):
        if n == at:
            interrupt()
        yield line
if phase == "write":
    targets = pipeline._targets
    pipeline._targets = lambda *a: {
        p: killing(lines, int(arg)) for p, lines in targets(*a).items()
    }
if phase == "save":
    write = index_module.MinHashIndex._write
    def write_then_interrupt(self, folder, check):
        interrupt()
        write(self, folder, check)
    index_module.MinHashIndex._write = write_then_interrupt

from notelab.cli.main import main
main(argv)
"""


def _drive(where: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", DRIVER, where, *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> Path:
    texts = planted_corpus(n_base=1500, seed=3)
    path = tmp_path_factory.mktemp("big") / "docs.jsonl"
    path.write_text(
        "".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts))
    )
    return path


def _outputs(folder: Path) -> dict[str, Path]:
    return {
        name: folder / f"{name}.jsonl" for name in ("output", "duplicates", "clusters", "pairs")
    }


def _seed_old_outputs(folder: Path) -> dict[str, bytes]:
    old = {}
    for name, path in _outputs(folder).items():
        path.write_text(f'{{"old": "{name}"}}\n')
        old[name] = path.read_bytes()
    return old


@pytest.mark.parametrize(
    "where",
    [
        "read:0",
        "shingles:0",
        "shingles:0.002",
        "signatures:0.002",
        "candidates:0",
        "verify:0",
        "clusters:0",
        "write:0",
        "write:5",
    ],
)
def test_ctrl_c_anywhere_exits_130_and_keeps_old_outputs(big_corpus, tmp_path, where):
    old = _seed_old_outputs(tmp_path)
    flags = [x for name, path in _outputs(tmp_path).items() for x in (f"--{name}", str(path))]
    done = _drive(where, "dedup", str(big_corpus), "--id-field", "id", "--json", *flags)
    assert done.returncode == 130, (done.returncode, done.stderr[-2000:])
    assert done.stderr.strip().splitlines() == [INTERRUPTED]
    assert done.stdout == ""
    assert {name: path.read_bytes() for name, path in _outputs(tmp_path).items()} == old
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.jsonl" for n in old)


def test_ctrl_c_while_saving_an_index_keeps_the_old_one(big_corpus, tmp_path):
    index = tmp_path / "idx"
    assert run_cli("dedup", "index", "build", str(big_corpus), "--index", str(index)).code == 0
    before = {p.name: p.read_bytes() for p in index.iterdir()}
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"text": "an entirely new document with its own words"}) + "\n")
    duplicates = tmp_path / "dup.jsonl"
    for command in (["build", str(big_corpus)], ["add", str(new), "--duplicates", str(duplicates)]):
        done = _drive("save:0", "dedup", "index", command[0], *command[1:], "--index", str(index))
        assert done.returncode == 130, done.stderr[-2000:]
        assert done.stderr.strip().splitlines() == [INTERRUPTED]
        assert {p.name: p.read_bytes() for p in index.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx", "new.jsonl"]


def _kill_at(seconds: float, args: list[str]) -> int:
    process = subprocess.Popen(
        [sys.executable, "-m", "notelab", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
    return process.returncode


def _timed(args: list[str]) -> float:
    start = time.perf_counter()
    assert run_cli(*args).code == 0
    return time.perf_counter() - start


def test_kill_9_leaves_old_or_complete_new_output(big_corpus, tmp_path):
    kept = tmp_path / "kept.jsonl"
    args = ["dedup", str(big_corpus), "--id-field", "id", "--output", str(kept)]
    full = _timed(args)
    complete = kept.read_bytes()
    rng = np.random.default_rng(0)
    codes = []
    for seed in range(4):
        old = f'{{"old": {seed}}}\n'.encode()
        kept.write_bytes(old)
        codes.append(_kill_at(float(rng.uniform(0.5, 1.0)) * full, args))
        assert kept.read_bytes() in (old, complete)
    assert -signal.SIGKILL in codes


def test_kill_9_during_index_add_leaves_a_working_index(big_corpus, tmp_path):
    index = tmp_path / "idx"
    half = tmp_path / "half.jsonl"
    lines = big_corpus.read_text().splitlines(keepends=True)
    half.write_text("".join(lines[: len(lines) // 2]))
    rest = tmp_path / "rest.jsonl"
    rest.write_text("".join(lines[len(lines) // 2 :]))
    build = ["dedup", "index", "build", str(half), "--index", str(index), "--id-field", "id"]
    assert run_cli(*build).code == 0
    old_ids = MinHashIndex.load(index).ids
    add = ["dedup", "index", "add", str(rest), "--index", str(index), "--id-field", "id"]
    full = _timed(add)
    new_ids = MinHashIndex.load(index).ids
    probe = json.loads(lines[0])["text"]
    rng = np.random.default_rng(1)
    codes = []
    for _ in range(3):
        assert run_cli(*build).code == 0
        codes.append(_kill_at(float(rng.uniform(0.5, 1.0)) * full, add))
        loaded = MinHashIndex.load(index)
        assert loaded.ids in (old_ids, new_ids)
        assert loaded.query([probe])[0].match_id == json.loads(lines[0])["id"]
    assert -signal.SIGKILL in codes
