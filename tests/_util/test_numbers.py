import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notelab._util.numbers import cell, count, duration, header, sig


@given(st.floats(min_value=1e-4, max_value=1e9) | st.floats(min_value=-1e9, max_value=-1e-4))
def test_sig_keeps_three_significant_digits(value):
    shown = float(sig(value).replace(",", ""))
    assert math.isclose(shown, value, rel_tol=5.001e-3)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.025631, "0.0256"),
        (1234.5, "1,234"),
        (99.95, "100"),
        (0.9995, "1.00"),
        (3.5e-14, "3.5e-14"),
    ],
)
def test_sig_examples(value, text):
    assert sig(value) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.00085, "850 µs"), (0.1342, "134 ms"), (7.5, "7.50 s"), (59.4, "59.4 s"), (3725, "1:02:05")],
)
def test_durations_have_units(seconds, text):
    assert duration(seconds) == text


def test_cells_and_headers():
    assert cell(89_000) == count(89_000) == "89,000"
    assert cell(0.1342, "LSH time (s)") == "134 ms" and header("LSH time (s)") == "LSH time"
    assert cell(True) == "yes" and cell(None) == "–" and cell("DEL") == "DEL"
