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
