import numpy as np
import pandas as pd
import pytest
from sklearn.mixture import GaussianMixture as SklearnGM

from tests.conftest import run_cli


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(0, 1, (200, 2)), rng.normal(6, 1, (200, 2))])
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "label": ["x"] * 400})
    paths = {
        "csv": tmp_path / "t.csv",
        "parquet": tmp_path / "t.parquet",
        "npy": tmp_path / "t.npy",
    }
    frame.to_csv(paths["csv"], index=False)
    frame.to_parquet(paths["parquet"])
    np.save(paths["npy"], X)
    return X, paths


@pytest.mark.parametrize("kind", ["csv", "parquet", "npy"])
def test_fit_matches_sklearn(table, kind, tmp_path):
    X, paths = table
    result = run_cli("gmm", "fit", str(paths[kind]), "--k", "2", "--seed", "0", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    reference = SklearnGM(2, random_state=0).fit(X)
    assert data["columns"] in (["a", "b"], ["x0", "x1"])
    assert np.sort(np.array(data["means"])[:, 0]) == pytest.approx(
        np.sort(reference.means_[:, 0]), abs=1e-6
    )
    assert data["log_likelihood_per_row"] == pytest.approx(reference.score(X), abs=1e-6)
    assert data["bic"] == pytest.approx(reference.bic(X), rel=1e-6)


def test_assign_plot_and_auto_k(table, tmp_path):
    _, paths = table
    assign, plot = tmp_path / "assign.csv", tmp_path / "fit.png"
    result = run_cli(
        "gmm",
        "fit",
        str(paths["csv"]),
        "--columns",
        "a,b",
        "--k",
        "auto",
        "--k-max",
        "4",
        "--assign",
        str(assign),
        "--plot",
        str(plot),
        "--json",
    )
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["n_components"] == 2 and len(data["selection"]) == 4
    rows = pd.read_csv(assign)
    assert len(rows) == 400 and set(rows.columns) == {"row", "component", "p0", "p1"}
    assert np.allclose(rows[["p0", "p1"]].sum(axis=1), 1, atol=1e-5)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dask_engine_same_fit(table):
    _, paths = table
    local = run_cli("gmm", "fit", str(paths["npy"]), "--k", "2", "--json").json()
    remote = run_cli(
        "gmm", "fit", str(paths["npy"]), "--k", "2", "--json", "--engine", "dask", "--workers", "1"
    )
    assert remote.code == 0, remote.stderr
    assert remote.json()["log_likelihood"] == pytest.approx(local["log_likelihood"], rel=1e-3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--columns", "label"], "column 'label' of t.csv, got 'x' at row 1"),
        (["--columns", "zzz"], "expected columns from"),
        (["--k", "0"], "--k as a positive integer"),
        (["--k", "500"], "at most the number of rows (400), got --k 500"),
        (["--covariance", "round"], "Invalid value"),
        (["--k", "auto", "--engine", "dask"], "--k N with --engine dask"),
    ],
)
def test_bad_input_exit_2(table, args, message):
    _, paths = table
    result = run_cli("gmm", "fit", str(paths["csv"]), *args)
    assert result.code == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def _one_line_error(result, *parts):
    assert result.code == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    for part in parts:
        assert part in result.stderr, result.stderr


def test_a_text_cell_in_a_column_of_numbers_is_an_error_naming_row_and_column(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,y\n1,2\n3,4\nabc,5\n6,7\n")
    result = run_cli("gmm", "fit", str(path), "--k", "1")
    _one_line_error(result, "column 'x' of d.csv", "'abc' at row 3")


def test_a_column_of_text_is_left_out_with_a_warning(table):
    _, paths = table
    result = run_cli("gmm", "fit", str(paths["csv"]), "--k", "2", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["columns"] == ["a", "b"]
    assert "column 'label' left out: it holds text such as 'x'" in data["warnings"]
    human = run_cli("gmm", "fit", str(paths["csv"]), "--k", "2")
    assert "warning: column 'label' left out" in human.stderr


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a,b\n1,2\n,3\n4,5\n", ["empty cell at row 2", "column 'a'"]),
        ("a,b\n1,2\n3,inf\n4,5\n", ["'inf' at row 2", "column 'b'"]),
        ("a,b\n", ["at least one data row", "t.csv has none"]),
        ("", ["t.csv is empty"]),
    ],
)
def test_missing_values_and_empty_tables_say_what_the_user_did(tmp_path, text, parts):
    path = tmp_path / "t.csv"
    path.write_text(text)
    result = run_cli("gmm", "fit", str(path), "--k", "1")
    _one_line_error(result, *parts)
    assert "HistGradientBoosting" not in result.stderr


def test_k_max_larger_than_the_rows_names_the_option(tmp_path):
    path = tmp_path / "six.csv"
    path.write_text("x\n" + "\n".join(map(str, range(6))) + "\n")
    result = run_cli("gmm", "fit", str(path), "--k", "auto", "--k-max", "50")
    _one_line_error(result, "--k-max 50", "number of rows (6)", "pass --k-max 6 or less")
    assert "n_components=7" not in result.stderr


@pytest.mark.parametrize(
    ("name", "write", "parts"),
    [
        (
            "bad.parquet",
            lambda p: p.write_bytes(b"PAR1 not parquet at all"),
            ["PARQUET", "bad.parquet"],
        ),
        ("bad.npy", lambda p: p.write_bytes(b"garbage"), ["a .npy file", "bad.npy"]),
        (
            "objects.npy",
            lambda p: np.save(p, np.array([[1, "a"]], dtype=object)),
            ["Python objects", "objects.npy"],
        ),
        (
            "cut.npy",
            lambda p: (np.save(p, np.ones((100, 2))), p.write_bytes(p.read_bytes()[:300])),
            ["truncated", "cut.npy"],
        ),
        ("empty.csv", lambda p: p.write_text(""), ["empty.csv is empty"]),
        ("bad.csv.gz", lambda p: p.write_bytes(b"not gzip"), ["bad.csv.gz"]),
    ],
)
def test_unreadable_files_are_one_line_naming_the_file(tmp_path, name, write, parts):
    path = tmp_path / name
    write(path)
    _one_line_error(run_cli("gmm", "fit", str(path), "--k", "1"), *parts)


def test_nan_in_a_npy_file_is_located(tmp_path):
    X = np.ones((50, 2))
    X[7, 1] = np.nan
    np.save(tmp_path / "x.npy", X)
    _one_line_error(run_cli("gmm", "fit", str(tmp_path / "x.npy"), "--k", "1"), "NaN", "X[7, 1]")


@pytest.mark.parametrize("option", ["--assign", "--plot"])
def test_an_output_that_is_the_input_is_refused(table, option):
    _, paths = table
    before = paths["csv"].read_bytes()
    result = run_cli("gmm", "fit", str(paths["csv"]), option, str(paths["csv"]))
    _one_line_error(result, "not an input")
    assert paths["csv"].read_bytes() == before


def test_missing_file_and_wrong_suffix(tmp_path):
    assert "existing file" in run_cli("gmm", "fit", str(tmp_path / "no.csv")).stderr
    other = tmp_path / "x.txt"
    other.write_text("1\n")
    result = run_cli("gmm", "fit", str(other))
    assert result.code == 2 and ".csv" in result.stderr and ".npy" in result.stderr
