import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notelab._util import InputError
from notelab.training import ACCUMULATION_MODES, schedule, steps_per_epoch
from notelab.training.loop import count_training_loop


def brute_force(n, b, epochs, drop_last, k, mode):
    """Simulate the loop with plain Python lists: the reference for the arithmetic."""
    batches = [min(b, n - i) for i in range(0, n, b)]
    if drop_last:
        batches = [x for x in batches if x == b]
    steps = pending = seen = 0
    for _ in range(epochs):
        if mode != "carry":
            pending = 0
        for i, size in enumerate(batches):
            seen += size
            pending += 1
            if pending == k or (i == len(batches) - 1 and mode == "flush"):
                steps += 1
                pending = 0
    return len(batches), steps, seen


@given(
    n=st.integers(1, 5000),
    b=st.integers(1, 600),
    epochs=st.integers(1, 4),
    drop_last=st.booleans(),
    k=st.integers(1, 9),
    mode=st.sampled_from(ACCUMULATION_MODES),
)
def test_schedule_matches_brute_force(n, b, epochs, drop_last, k, mode):
    s = schedule(n, b, epochs=epochs, drop_last=drop_last, accumulate=k, accumulation_mode=mode)
    batches, steps, seen = brute_force(n, b, epochs, drop_last, k, mode)
    assert (s.batches_per_epoch, s.total_steps, s.samples_seen) == (batches, steps, seen)
    assert s.total_batches == batches * epochs


@given(n=st.integers(1, 10**7), b=st.integers(1, 10**5))
def test_steps_per_epoch_is_ceil_or_floor(n, b):
    assert steps_per_epoch(n, b) == math.ceil(n / b)
    assert steps_per_epoch(n, b, drop_last=True) == n // b


def test_note_examples():
    assert schedule(1000, 100, epochs=5).total_steps == 50
    assert schedule(89_000, 1).total_steps == 89_000
    assert schedule(89_000, 2).total_steps == 44_500
    assert schedule(1000, 300).last_batch_size == 100
    assert schedule(1000, 300, drop_last=True).samples_per_epoch == 900
    assert schedule(10, 300, drop_last=True).batches_per_epoch == 0


@pytest.mark.parametrize("bad", [0, -1, 2.5, "10", True, None])
def test_bad_values_are_input_errors(bad):
    with pytest.raises(InputError, match="positive integer"):
        schedule(bad, 10)
    with pytest.raises(InputError, match="positive integer"):
        schedule(100, bad)


def test_unknown_mode():
    with pytest.raises(InputError, match="accumulation mode"):
        schedule(100, 10, accumulate=3, accumulation_mode="sometimes")


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 300),
    b=st.integers(1, 64),
    epochs=st.integers(1, 3),
    drop_last=st.booleans(),
    k=st.integers(1, 5),
    mode=st.sampled_from(ACCUMULATION_MODES),
)
def test_real_pytorch_loop_takes_predicted_steps(n, b, epochs, drop_last, k, mode):
    s = schedule(n, b, epochs=epochs, drop_last=drop_last, accumulate=k, accumulation_mode=mode)
    counted = count_training_loop(
        n, b, epochs=epochs, drop_last=drop_last, accumulate=k, accumulation_mode=mode
    )
    assert counted.optimizer_steps == s.total_steps
    assert counted.samples_seen == s.samples_seen
    assert counted.batches == s.total_batches


BIG = st.integers(1, 2**56)  # past 2**53; len(range) needs the totals under 2**63


@given(n=BIG, b=BIG, epochs=st.integers(1, 64), k=BIG, mode=st.sampled_from(ACCUMULATION_MODES))
def test_counts_are_exact_at_any_size_against_python_ranges(n, b, epochs, k, mode):
    # above 2**53 floats skip integers: the reference counts with range(), exactly
    batches = len(range(0, n, b))
    full = len(range(b, n + 1, b))
    s = schedule(n, b, epochs=epochs, accumulate=k, accumulation_mode=mode)
    assert steps_per_epoch(n, b) == s.batches_per_epoch == batches
    assert steps_per_epoch(n, b, drop_last=True) == full
    assert s.last_batch_size == n - (batches - 1) * b
    assert s.samples_seen == n * epochs and s.total_batches == batches * epochs
    per_epoch = {
        "flush": len(range(0, batches, k)),
        "drop": len(range(k, batches + 1, k)),
        "carry": None,
    }[mode]
    total = len(range(k, batches * epochs + 1, k)) if mode == "carry" else per_epoch * epochs
    assert s.total_steps == total
    if mode != "carry":  # every epoch takes as many steps: an exact int
        assert s.steps_per_epoch == per_epoch and isinstance(s.steps_per_epoch, int)


def test_steps_per_epoch_is_an_int_unless_epochs_differ():
    assert schedule(1000, 100, epochs=5).steps_per_epoch == 10
    assert isinstance(schedule(1000, 100, epochs=5).steps_per_epoch, int)
    carry = schedule(1000, 100, epochs=3, accumulate=4, accumulation_mode="carry")
    assert carry.total_steps == 7 and carry.steps_per_epoch == pytest.approx(7 / 3)
