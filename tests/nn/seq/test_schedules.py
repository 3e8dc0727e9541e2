import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notelab._util import InputError
from notelab.nn.seq import Constant, Exponential, InverseSigmoid, Linear, make_schedule
from notelab.nn.seq.schedules import halfway_k


def test_linear_by_hand():
    schedule = Linear(k=1.0, c=0.01, floor=0.2)
    assert [schedule.eps(i) for i in (0, 30, 79, 80, 500)] == pytest.approx(
        [1.0, 0.7, 0.21, 0.2, 0.2]
    )
    assert Linear(k=1.5, c=0.01).eps(10) == 1.0  # capped at 1


def test_exponential_by_hand():
    assert [Exponential(0.9).eps(i) for i in (0, 1, 3)] == pytest.approx([1.0, 0.9, 0.729])


def test_inverse_sigmoid_by_hand():
    k = 10.0
    assert InverseSigmoid(k).eps(0) == pytest.approx(10 / 11)
    assert InverseSigmoid(k).eps(10) == pytest.approx(10 / (10 + math.e))
    assert InverseSigmoid(k).eps(100_000) == 0.0  # no overflow


def test_constant_teacher_free():
    assert make_schedule("teacher", steps=10).eps(7) == 1.0
    assert make_schedule("free", steps=10).eps(0) == 0.0
    assert make_schedule("constant", steps=10, ratio=0.25) == Constant(0.25)


@pytest.mark.parametrize("name", ["linear", "exponential", "inverse-sigmoid"])
@pytest.mark.parametrize("steps", [10, 200, 5000])
def test_defaults_cross_half_at_the_middle(name, steps):
    schedule = make_schedule(name, steps=steps)
    assert schedule.eps(steps // 2) == pytest.approx(0.5, abs=1e-6)
    assert schedule.name == name


def test_halfway_k_solves_k_log_k():
    k = halfway_k("inverse-sigmoid", 300)
    assert k * math.log(k) == pytest.approx(150)


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("inverse-sigmoid", {"k": 0.5}, "k >= 1"),
        ("exponential", {"k": 1.0}, "0 < k < 1"),
        ("exponential", {"k": 0.0}, "0 < k < 1"),
        ("linear", {"k": -1.0}, "k > 0"),
        ("linear", {"c": -0.1}, "c >= 0"),
        ("constant", {"ratio": 1.5}, "ratio from 0 to 1"),
        ("teacher", {"k": 2.0}, "--k only with"),
        ("exponential", {"c": 0.1}, "--c only with"),
        ("cosine", {}, "a schedule from"),
    ],
)
def test_bad_parameters(name, options, message):
    with pytest.raises(InputError, match=message):
        make_schedule(name, steps=100, **options)


@given(
    st.sampled_from(["linear", "exponential", "inverse-sigmoid"]),
    st.integers(2, 10_000),
    st.integers(0, 20_000),
)
def test_eps_is_a_probability_that_never_rises(name, steps, i):
    schedule = make_schedule(name, steps=steps)
    assert 0.0 <= schedule.eps(i + 1) <= schedule.eps(i) <= 1.0
