"""``fit_file``: the command's pipeline as a library call, on every input kind and engine."""

import numpy as np
import pandas as pd
import pytest

from notelab._util import InputError
from notelab.mixture import GaussianMixture
from notelab.mixture.data_files import read_data
from notelab.mixture.pipeline import FitOptions, FitOutputs, fit_file
from tests.mixture.conftest import synthetic


@pytest.fixture
def files(tmp_path):
    X = synthetic(600, 2, 2, seed=1)
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "name": ["p"] * 600}).to_csv(tmp_path / "t.csv")
    np.save(tmp_path / "t.npy", X)
    return X, tmp_path


def test_a_table_and_a_npy_file_give_the_public_scores_of_the_array(files):
    X, folder = files
    reference = GaussianMixture(2, random_state=0, on_collapse="warn").fit(X)
    for name in ("t.csv", "t.npy"):
        report = fit_file(
            folder / name, FitOptions(k=2, columns=("a", "b") if "csv" in name else None)
        )
        np.testing.assert_allclose(report.model.means_, reference.means_, rtol=1e-9)
        summary = report.as_dict()
        assert summary["bic"] == pytest.approx(reference.bic(X), rel=1e-10)
        assert summary["aic"] == pytest.approx(reference.aic(X), rel=1e-10)
        assert summary["log_likelihood"] == pytest.approx(reference.score(X) * 600, rel=1e-10)


def test_outputs_are_written_and_counted(files):
    _, folder = files
    report = fit_file(
        folder / "t.npy",
        FitOptions(k=2),
        FitOutputs(assign=folder / "a.csv", plot=folder / "p.png"),
    )
    rows = pd.read_csv(folder / "a.csv")
    assert len(rows) == report.data.n_rows == 600
    assert (folder / "p.png").read_bytes()[:4] == b"\x89PNG"


def test_read_data_leaves_text_columns_out_and_says_so(files):
    _, folder = files
    data = read_data(folder / "t.csv")
    assert data.names == ["Unnamed: 0", "a", "b"]
    assert data.left_out == ["column 'name' left out: it holds text such as 'p'"]


def test_options_that_cannot_work_together_are_refused():
    with pytest.raises(InputError, match="--k N with --engine dask"):
        FitOptions(k=None, engine="dask")


def test_the_dask_engine_reads_a_npy_file_on_the_workers_and_fits_alike(dask_client, files):
    _, folder = files
    local = fit_file(folder / "t.npy", FitOptions(k=2)).as_dict()
    remote = fit_file(folder / "t.npy", FitOptions(k=2, engine="dask")).as_dict()
    np.testing.assert_allclose(remote["means"], local["means"], rtol=1e-9)
    assert remote["bic"] == pytest.approx(local["bic"], rel=1e-10)
