import pytest

from tests.conftest import run_cli


def test_note_example_json():
    result = run_cli("steps", "--samples", "1000", "--batch-size", "100", "--epochs", "5", "--json")
    assert result.code == 0
    data = result.json()
    assert data["batches_per_epoch"] == 10 and data["total_steps"] == 50


def test_human_output():
    result = run_cli("steps", "-n", "89000", "-b", "2")
    assert result.code == 0 and "44,500" in result.stdout


def test_accumulation_modes():
    flush = run_cli("steps", "-n", "1000", "-b", "300", "-k", "3", "--json").json()
    drop = run_cli(
        "steps", "-n", "1000", "-b", "300", "-k", "3", "--accumulation-mode", "drop", "--json"
    ).json()
    assert (flush["total_steps"], drop["total_steps"]) == (2, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--samples", "0", "--batch-size", "2"], "positive integer"),
        (["--samples", "-5", "--batch-size", "2"], "positive integer"),
        (["--samples", "10", "--batch-size", "2.5"], "not a valid integer"),
        (["--samples", "10", "--batch-size", "2", "--accumulate", "0"], "positive integer"),
        (["--batch-size", "2"], "Missing option"),
    ],
)
def test_bad_values_exit_2(args, message):
    result = run_cli("steps", *args)
    assert result.code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_help_has_examples():
    result = run_cli("steps", "--help")
    assert result.code == 0 and "Examples" in result.stdout


def test_counts_above_2_to_the_53_are_exact():
    n = 2**60 + 1  # a float would say 2**60
    data = run_cli("steps", "-n", str(n), "-b", "2", "--epochs", "3", "--json").json()
    assert data["batches_per_epoch"] == 2**59 + 1 and data["last_batch_size"] == 1
    assert data["total_steps"] == 3 * (2**59 + 1) and data["samples_seen"] == 3 * n
    human = run_cli("steps", "-n", str(n), "-b", "2")
    assert f"{2**59 + 1:,}" in human.stdout


def test_ctrl_c_exits_130_with_one_line(monkeypatch, capsys):
    from notelab.cli import steps_cmd
    from notelab.cli.main import main

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(steps_cmd, "schedule", interrupted)
    with pytest.raises(SystemExit) as stopped:
        main(["steps", "-n", "1000", "-b", "100"])
    out, err = capsys.readouterr()
    assert stopped.value.code == 130 and out == ""
    assert err.strip().splitlines()[-1].startswith("interrupted") and "Traceback" not in err
