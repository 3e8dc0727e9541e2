import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from notelab.classify import compare
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def iris_files(tmp_path_factory):
    data = load_iris(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame["species"] = data.target_names[data.target]
    folder = tmp_path_factory.mktemp("iris")
    paths = {"csv": folder / "iris.csv", "parquet": folder / "iris.parquet"}
    frame.to_csv(paths["csv"], index=False)
    frame.to_parquet(paths["parquet"])
    return frame, paths


def test_compare_json_matches_the_library(iris_files, tmp_path):
    frame, paths = iris_files
    plot = tmp_path / "board.png"
    args = ["--target", "species", "--models", "tree,logistic,knn", "--cv", "3", "--jobs", "1"]
    result = run_cli(
        "classify", "compare", str(paths["parquet"]), *args, "--plot", str(plot), "--json"
    )
    assert result.code == 0, result.stderr
    doc = result.json()
    assert {"models", "best", "cv", "repeats"} <= set(doc)
    assert doc["cv"] == 3 and doc["repeats"] == 2
    X, y = frame.drop(columns="species").to_numpy(), frame["species"].to_numpy()
    library = compare(X, y, models="tree,logistic,knn", cv=3, repeats=2, n_jobs=1).as_dict()
    assert doc["best"] == library["best"]
    for ours, theirs in zip(doc["models"], library["models"], strict=True):
        assert ours["name"] == theirs["name"]
        assert ours["metrics"] == theirs["metrics"]
        assert ours["tied_with_best"] == theirs["tied_with_best"]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_table_and_explain_text(iris_files):
    _, paths = iris_files
    board = run_cli(
        "classify",
        "compare",
        str(paths["csv"]),
        "--target",
        "species",
        "--models",
        "tree,lda",
        "--jobs",
        "1",
    )
    assert board.code == 0, board.stderr
    assert "lda" in board.stdout and "tied" in board.stdout and "best: " in board.stdout
    path = run_cli("classify", "explain", str(paths["csv"]), "--target", "species", "--row", "0")
    assert path.code == 0, path.stderr
    assert path.stdout.splitlines()[0].startswith("petal ")  # the root splits on a petal
    assert "-> class setosa" in path.stdout and "tree: depth" in path.stdout


def test_profile_json_with_categorical_column(tmp_path):
    rng = np.random.default_rng(0)
    n = 240
    frame = pd.DataFrame(
        {"plan": rng.choice(["basic", "pro", "team"], n), "usage": rng.gamma(2.0, 10.0, n)}
    )
    frame["churned"] = np.where((frame.plan == "basic") & (frame.usage < 20), "yes", "no")
    path = tmp_path / "churn.jsonl"
    frame.to_json(path, orient="records", lines=True)
    result = run_cli(
        "classify",
        "profile",
        str(path),
        "--target",
        "churned",
        "--categorical",
        "plan",
        "--models",
        "tree,knn",
        "--noise",
        "10",
        "--cv",
        "2",
        "--jobs",
        "1",
        "--json",
    )
    assert result.code == 0, result.stderr
    doc = result.json()
    assert doc["rows"] == n and doc["models"] == ["tree", "knn"]
    assert doc["sensitivity"]["tree"]["rescale"]["agreement"] == 1.0
    assert set(doc["noise"]["tree"]) == {"0", "10"}
    explained = run_cli(
        "classify",
        "explain",
        str(path),
        "--target",
        "churned",
        "--categorical",
        "plan",
        "--row",
        "3",
        "--json",
    )
    assert explained.code == 0, explained.stderr
    assert explained.json()["prediction"] == frame.churned.iloc[3]


BAD_TABLES = {
    "missing target": ("a,b\n1,2\n3,4\n", ["--target", "label"], "a target column among a, b"),
    "one class": ("a,label\n1,x\n2,x\n3,x\n", ["--target", "label"], "at least two classes"),
    "rare class": (
        "a,label\n" + "".join(f"{i},x\n" for i in range(10)) + "1,y\n",
        ["--target", "label"],
        "at least 5 rows of every class for --cv 5",
    ),
    "text column": (
        "a,label\n1,x\nhigh,y\n2,x\n3,y\n",
        ["--target", "label", "--cv", "2"],
        "numbers in column 'a'",
    ),
    "unknown model": (
        "a,label\n1,x\n2,y\n3,x\n4,y\n",
        ["--target", "label", "--cv", "2", "--models", "tree,forrest"],
        "model names from",
    ),
    "NaN target": ("a,label\n1,x\n2,\n3,y\n", ["--target", "label"], "a label in every row"),
}


@pytest.mark.parametrize("case", sorted(BAD_TABLES))
def test_bad_input_exits_2_with_one_line(case, tmp_path):
    text, args, expected = BAD_TABLES[case]
    path = tmp_path / "t.csv"
    path.write_text(text)
    result = run_cli("classify", "compare", str(path), *args)
    assert result.code == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_explain_row_out_of_range_and_bad_noise(iris_files):
    _, paths = iris_files
    result = run_cli(
        "classify", "explain", str(paths["csv"]), "--target", "species", "--row", "150"
    )
    assert result.code == 2 and "--row from 0 to 149" in result.stderr
    result = run_cli(
        "classify", "profile", str(paths["csv"]), "--target", "species", "--noise", "ten"
    )
    assert result.code == 2 and "--noise as positive integers" in result.stderr


def test_help_lists_the_subcommands_with_examples():
    result = run_cli("classify", "--help")
    assert result.code == 0
    for name in ("compare", "profile", "explain"):
        assert name in result.stdout
    assert "Examples" in run_cli("classify", "compare", "--help").stdout


@pytest.mark.parametrize("link", [False, True])
def test_plot_over_the_input_is_refused_and_the_input_kept(iris_files, tmp_path, link):
    _, paths = iris_files
    data = tmp_path / "iris.csv"
    data.write_bytes(paths["csv"].read_bytes())
    plot = data
    if link:  # another name for the same file
        plot = tmp_path / "board.png"
        plot.hardlink_to(data)
    before = data.read_bytes()
    result = run_cli("classify", "compare", str(data), "--target", "species", "--plot", str(plot))
    assert result.code == 2 and "inputs are never modified" in result.stderr
    assert data.read_bytes() == before


def test_bad_input_on_a_pipe_is_the_error_line_alone(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    result = run_cli("classify", "compare", str(path), "--target", "y")  # stderr is a pipe here
    assert result.code == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: expected a CSV file with a header and rows")
