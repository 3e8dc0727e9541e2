"""``notelab norm`` through the real entry point (``python -m notelab``)."""

import numpy as np
import pandas as pd
import pytest

from tests.conftest import run_cli

FACTORIES = "tests.nn.norm.factories"


def test_example_human_and_json():
    human = run_cli("norm", "example")
    assert human.code == 0, human.stderr
    assert "each feature over the batch" in human.stdout and "[nan, nan, nan]" in human.stdout
    data = run_cli("norm", "example", "--json").json()
    assert data["batch"]["mean"] == [3.0, 4.0, 6.0, 5.0]
    assert data["layer"]["mean"] == [4.25, 4.25, 5.0]
    assert data["unguarded"] == ["nan", "nan", "nan"] and data["guarded"] == [0.0, 0.0, 0.0]


def test_stats_writes_the_normalised_table(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(3, 2, size=(6, 4)), columns=list("abcd"))
    frame.insert(0, "name", list("uvwxyz"))
    frame.to_csv(tmp_path / "data.csv", index=False)
    out = tmp_path / "normed.parquet"
    result = run_cli(
        "norm",
        "stats",
        str(tmp_path / "data.csv"),
        "--kind",
        "batch",
        "--output",
        str(out),
        "--json",
    )
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["ignored_columns"] == ["name"] and "values" not in document
    x = frame[list("abcd")].to_numpy()
    np.testing.assert_allclose([s["mean"] for s in document["statistics"]], x.mean(0))
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    np.testing.assert_allclose(pd.read_parquet(out).to_numpy(), expected, atol=1e-10)


def test_stats_human_output_on_npy(tmp_path):
    np.save(tmp_path / "x.npy", np.arange(12.0).reshape(3, 4))
    result = run_cli("norm", "stats", str(tmp_path / "x.npy"), "--kind", "group", "--groups", "2")
    assert result.code == 0, result.stderr
    assert "row 1, x0..x1" in result.stdout and "normalised values" in result.stdout


def test_compare_with_a_user_factory(tmp_path):
    plot = tmp_path / "compare.png"
    result = run_cli(
        "norm",
        "compare",
        "--model",
        f"{FACTORIES}:small_mlp",
        "--batch-sizes",
        "4,16",
        "--norms",
        "batch,layer",
        "--seeds",
        "2",
        "--samples",
        "96",
        "--threads",
        "1",
        "--plot",
        str(plot),
        "--json",
    )
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["metric"] == "accuracy" and len(data["runs"]) == 2 * 2 * 2
    assert [(r["norm"], r["batch_size"]) for r in data["rows"]] == [
        ("batch", 4),
        ("batch", 16),
        ("layer", 4),
        ("layer", 16),
    ]
    assert all(r["gap"]["value"] == 0 for r in data["rows"] if r["norm"] == "layer")
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_compare_human_table_names_the_best():
    result = run_cli(
        "norm",
        "compare",
        "--model",
        f"{FACTORIES}:small_mlp",
        "--batch-sizes",
        "8",
        "--norms",
        "group,none",
        "--seeds",
        "1",
        "--samples",
        "64",
        "--threads",
        "1",
    )
    assert result.code == 0, result.stderr
    assert "held-out accuracy" in result.stdout and "batch 8:" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "--norms", "batch,instance"], "--norms from batch, layer, group, none"),
        (["compare", "--batch-sizes", "1,8"], "batch norm in training"),
        (["compare", "--batch-sizes", "0,8"], "positive integers"),
        (["compare", "--model", f"{FACTORIES}:no_norm", "--batch-sizes", "4"], "layer to swap"),
        (["compare", "--model", f"{FACTORIES}:fails", "--batch-sizes", "4"], "factory exploded"),
        (["compare", "--model", "nowhere_module:f"], "importable module"),
        (["compare", "--workload", "digits-cnn", "--model", "x:y"], "one of --workload or --model"),
        (
            [
                "compare",
                "--model",
                f"{FACTORIES}:small_mlp",
                "--batch-sizes",
                "500",
                "--samples",
                "96",
            ],
            "training samples",
        ),
        (["compare", "--threads", "-1"], "--threads >= 0"),
        (["stats", "missing.csv", "--kind", "layer"], "an existing table file"),
        (["stats", "README.md", "--kind", "layer"], "a table file"),
        (["stats", "pyproject.toml", "--kind", "batch", "--groups", "2"], "--groups only with"),
        (["example", "--eps", "-1"], "--eps >= 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = run_cli("norm", *args)
    assert result.code == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
