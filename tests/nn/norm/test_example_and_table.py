"""The note's example and ``norm stats`` against numpy and torch."""

import numpy as np
import pandas as pd
import pytest
import torch

from notelab._util import InputError
from notelab.nn.norm.example import VALUES, note_example
from notelab.nn.norm.table import normalise_table, read_matrix, write_values


def test_example_statistics_are_columns_for_batch_norm_and_rows_for_layer_norm():
    ex = note_example()
    x = np.array(VALUES)
    np.testing.assert_allclose(ex.batch.mean, x.mean(0))
    np.testing.assert_allclose(ex.batch.var, x.var(0))
    np.testing.assert_allclose(ex.layer.mean, x.mean(1))
    np.testing.assert_allclose(ex.layer.var, x.var(1))
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    np.testing.assert_allclose(ex.batch.output, expected, atol=1e-12)
    assert ex.batch.torch_difference < 1e-12 and ex.layer.torch_difference < 1e-12


def test_example_eps_zero_gives_nan_for_the_constant_feature():
    ex = note_example(eps=0.0)
    assert ex.constant_feature == "D"
    assert ex.guarded == [0.0, 0.0, 0.0]
    assert all(np.isnan(ex.unguarded))
    assert np.isnan(ex.batch.torch_difference)  # torch refuses eps = 0 for batch norm
    assert ex.as_dict()["unguarded"] == ["nan", "nan", "nan"]


@pytest.mark.parametrize(
    ("kind", "reference"),
    [
        ("batch", lambda x: torch.nn.functional.batch_norm(x, None, None, training=True)),
        ("layer", lambda x: torch.nn.functional.layer_norm(x, (x.shape[1],))),
        ("group", lambda x: torch.nn.functional.group_norm(x, 3)),
        ("rms", lambda x: torch.nn.functional.rms_norm(x, (x.shape[1],), eps=1e-5)),
    ],
)
def test_table_values_match_torch(kind, reference):
    x = np.random.default_rng(0).normal(2.0, 3.0, size=(7, 6))
    result = normalise_table(x, list("abcdef"), kind, groups=3 if kind == "group" else None)
    np.testing.assert_allclose(result.values, reference(torch.from_numpy(x)).numpy(), atol=1e-10)


def test_table_statistics_follow_the_axis():
    x = np.random.default_rng(1).normal(size=(5, 4))
    batch = normalise_table(x, list("abcd"), "batch")
    assert [s.label for s in batch.statistics] == list("abcd")
    np.testing.assert_allclose([s.var for s in batch.statistics], x.var(0))
    group = normalise_table(x, list("abcd"), "group", groups=2)
    assert group.statistics[1].label == "row 1, c..d" and group.statistics[1].count == 2
    np.testing.assert_allclose(group.statistics[1].mean, x[0, 2:].mean())
    rms = normalise_table(x, list("abcd"), "rms")
    np.testing.assert_allclose([s.var for s in rms.statistics], (x**2).mean(1))
    assert all(s.mean == 0 for s in rms.statistics)


def test_read_and_write_every_format(tmp_path):
    frame = pd.DataFrame({"id": ["p", "q", "r"], "a": [1.0, 2.0, 4.0], "b": [3, 5, 9]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    matrix, columns, ignored = read_matrix(tmp_path / "t.csv")
    assert columns == ["a", "b"] and ignored == ["id"] and matrix.shape == (3, 2)
    np.save(tmp_path / "t.npy", matrix)
    assert read_matrix(tmp_path / "t.npy")[1] == ["x0", "x1"]
    result = normalise_table(matrix, columns, "layer")
    for name in ("out.csv", "out.parquet", "out.npy"):
        write_values(result, tmp_path / name)
    np.testing.assert_allclose(pd.read_parquet(tmp_path / "out.parquet").to_numpy(), result.values)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), result.values)
    np.testing.assert_allclose(pd.read_csv(tmp_path / "out.csv").to_numpy(), result.values)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: normalise_table(np.ones((1, 3)), list("abc"), "batch"), "at least 2 rows"),
        (lambda: normalise_table(np.ones((2, 3)), list("abc"), "group", groups=2), "1 or 3"),
        (lambda: normalise_table(np.ones((2, 3)), list("abc"), "instance"), "--kind"),
    ],
)
def test_table_refuses(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_non_finite_cells_and_output_over_input_are_refused(tmp_path):
    (tmp_path / "t.csv").write_text("a,b\n1,\n2,3\n")
    with pytest.raises(InputError, match="row 1, column 2"):
        read_matrix(tmp_path / "t.csv")
    (tmp_path / "u.csv").write_text("a,b\n1,2\n2,3\n")
    result = normalise_table(*read_matrix(tmp_path / "u.csv")[:2], "layer")
    with pytest.raises(InputError, match="other than the input"):
        write_values(result, tmp_path / "u.csv", source=tmp_path / "u.csv")
    with pytest.raises(InputError, match=r"\.csv, \.parquet, \.npy"):
        write_values(result, tmp_path / "u.xlsx")
