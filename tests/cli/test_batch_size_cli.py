import contextlib
import json

import pytest

from tests.conftest import run_cli


def test_sweep_json_with_user_factory(tmp_path):
    plot = tmp_path / "bs.png"
    result = run_cli(
        "batch-size",
        "--model",
        "tests.training.example_factory:make_workload",
        "--sizes",
        "1,4",
        "--steps",
        "2",
        "--samples",
        "1000",
        "--plot",
        str(plot),
        "--json",
    )
    assert result.code == 0, result.stderr
    data = result.json()
    assert [r["batch_size"] for r in data["rows"]] == [1, 4]
    assert [r["steps_per_epoch"] for r in data["rows"]] == [1000, 250]
    assert all(r["fits"] for r in data["rows"])
    assert data["knee"] in (1, 4)
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_human_table():
    result = run_cli("batch-size", "--workload", "mlp", "--sizes", "2", "--steps", "2")
    assert result.code == 0, result.stderr
    assert "89,000" in result.stdout and "44,500" in result.stdout and "knee" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sizes", "0,2"], "positive integers"),
        (["--sizes", "a,b"], "positive integers"),
        (["--workload", "rnn"], "Invalid value"),
        (["--model", "nowhere_module:f"], "importable module"),
        (["--model", "bad"], "package.module:factory"),
        (["--model", "tests.training.example_factory:wrong_return"], "4-tuple"),
        (["--model", "tests.training.example_factory:fails_inside"], "factory exploded"),
        (["--memory-limit", "lots"], "a size such as"),
        (["--device", "cuda"], "CUDA"),
        (["--workload", "mlp", "--model", "x:y"], "one of --workload or --model"),
        (["--steps", "0"], "--steps >= 1"),
        (["--min-time", "-1"], "--min-time >= 0"),
        (["--warmup", "-1"], "--warmup >= 0"),
        (["--margin", "1"], "--margin in [0, 1)"),
        (["--margin", "-0.1"], "--margin in [0, 1)"),
    ],
)
def test_bad_input_exit_2(args, message):
    import torch

    if args == ["--device", "cuda"] and torch.cuda.is_available():
        pytest.skip("a GPU is present")
    result = run_cli("batch-size", *args)
    assert result.code == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_auto_search_under_a_memory_limit_reports_the_answer_run_twice():
    # the example model needs far less than 4 GiB: the search climbs to --max-batch and
    # re-runs it before reporting it
    result = run_cli(
        "batch-size",
        "--model",
        "tests.training.example_factory:make_workload",
        "--sizes",
        "auto",
        "--max-batch",
        "16",
        "--memory-limit",
        "4GiB",
        "--steps",
        "2",
        "--warmup",
        "1",
        "--samples",
        "1000",
    )
    assert result.code == 0, result.stderr
    assert "largest batch that fit: 16" in result.stdout
    assert "the answer run twice (peaks " in result.stdout and " MiB)" in result.stdout


def test_ctrl_c_keeps_what_was_measured(monkeypatch, capsys, tmp_path):
    # Ctrl-C during the third trial: the two measured sizes are printed, plotted, exit 130
    from notelab.cli.main import main
    from notelab.training.profiler import Profiler

    real_trial = Profiler.trial

    def trial(self, batch_size):
        if len(self._rows) == 2:
            raise KeyboardInterrupt
        return real_trial(self, batch_size)

    monkeypatch.setattr(Profiler, "trial", trial)
    plot = tmp_path / "bs.png"
    with pytest.raises(SystemExit) as stopped:
        main(
            [
                "batch-size",
                "--model",
                "tests.training.example_factory:make_workload",
                "--sizes",
                "1,2,4",
                "--steps",
                "2",
                "--warmup",
                "1",
                "--min-time",
                "0",
                "--samples",
                "100",
                "--plot",
                str(plot),
                "--json",
            ]
        )
    assert stopped.value.code == 130
    out, err = capsys.readouterr()
    profile = json.loads(out)
    assert profile["interrupted"] and [r["batch_size"] for r in profile["rows"]] == [1, 2]
    assert all(r["fits"] for r in profile["rows"]) and "interrupted after 2 trial(s)" in err
    assert plot.stat().st_size > 0


FACTORIES = "tests.training.example_factory"


def _line_of(marker: str) -> int:
    from pathlib import Path

    text = Path("tests/training/example_factory.py").read_text().splitlines()
    return next(i for i, line in enumerate(text, 1) if marker in line)


@pytest.mark.parametrize(
    ("factory", "where"),
    [
        ("shape_bug", f"tests/training/example_factory.py:{_line_of('SHAPE BUG')} in forward"),
        ("sequential_shape_bug", f"inside the model of {FACTORIES}:sequential_shape_bug"),
    ],
)
def test_a_model_that_raises_is_one_line_and_exit_1(factory, where):
    result = run_cli("batch-size", "--model", f"{FACTORIES}:{factory}", "--sizes", "1,2", "--json")
    assert result.code == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "RuntimeError: mat1 and mat2 shapes cannot be multiplied" in result.stderr
    assert where in result.stderr and "(batch 1)" in result.stderr and "--debug" in result.stderr


def test_debug_shows_the_whole_traceback_of_the_model():
    result = run_cli("--debug", "batch-size", "--model", f"{FACTORIES}:shape_bug", "--sizes", "1")
    assert result.code == 1
    assert "Traceback" in result.stderr and "# SHAPE BUG" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: ModelError: the model raised")


def test_out_of_memory_in_the_model_means_the_size_does_not_fit():
    args = ("--model", f"{FACTORIES}:out_of_memory_above_2", "--sizes", "1,4", "--steps", "1")
    result = run_cli("batch-size", *args, "--min-time", "0", "--warmup", "0", "--json")
    assert result.code == 0, result.stderr
    rows = result.json()["rows"]
    assert [(r["batch_size"], r["fits"]) for r in rows] == [(1, True), (4, False)]
    assert rows[1]["error"].startswith("out of memory: DefaultCPUAllocator")


def _wait_for(condition, seconds: float = 300.0) -> bool:
    """Poll ``condition`` until it holds (``seconds``: only a bound for a failing test)."""
    import time

    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return bool(condition())


@pytest.mark.parametrize("moment", ["server", "trial"])
def test_ctrl_c_from_the_terminal_exits_130_with_one_line_and_no_process_left(moment, tmp_path):
    # SIGINT to the whole process group, as a terminal sends it, the moment the fork server
    # appears (as a rule still importing torch) or the moment the first trial's worker appears;
    # no sleep: what the test waits for is an event, and the trial cannot end before the
    # signal (--min-time 3600). Each time exit 130, one line and no traceback from any
    # process, the JSON of what was measured (nothing), and no server or worker left behind
    import os
    import signal
    import subprocess
    import sys

    def processes(*options: str) -> list[str]:
        return subprocess.run(["pgrep", *options], capture_output=True, text=True).stdout.split()

    args = ["--workload", "mlp", "--sizes", "1", "--steps", "1", "--min-time", "3600", "--json"]
    out, err = tmp_path / "out", tmp_path / "err"  # files: a process left behind holds a pipe
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "notelab", "batch-size", *args],
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        assert _wait_for(lambda: processes("-P", str(process.pid), "-f", "forkserver"))
        if moment == "trial":
            server = processes("-P", str(process.pid), "-f", "forkserver")[0]
            assert _wait_for(lambda: processes("-P", server))  # the worker is forked
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=300) == 130, err.read_text()
        assert _wait_for(lambda: not processes("-s", str(process.pid)), seconds=60)
        message = err.read_text()  # all of it: no process is left to write more
        assert "Traceback" not in message and len(message.strip().splitlines()) == 1, message
        assert "interrupted after 0 trial(s)" in message
        profile = json.loads(out.read_text())
        assert profile["interrupted"] and profile["rows"] == []
    finally:  # a failure leaves nothing running
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
