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


def _wait_for(condition, seconds: float = 300.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_ctrl_c_from_the_terminal_exits_130_with_one_line_and_no_process_left():
    # SIGINT to the whole process group, as a terminal sends it, once the command is in its
    # trials (its fork server has started: at once, and 3 s later); each time exit 130, no
    # traceback from any process, and no worker left behind
    import os
    import signal
    import subprocess
    import sys
    import time

    def processes(option: str, pid: int) -> bytes:
        return subprocess.run(["pgrep", option, str(pid)], capture_output=True).stdout

    args = ["--workload", "mlp", "--sizes", "1,2,4,8,16,32,64,128", "--min-time", "0.5"]
    for delay in (0.0, 3.0):
        process = subprocess.Popen(
            [sys.executable, "-m", "notelab", "batch-size", *args, "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        _wait_for(lambda p=process: bool(processes("-P", p.pid)))  # the fork server is up
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=300)
        assert process.returncode == 130, err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert "interrupted" in err
        if out:  # interrupted during the trials: what was measured, as JSON
            assert json.loads(out)["interrupted"]
        _wait_for(lambda p=process: not processes("-s", p.pid), seconds=10)
        assert not processes("-s", process.pid)  # the fork server and workers are gone
