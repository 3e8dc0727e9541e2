import pytest

from notelab._util import InputError
from notelab.mixture import select_components
from tests.mixture.conftest import synthetic


def test_bic_finds_the_true_number_of_components():
    X = synthetic(1500, 2, 3, seed=2)
    selection = select_components(X, range(1, 7), random_state=0)
    assert selection.best.n_components == 3
    assert [row["n_components"] for row in selection.table] == list(range(1, 7))


def test_unknown_criterion():
    with pytest.raises(InputError, match="criterion"):
        select_components(synthetic(), range(1, 3), criterion="hqc")
