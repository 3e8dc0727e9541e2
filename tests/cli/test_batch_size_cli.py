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
