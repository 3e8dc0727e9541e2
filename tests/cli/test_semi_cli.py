"""``notelab semi`` through the real entry point."""

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import run_cli


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """Two moons with 95% of the labels empty, as CSV, Parquet and JSONL."""
    from sklearn.datasets import make_moons

    folder = tmp_path_factory.mktemp("semi")
    X, y = make_moons(300, noise=0.08, random_state=0)
    labels = np.where(y == 1, "upper", "lower").astype(object)
    rng = np.random.default_rng(0)
    hidden = rng.random(300) < 0.95
    hidden[[np.flatnonzero(y == 0)[0], np.flatnonzero(y == 1)[0]]] = False
    labels[hidden] = None
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "id": [f"r{i}" for i in range(300)]})
    frame["label"] = labels
    paths = {
        "csv": folder / "moons.csv",
        "parquet": folder / "moons.parquet",
        "jsonl": folder / "moons.jsonl",
    }
    frame.to_csv(paths["csv"], index=False)
    frame.to_parquet(paths["parquet"])
    frame.to_json(paths["jsonl"], orient="records", lines=True)
    full = frame.assign(label=np.where(y == 1, "upper", "lower"))
    paths["full"] = folder / "full.csv"
    full.to_csv(paths["full"], index=False)
    return frame, y, paths


def test_compare_builtin_json_counts_add_up():
    result = run_cli(
        "semi",
        "compare",
        "--dataset",
        "moons",
        "--fractions",
        "0.02,1",
        "--seeds",
        "2",
        "--methods",
        "logistic,label-spreading",
        "--json",
    )
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["train_rows"] + data["test_rows"] == 1000
    assert [p["seeds"] for p in data["points"]] == [2, 2, 2, 2]
    spread = next(
        p for p in data["points"] if p["method"] == "label-spreading" and p["fraction"] == 0.02
    )
    assert spread["accuracy"] > 0.9 and spread["labelled"] == 14


def test_compare_file_table_and_plot(tables, tmp_path):
    _, _, paths = tables
    plot = tmp_path / "curve.png"
    result = run_cli(
        "semi",
        "compare",
        str(paths["full"]),
        "--target",
        "label",
        "--fractions",
        "0.05,0.5",
        "--seeds",
        "2",
        "--plot",
        str(plot),
    )
    assert result.code == 0, result.stderr
    assert "label-spreading" in result.stdout and "10 labels" in result.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("kind", "suffix"), [("csv", ".csv"), ("parquet", ".parquet"), ("jsonl", ".jsonl")]
)
def test_label_keeps_every_row_and_column(tables, tmp_path, kind, suffix):
    frame, y, paths = tables
    out = tmp_path / f"out{suffix}"
    method = "auto" if kind == "csv" else "label-spreading"
    result = run_cli(
        "semi",
        "label",
        str(paths[kind]),
        "--target",
        "label",
        "--output",
        str(out),
        "--min-confidence",
        "0.6",
        "--method",
        method,
        "--json",
    )
    assert result.code == 0, result.stderr
    report = result.json()
    assert report["rows"] == 300
    assert report["labelled_before"] + report["newly_labelled"] + report["left_empty"] == 300
    read = {".csv": pd.read_csv, ".parquet": pd.read_parquet}.get(
        suffix, lambda p: pd.read_json(p, lines=True)
    )(out)
    assert list(read.columns) == [*frame.columns, "predicted", "confidence"]
    assert read["id"].tolist() == frame["id"].tolist()
    np.testing.assert_allclose(read["a"], frame["a"])
    truth = np.where(y == 1, "upper", "lower")
    answered = read["predicted"].notna().to_numpy()
    assert (read["predicted"].to_numpy()[answered] == truth[answered]).mean() > 0.95


def test_label_same_output_whatever_the_hash_seed(tmp_path, monkeypatch):
    outputs = []
    for hash_seed in ("1", "2"):
        monkeypatch.setenv("PYTHONHASHSEED", hash_seed)
        out = tmp_path / f"wine{hash_seed}.csv"
        result = run_cli("semi", "label", "--dataset", "wine", "--hide", "0.8", "-o", str(out))
        assert result.code == 0, result.stderr
        outputs.append(out.read_text())
    assert outputs[0] == outputs[1]


def test_label_hide_demo_on_builtin(tmp_path):
    out = tmp_path / "digits.csv"
    result = run_cli(
        "semi",
        "label",
        "--dataset",
        "wine",
        "--hide",
        "0.9",
        "--method",
        "label-spreading",
        "--min-confidence",
        "0",
        "-o",
        str(out),
        "--json",
    )
    assert result.code == 0, result.stderr
    report = result.json()
    assert report["hidden_rows"] == report["hidden_rows_predicted"] > 100
    assert report["accuracy_on_hidden_rows"] > 0.8
    assert len(pd.read_csv(out)) == 178


def _write(tmp_path, labels, name="t.csv"):
    path = tmp_path / name
    if name.endswith(".jsonl"):
        path.write_text(
            "".join(json.dumps({"x": float(i), "label": v}) + "\n" for i, v in enumerate(labels))
        )
    else:
        pd.DataFrame({"x": np.arange(len(labels), dtype=float), "label": labels}).to_csv(
            path, index=False
        )
    return path


@pytest.mark.parametrize(
    ("labels", "extra", "name", "message"),
    [
        ([None] * 20, [], "t.csv", "some labelled rows"),
        (["a", "b"] * 10, [], "t.csv", "some rows with an empty"),
        (["a", "b"] + [None] * 18, ["--classes", "a,b,c"], "t.csv", "no labelled row of 'c'"),
        ([1, "cat"] + [None] * 18, [], "t.jsonl", "numbers (e.g. 1) mixed with text"),
        (["a", "b"] + [None] * 18, ["--method", "magic"], "t.csv", "a method from"),
        (["a", "b"] + [None] * 18, ["--target", "nope"], "t.csv", "--target naming a column"),
    ],
)
def test_label_bad_input_one_line_exit_2(tmp_path, labels, extra, name, message):
    path = _write(tmp_path, labels, name)
    args = ["semi", "label", str(path), "--output", str(tmp_path / "o.csv")]
    if "--target" not in extra:
        args += ["--target", "label"]
    result = run_cli(*args, *extra)
    assert result.code == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "moons", "--methods", "magic"], "a method from"),
        (["--dataset", "moons", "--fractions", "0,2"], "--fractions as shares"),
        ([], "either a DATA file or --dataset"),
    ],
)
def test_compare_bad_input(args, message):
    result = run_cli("semi", "compare", *args)
    assert result.code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_compare_no_labelled_rows(tmp_path):
    result = run_cli("semi", "compare", str(_write(tmp_path, [None] * 20)), "--target", "label")
    assert result.code == 2 and "labelled rows" in result.stderr


def test_output_same_as_input_refused(tables):
    _, _, paths = tables
    result = run_cli(
        "semi", "label", str(paths["csv"]), "--target", "label", "-o", str(paths["csv"])
    )
    assert result.code == 2 and "inputs are never modified" in result.stderr


def test_help_has_examples():
    for command in ("compare", "label"):
        result = run_cli("semi", command, "--help")
        assert result.code == 0 and "Examples:" in result.stdout


def test_output_hard_linked_to_the_input_refused(tables, tmp_path):
    _, _, paths = tables
    data = tmp_path / "in.csv"
    data.write_bytes(paths["csv"].read_bytes())
    other = tmp_path / "out.csv"
    other.hardlink_to(data)
    result = run_cli("semi", "label", str(data), "--target", "label", "-o", str(other))
    assert result.code == 2 and "inputs are never modified" in result.stderr
    assert data.read_bytes() == paths["csv"].read_bytes()
