"""Finding 1's verdicts follow the measurements: rounds made up exactly, no timing involved."""

import math

import pytest

from notelab._util.rounds import Rounds
from notelab.findings import note01_batch_size as note

SIZES = (1, 2, 4, 8, 16, 32, 64)


def data(step_of, *, drift=(1.0, 1.3, 0.8, 1.1, 0.9, 1.2), peak_of=lambda b: 3e8 + 3e6 * b):
    """Rounds in which a step of batch ``b`` takes ``step_of(b)`` seconds times the round's
    machine speed (``drift``), and memory peaks at ``peak_of(b)`` in both memory rounds."""
    curve = Rounds(SIZES, tuple(tuple(step_of(b) * d for b in SIZES) for d in drift))
    memory = Rounds(SIZES, tuple(tuple(float(peak_of(b)) for b in SIZES) for _ in range(2)))
    return {"sizes": SIZES, "curve": curve, "memory": memory}


def overhead_bound(b):  # 20 ms of overhead per step, then 0.25 ms per sample
    return 0.020 + 0.00025 * b


def saturated(b):  # 10 ms + 1 ms per sample up to 8, then 9 ms per 8 samples more: flat
    return 0.010 + 0.001 * min(b, 8) + 0.009 * max(0, b - 8) / 8


def test_faster_but_not_half_holds_and_the_ratio_is_exact_under_drift():
    claim = note.one_to_two(data(lambda b: 0.010 + 0.006 * b))  # 16 ms -> 22 ms: 0.6875
    assert claim.verdict.value == "holds"
    assert claim.estimate.value == pytest.approx(0.022 / 0.016 / 2)
    # the drift cancels within each round: the interval is the value
    assert claim.estimate.high - claim.estimate.low < 1e-12
    assert "An epoch at batch 2 takes 0.688" in claim.evidence
    assert "0.80 on its GPU" in claim.evidence


@pytest.mark.parametrize(
    ("step_of", "verdict"),
    [
        (lambda b: 0.010 + 0.0001 * b, "partly"),  # overhead-bound: the epoch nearly halves
        (lambda b: 0.010 * b, "partly"),  # compute-bound: barely faster
        (lambda b: 0.010 * b**1.2, "fails"),  # slower per sample at batch 2
    ],
)
def test_the_verdict_follows_the_ratio(step_of, verdict):
    assert note.one_to_two(data(step_of)).verdict.value == verdict


def test_a_curve_that_falls_then_flattens_holds_and_one_that_keeps_falling_does_not():
    flat = note.falls_then_flattens(data(saturated))
    assert flat.verdict.value == "holds" and flat.estimate.value < 0.4
    steady = note.falls_then_flattens(data(lambda b: 0.010 * b**0.5))  # one rate throughout
    assert steady.estimate.value == pytest.approx(1.0, abs=0.01)  # (epochs round steps up)
    assert steady.verdict.value == "partly"
    assert "between rounds" in flat.evidence and "Knee: batch" in flat.evidence


def test_later_fall_is_the_ratio_of_the_log_falls():
    values = note.later_fall(data(overhead_bound).get("curve"))
    e = {b: overhead_bound(b) * math.ceil(89_000 / b) for b in (1, 8, 64)}
    assert values[0] == pytest.approx(math.log(e[8] / e[64]) / math.log(e[1] / e[8]))


def test_memory_on_a_line_holds_and_a_curve_does_not():
    line = note.linear_memory(data(overhead_bound))
    assert line.verdict.value == "holds" and line.estimate.value == pytest.approx(1.0)
    assert "286 MiB + 2.86 MiB x batch" in line.evidence
    curved = note.linear_memory(data(overhead_bound, peak_of=lambda b: 3e8 + 1e5 * b**3))
    assert curved.verdict.value != "holds"
