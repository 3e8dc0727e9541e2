"""The core works without the optional extras: torch, dask and matplotlib are never imported.

Each check runs in a fresh interpreter in which importing an optional package fails, as it would
in an environment where ``pip install notelab`` installed no extra.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

OPTIONAL = ("torch", "dask", "distributed", "matplotlib", "jinja2", "psutil")
CORE_PACKAGES = ("_util", "text", "similarity", "mixture", "classify")
CORE_COMMANDS = ("ascii_cmd", "steps_cmd", "dedup_cmd", "similarity_cmd", "gmm_cmd", "classify_cmd")

BLOCK = f"""
import importlib.abc, sys
class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {OPTIONAL!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, _Block())
"""


def _run(body: str, cwd: Path) -> dict:
    script = (
        BLOCK
        + textwrap.dedent(body)
        + f"""
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {OPTIONAL!r})
print(json.dumps({{"result": result, "loaded": loaded}}))
"""
    )
    done = subprocess.run(
        [sys.executable, "-c", "import json\n" + script],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_core_module_imports_without_extras(tmp_path: Path) -> None:
    out = _run(
        f"""
        import importlib, pkgutil, notelab
        result = []
        for package in {CORE_PACKAGES!r}:
            try:
                root = importlib.import_module("notelab." + package)
            except ModuleNotFoundError as error:
                if error.name == "notelab." + package:
                    continue
                raise
            result.append(root.__name__)
            for info in pkgutil.walk_packages(root.__path__, root.__name__ + "."):
                if "dask" in info.name or info.name.endswith("plot"):
                    continue
                importlib.import_module(info.name)
                result.append(info.name)
        for command in {CORE_COMMANDS!r}:
            try:
                importlib.import_module("notelab.cli." + command)
            except ModuleNotFoundError as error:
                if error.name != "notelab.cli." + command:
                    raise
                continue
            result.append(command)
        importlib.import_module("notelab.cli.main")
        importlib.import_module("notelab.training.schedule")
        """,
        tmp_path,
    )
    assert out["loaded"] == []
    assert "notelab.similarity" in out["result"] and "notelab.mixture" in out["result"]


def _commands(tmp_path: Path) -> list[list[str]]:
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"text": "a b c d e f"}\n{"text": "a b c d e f"}\n{"text": "x y z"}\n')
    table = tmp_path / "t.csv"
    table.write_text("x,y\n" + "".join(f"{i % 7},{(i * 3) % 11}\n" for i in range(60)))
    return [
        ["ascii", "compare", "Apple", "apple"],
        ["steps", "--samples", "1000", "--batch-size", "100", "--epochs", "5"],
        ["dedup", str(docs), "--output", str(tmp_path / "kept.jsonl")],
        ["similarity", "a b c d", "a b c e"],
        ["gmm", "fit", str(table), "--k", "2"],
    ]


def test_core_commands_run_without_extras(tmp_path: Path) -> None:
    out = _run(
        f"""
        from notelab.cli.main import main
        result = []
        for args in {_commands(tmp_path)!r}:
            try:
                main(args)
            except SystemExit as done:
                result.append([args[0], done.code])
        """,
        tmp_path,
    )
    assert out["loaded"] == []
    assert all(code == 0 for _, code in out["result"]), out["result"]


@pytest.mark.parametrize(
    ("args", "extra"),
    [(["batch-size", "--help"], None), (["batch-size"], "torch")],
)
def test_a_command_needing_an_extra_names_the_install(
    tmp_path: Path, args: list[str], extra: str | None
) -> None:
    body = f"""
    import contextlib, io
    from notelab.cli.main import main
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main({args!r})
        except SystemExit as done:
            result = [done.code, err.getvalue()]
    """
    code, stderr = _run(body, tmp_path)["result"]
    if extra is None:
        assert code == 0
    else:
        assert code == 2
        assert f"pip install 'notelab[{extra}]'" in stderr
        assert len(stderr.strip().splitlines()) == 1
