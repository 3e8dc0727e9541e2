import pytest

from tests.conftest import run_cli

SMALL = [
    "--examples",
    "64",
    "--heldout",
    "16",
    "--epochs",
    "2",
    "--hidden",
    "8",
    "--embedding",
    "8",
    "--batch-size",
    "32",
    "--device",
    "cpu",
]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("seq") / "copy.pt"
    result = run_cli(
        "seq",
        "train",
        "--task",
        "copy",
        "--schedule",
        "inverse-sigmoid",
        "--k",
        "2",
        *SMALL,
        "--save",
        str(path),
        "--json",
    )
    assert result.code == 0, result.stderr
    return path, result


def test_train_json_and_progress(model):
    path, result = model
    doc = result.json()
    t = doc["training"]
    assert path.is_file() and t["steps"] == 4 and len(t["checkpoints"]) == 2
    assert t["truth_inputs"] + t["model_inputs"] > 0
    assert doc["options"]["schedule"] == "inverse-sigmoid"
    assert 0 <= doc["metrics"]["free_running_accuracy"] <= 1
    assert "epoch 2: loss" in result.stderr and "free-running" in result.stderr


def test_eval_plot_and_show(model, tmp_path):
    path, _ = model
    png = tmp_path / "positions.png"
    result = run_cli(
        "seq", "eval", str(path), "--task", "copy", "--examples", "20", "--plot", str(png)
    )
    assert result.code == 0, result.stderr
    assert "exposure-bias gap" in result.stdout and "Accuracy by output position" in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shown = run_cli("seq", "show", str(path), "A B C D E", "--json")
    assert shown.code == 0, shown.stderr
    steps = shown.json()["steps"]
    assert [s["teacher_input"] for s in steps[:6]] == ["<bos>", "A", "B", "C", "D", "E"]


def test_train_on_pairs_human_output(tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("".join(f"{w}\t{w[::-1]}\n" for w in ("abc", "bca", "cab", "aab", "bba")))
    result = run_cli(
        "seq", "train", "--data", str(tsv), "--holdout", "0.4", "--schedule", "free", *SMALL
    )
    assert result.code == 0, result.stderr
    assert "Held-out metrics (2 pairs" in result.stdout
    assert "0 true tokens" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "copy", "--schedule", "cosine"], "expected a schedule from"),
        (["--task", "copy", "--schedule", "inverse-sigmoid", "--k", "0.5"], "k >= 1"),
        (["--task", "copy", "--schedule", "exponential", "--k", "1.2"], "0 < k < 1"),
        (["--task", "copy", "--data", "x.tsv"], "exactly one of --task or --data"),
        (["--task", "divide"], "a task from"),
        (["--data", "{bad}"], "source<TAB>target on every line"),
        (["--data", "{empty}"], "a non-empty target"),
        (["--data", "{unseen}", "--tokens", "word", "--holdout", "0.5"], "unseen"),
    ],
)
def test_bad_input_exits_2(tmp_path, args, message):
    files = {"bad": "ab\tba\nno tab\n", "empty": "ab\t\n", "unseen": "a b\tb a\nc d\td c\n"}
    for name, text in files.items():
        (tmp_path / f"{name}.tsv").write_text(text)
    args = [a.format(**{k: str(tmp_path / f"{k}.tsv") for k in files}) for a in args]
    result = run_cli("seq", "train", *args, *SMALL)
    assert result.code == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_show_unseen_token_and_missing_model(model, tmp_path):
    path, _ = model
    unseen = run_cli("seq", "show", str(path), "A B Z")
    assert unseen.code == 2 and "unseen: 'Z'" in unseen.stderr and "--unknown map" in unseen.stderr
    mapped = run_cli("seq", "show", str(path), "A B Z", "--unknown", "map")
    assert mapped.code == 0, mapped.stderr
    missing = run_cli("seq", "eval", str(tmp_path / "none.pt"))
    assert missing.code == 2 and "a model file" in missing.stderr
    clobber = run_cli("seq", "eval", str(path), "--plot", str(path))
    assert clobber.code == 2 and "not an input" in clobber.stderr


def test_help_has_examples():
    for command in ("train", "eval", "show"):
        result = run_cli("seq", command, "--help")
        assert result.code == 0 and "Examples" in result.stdout
