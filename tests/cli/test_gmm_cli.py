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
        (["--columns", "label"], "non-numeric ['label']"),
        (["--columns", "zzz"], "expected columns from"),
        (["--k", "0"], "--k as a positive integer"),
        (["--k", "500"], "at least n_components=500"),
        (["--covariance", "round"], "Invalid value"),
    ],
)
def test_bad_input_exit_2(table, args, message):
    _, paths = table
    result = run_cli("gmm", "fit", str(paths["csv"]), *args)
    assert result.code == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_nan_in_data(tmp_path):
    path = tmp_path / "nan.csv"
    path.write_text("a\n1\n2\n\n3\nnan\n")
    result = run_cli("gmm", "fit", str(path), "--k", "1")
    assert result.code == 2 and "NaN" in result.stderr


def test_missing_file_and_wrong_suffix(tmp_path):
    assert "existing file" in run_cli("gmm", "fit", str(tmp_path / "no.csv")).stderr
    other = tmp_path / "x.txt"
    other.write_text("1\n")
    result = run_cli("gmm", "fit", str(other))
    assert result.code == 2 and ".csv" in result.stderr
