"""The profiler's logic with an injected runner (exact numbers), and real trials in workers."""

import itertools
import subprocess
import sys

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from notelab._util import InputError
from notelab.training.profiler import (
    Bracket,
    Profiler,
    TrialRow,
    find_knee,
    fit_memory_model,
    next_size,
)
from notelab.training.runner import WorkerFailed, call_in_worker, run_in_worker
from notelab.training.sizes import parse_size
from notelab.training.trial import ModelError, TrialResult, TrialSpec, run_trial, time_rounds
from notelab.training.workloads import check_workload, from_factory
from tests.training.lightning_loop import lightning_binsearch  # its loop, step for step


def fake_runner(fixed=100.0, per_sample=10.0, calls=None, step_per_sample=0.0001):
    """A device where a step costs 1 ms + 0.1 ms per sample and memory is fixed + per sample."""

    def run(spec: TrialSpec) -> TrialResult:
        if calls is not None:
            calls.append(spec.batch_size)
        peak = int(fixed + per_sample * spec.batch_size)
        fits = spec.memory_limit is None or peak <= spec.memory_limit
        step = 0.001 + step_per_sample * spec.batch_size
        return TrialResult(
            spec.batch_size,
            fits,
            [step] * 5 if fits else [],
            peak,
            peak,
            wall_seconds=1.0 + (5 * step if fits else 0),
        )

    return run


def test_projection_is_steps_times_median_step():
    profile = Profiler(1000, TrialSpec(1), runner=fake_runner(), epochs=3).sweep([1, 10, 100])
    row = {r.batch_size: r for r in profile.rows}[10]
    assert row.steps_per_epoch == 100
    assert row.epoch_seconds == pytest.approx(100 * 0.002)
    assert row.total_seconds == pytest.approx(3 * 100 * 0.002)
    assert row.samples_per_second == pytest.approx(10 / 0.002)


def test_search_finds_the_exact_largest_batch_and_runs_every_size_it_reports():
    calls = []
    limit = 100 + 10 * 77 + 5  # batch 77 fits, 78 does not
    profiler = Profiler(
        10_000, TrialSpec(1, memory_limit=limit), margin=0.0, runner=fake_runner(calls=calls)
    )
    profile = profiler.search(4096)
    assert profile.largest_fit == 77 and profile.first_failure == 78
    assert 77 in calls and 78 in calls
    # 1, 2, 4, 8 build an exact memory model; its prediction 77 and the next size 78 bracket
    # the answer, and 77 is run once more (CPU peaks vary between runs) before it is reported
    assert calls == [1, 2, 4, 8, 77, 78, 77]
    assert profile.trials == 7
    assert profile.predicted_largest == 77
    assert profile.prediction_error == 0


def test_search_without_a_trustworthy_model_doubles_then_bisects():
    calls = []

    def noisy(spec):
        peak = 100 + 10 * spec.batch_size + (37 if spec.batch_size % 2 else -41) * 7
        fits = peak <= spec.memory_limit
        return TrialResult(
            spec.batch_size, fits, [0.001] * 3 if fits else [], peak, peak, wall_seconds=1.0
        )

    def counting(spec):
        calls.append(spec.batch_size)
        return noisy(spec)

    limit = 100 + 10 * 300 - 41 * 7  # even sizes up to 300 fit, odd ones up to 242
    profile = Profiler(
        10_000, TrialSpec(1, memory_limit=limit), margin=0.0, runner=counting
    ).search(4096)
    truth = max(b for b in range(1, 4097) if noisy(TrialSpec(b, memory_limit=limit)).fits)
    assert profile.largest_fit in calls
    assert noisy(TrialSpec(profile.largest_fit, memory_limit=limit)).fits
    assert profile.largest_fit <= truth


def curve_runner(peak_of, calls):
    """A device whose peak memory at batch B is ``peak_of(B)``."""

    def run(spec: TrialSpec) -> TrialResult:
        calls.append(spec.batch_size)
        peak = int(peak_of(spec.batch_size))
        fits = peak <= spec.memory_limit
        return TrialResult(
            spec.batch_size, fits, [0.001] * 3 if fits else [], peak, peak, wall_seconds=1.0
        )

    return run


@given(
    fixed=st.floats(50, 5_000),
    per_sample=st.floats(0.5, 200),
    curvature=st.floats(-0.45, 1.0),
    headroom=st.floats(1, 3_000),
)
def test_search_finds_the_exact_boundary_of_any_smooth_monotone_curve(
    fixed, per_sample, curvature, headroom
):
    # peak grows like B ** (1 + curvature): concave (activations shared) to convex (attention)
    def peak_of(b):
        return fixed + per_sample * b ** (1 + curvature)

    limit = int(fixed + headroom * per_sample)
    calls = []
    profile = Profiler(
        10**6, TrialSpec(1, memory_limit=limit), margin=0.0, runner=curve_runner(peak_of, calls)
    ).search(4096)
    truth = max((b for b in range(1, 4097) if int(peak_of(b)) <= limit), default=None)
    assert profile.largest_fit == truth
    assert truth in calls and (truth == 4096 or truth + 1 in calls)
    # no size is run twice, except the answer, run again to confirm it
    assert sorted(calls) == sorted([*set(calls), *([truth] if truth else [])])


def test_an_answer_that_fails_when_run_again_is_not_reported():
    # batch 77 fits the first time only (a run-to-run peak above the limit the second time)
    seen = []

    def flaky(b):
        seen.append(b)
        return 100 + 10 * b + (50 if b == 77 and seen.count(77) > 1 else 0)

    calls = []
    profile = Profiler(
        10_000,
        TrialSpec(1, memory_limit=100 + 10 * 77 + 5),
        margin=0.0,
        runner=curve_runner(flaky, calls),
    ).search(4096)
    assert profile.largest_fit == 76 and calls.count(77) == 2 and calls.count(76) == 2
    row = {r.batch_size: r for r in profile.rows}[77]
    assert not row.fits and "failed when run again" in row.error
    assert profile.first_failure == 77
    assert profile.answer_peaks == [100 + 10 * 76] * 2  # both runs of the answer, 76


def test_no_recheck_when_asked_on_cuda_or_without_a_limit():
    for spec, recheck in (
        (TrialSpec(1, memory_limit=500), False),
        (TrialSpec(1, device="cuda", memory_limit=500), None),
        (TrialSpec(1), None),
    ):
        calls = []
        profile = Profiler(
            1000, spec, margin=0.0, recheck=recheck, runner=fake_runner(calls=calls)
        ).search(64)
        assert len(calls) == len(set(calls)) and profile.answer_peaks == []


def test_search_needs_fewer_trials_than_lightning_on_a_concave_curve():
    # like the cnn workload: per-sample memory falls as the batch grows
    def peak_of(b):
        return 350 + 6 * b**0.7

    limit = 600
    calls = []
    profile = Profiler(
        10**6, TrialSpec(1, memory_limit=limit), margin=0.0, runner=curve_runner(peak_of, calls)
    ).search(8192)
    truth = max(b for b in range(1, 8193) if int(peak_of(b)) <= limit)
    assert profile.largest_fit == truth
    assert len(calls) < lightning_binsearch(lambda b: int(peak_of(b)) <= limit)[1]


def test_margin_lowers_the_effective_limit():
    limit = 100 + 10 * 100
    profile = Profiler(
        10_000, TrialSpec(1, memory_limit=limit), margin=0.1, runner=fake_runner()
    ).search(4096)
    assert profile.largest_fit == (int(limit * 0.9) - 100) // 10


def test_memory_model_and_knee():
    profile = Profiler(1000, TrialSpec(1), runner=fake_runner()).sweep([1, 2, 4, 8, 16, 32, 64])
    model = fit_memory_model(profile.rows)
    assert model.fixed_bytes == pytest.approx(100, abs=1)
    assert model.per_sample_bytes == pytest.approx(10, abs=0.01)
    assert model.r_squared == pytest.approx(1.0)
    knee, reason = find_knee(profile.rows)
    best = max(r.samples_per_second for r in profile.rows)
    at_knee = next(r for r in profile.rows if r.batch_size == knee)
    assert at_knee.samples_per_second >= 0.9 * best
    smaller = [r for r in profile.rows if r.batch_size < knee]
    assert all(r.samples_per_second < 0.9 * best for r in smaller)
    assert f"batch {knee}" in reason


def test_overhead_share_and_fixed_cost():
    profile = Profiler(1000, TrialSpec(1), runner=fake_runner()).sweep([1])
    assert profile.overhead_share == pytest.approx(1 - 0.0055 / 1.0055)
    assert profile.fixed_cost_seconds == pytest.approx(1.0)


@given(st.integers(1, 10**6), st.sampled_from(["", "b", "k", "KiB", "MB", "mib", "G", "GiB"]))
def test_parse_size_round_trips(value, unit):
    factor = {
        "": 1,
        "b": 1,
        "k": 1024,
        "KiB": 1024,
        "MB": 10**6,
        "mib": 2**20,
        "G": 2**30,
        "GiB": 2**30,
    }[unit]
    assert parse_size(f"{value}{unit}") == value * factor


@pytest.mark.parametrize("text", ["", "eight", "8XB", "-1GiB", "0"])
def test_parse_size_rejects_nonsense(text):
    with pytest.raises(InputError, match="size"):
        parse_size(text)


def test_real_trial_in_a_worker_process():
    spec = TrialSpec(4, workload="mlp", steps=3, warmup=1, warmup_seconds=0.0, timed_seconds=0.0)
    result = run_in_worker(spec)
    assert result.fits and len(result.step_seconds) == 3 and result.exception is None
    assert result.peak_bytes > result.start_bytes > 0


def test_trial_times_at_least_its_seconds_of_steps_by_the_clock_it_is_given():
    # every step takes one unit of the injected clock: no real time is involved
    spec = TrialSpec(
        4, workload="mlp", steps=2, warmup=1, warmup_seconds=3, timed_seconds=4.5,
        threads=torch.get_num_threads(),
    )  # fmt: skip
    result = run_trial(spec, clock=itertools.count().__next__)
    assert result.fits and result.step_seconds == [1] * 5  # 2 steps are not 4.5 units: 5 are
    assert result.setup_seconds >= 3  # 3 warm-up steps of one unit before the timed ones
    assert result.wall_seconds > result.setup_seconds + sum(result.step_seconds)


def test_rounds_of_several_sizes_train_one_model_in_one_process():
    spec = TrialSpec(1, workload="mlp", threads=torch.get_num_threads(), warmup=0, steps=1)
    rounds = time_rounds(spec, [1, 4, 16], rounds=3, arm_seconds=0.0)
    assert rounds.arms == (1, 4, 16) and rounds.count == 3
    assert all(len(row) == 3 and min(row) > 0 for row in rounds.values)


def test_a_function_that_raises_in_a_worker_is_an_error_here():
    assert call_in_worker(sorted, [3, 1, 2]) == [1, 2, 3]
    with pytest.raises(WorkerFailed, match="ZeroDivisionError"):
        call_in_worker(divmod, 1, 0)


# The two Ctrl-C cases run in a fresh interpreter: the signal mask and handlers are
# process-wide state that the rest of the suite (its threads, its fork server) shares.
_CTRL_C_WHILE_THE_SERVER_STARTS = """
import os, signal
from multiprocessing import forkserver
from notelab.training.runner import call_in_worker

real = forkserver.ensure_running
forkserver.ensure_running = lambda: (os.kill(os.getpid(), signal.SIGINT), real())
try:
    call_in_worker(sorted, [2, 1])
    print("no KeyboardInterrupt")
except KeyboardInterrupt:
    blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    print("SIGINT left blocked" if blocked else "ok")
"""

_CTRL_C_WHILE_A_WORKER_STARTS = """
import os, signal, time
from multiprocessing import forkserver
import psutil
from notelab.training.runner import call_in_worker

real, calls = forkserver.read_signed, []

def read_signed(fd):
    value = real(fd)
    if not calls:  # the first read is the worker's pid
        calls.append(value)
        os.kill(os.getpid(), signal.SIGINT)
    return value

forkserver.read_signed = read_signed
try:
    call_in_worker(time.sleep, 120)
    print("no KeyboardInterrupt")
except KeyboardInterrupt:
    worker = psutil.Process(calls[0]) if psutil.pid_exists(calls[0]) else None
    alive = worker is not None and worker.status() != psutil.STATUS_ZOMBIE  # zombie: ended
    if alive:  # a failure leaves nothing running
        worker.kill()
    print("worker left running" if alive else "ok")
"""


def _in_fresh_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    return done.stdout.strip() or done.stderr[-2000:]


def test_ctrl_c_while_the_fork_server_starts_is_not_lost():
    # it was ignored there (the server must not see it): the sweep went on and exited 0
    assert _in_fresh_python(_CTRL_C_WHILE_THE_SERVER_STARTS) == "ok"


def test_ctrl_c_while_a_worker_starts_ends_that_worker():
    # Ctrl-C once the server has forked the worker, before this process knows its pid: the
    # worker (here a two minutes' sleep) was left running for nobody
    assert _in_fresh_python(_CTRL_C_WHILE_A_WORKER_STARTS) == "ok"


def test_cpu_memory_limit_stops_a_trial_not_the_sweep():
    limit = parse_size("200MiB")  # below the process with torch loaded
    result = run_in_worker(TrialSpec(4, workload="mlp", steps=2, memory_limit=limit))
    assert not result.fits and result.error


def test_user_factory_and_its_errors():
    workload = from_factory("tests.training.example_factory:make_workload", 64)
    assert len(workload.dataset) == 64
    with pytest.raises(InputError, match="4-tuple"):
        from_factory("tests.training.example_factory:wrong_return", 8)
    with pytest.raises(InputError, match="importable module"):
        from_factory("no_such_module_here:make", 8)
    with pytest.raises(InputError, match=r"package\.module:factory"):
        from_factory("just_a_name", 8)
    with pytest.raises(InputError, match=r"nn\.Module"):
        check_workload((1, [], len, None), "x")


def test_failing_factory_is_a_failed_trial_with_its_message():
    result = run_in_worker(
        TrialSpec(2, workload=None, model="tests.training.example_factory:fails_inside", steps=1)
    )
    assert not result.fits and "factory exploded" in result.error


def test_cuda_branch_sets_the_memory_fraction_and_reads_both_peaks(monkeypatch):
    """No GPU here: the CUDA calls are recorded, to check what the trial asks of them."""
    import torch

    from notelab.training import trial

    calls = []
    cuda = torch.cuda
    props = type("Props", (), {"total_memory": 8 * 2**30})()
    monkeypatch.setattr(cuda, "get_device_properties", lambda device: props)
    monkeypatch.setattr(
        cuda, "set_per_process_memory_fraction", lambda f, d: calls.append(("fraction", f))
    )
    monkeypatch.setattr(cuda, "reset_peak_memory_stats", lambda d: calls.append(("reset",)))
    monkeypatch.setattr(cuda, "synchronize", lambda d: calls.append(("sync",)))
    monkeypatch.setattr(cuda, "max_memory_allocated", lambda d: 123)
    monkeypatch.setattr(cuda, "max_memory_reserved", lambda d: 456)
    device = torch.device("cuda")
    trial._limit_cuda_memory(2 * 2**30, device)
    trial._limit_cuda_memory(None, device)
    trial._limit_cuda_memory(16 * 2**30, device)  # more than the card: capped at all of it
    trial._synchronise(device)
    assert calls == [
        ("fraction", 0.25),
        ("reset",),
        ("fraction", 1.0),
        ("reset",),
        ("fraction", 1.0),
        ("reset",),
        ("sync",),
    ]
    assert trial._peak(device) == (123, 456)
    assert trial._is_oom(torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate"))


def test_the_next_size_is_a_function_of_the_rows_the_bracket_and_the_limit():
    assert next_size({}, Bracket(top=100), None) == 1
    assert next_size({}, Bracket(top=100, low=32), None) == 64  # doubling
    assert next_size({}, Bracket(top=50, low=32), None) == 50  # never past the top
    assert next_size({}, Bracket(top=100, low=32, high=64, failures=2), None) == 48  # bisection
    profile = Profiler(10_000, TrialSpec(1), runner=fake_runner()).sweep([1, 2, 4, 8])
    rows = {r.batch_size: r for r in profile.rows}  # peak = 100 + 10 * batch, exactly
    assert next_size(rows, Bracket(top=4096, low=8), 875) == 77  # the memory line's answer
    assert next_size(rows, Bracket(top=4096, low=8, high=40, failures=1), 875) == 39  # clamped
    assert next_size(rows, Bracket(top=4096, low=8), None) == 16  # no limit: no line to follow


@given(
    low=st.integers(0, 500),
    width=st.one_of(st.none(), st.integers(2, 500)),
    failures=st.integers(0, 3),
    limit=st.one_of(st.none(), st.integers(150, 20_000)),
)
def test_the_next_size_lies_inside_the_bracket(low, width, failures, limit):
    profile = Profiler(10_000, TrialSpec(1), runner=fake_runner()).sweep([1, 2, 4, 8, 16])
    rows = {r.batch_size: r for r in profile.rows if r.batch_size <= max(low, 1)}
    low = max((b for b in rows), default=0) if low else 0
    high = None if width is None else low + width
    bracket = Bracket(top=4096, low=low, high=high, failures=failures)
    size = next_size(rows, bracket, limit)
    assert low < size <= (4096 if high is None else high - 1)
    assert bracket.after(size, True).low == size and bracket.after(size, False).high == size


def test_a_model_that_raises_stops_the_profile_with_where_it_raised():
    def raising(spec):
        if spec.batch_size < 4:
            return fake_runner()(spec)
        return TrialResult(
            spec.batch_size, False, exception="RuntimeError: shapes", where="m.py:3 in forward",
            traceback="Traceback...\nRuntimeError: shapes", error="RuntimeError: shapes",
        )  # fmt: skip

    profiler = Profiler(1000, TrialSpec(1), runner=raising)
    with pytest.raises(ModelError, match=r"RuntimeError: shapes at m\.py:3 in forward") as err:
        profiler.sweep([1, 2, 4, 8])
    assert "Traceback" in str(err.value.__cause__) and profiler.trials == 3


def test_ctrl_c_returns_what_was_measured_only_when_asked():
    def interrupted_at_4(spec):
        if spec.batch_size == 4:
            raise KeyboardInterrupt
        return fake_runner()(spec)

    kept = Profiler(1000, TrialSpec(1), runner=interrupted_at_4, keep_on_interrupt=True)
    profile = kept.sweep([1, 2, 4, 8])
    assert profile.interrupted and [r.batch_size for r in profile.rows] == [1, 2]
    searched = Profiler(1000, TrialSpec(1, memory_limit=10**6), runner=interrupted_at_4)
    with pytest.raises(KeyboardInterrupt):
        searched.search(64)
    assert not Profiler(1000, TrialSpec(1), runner=fake_runner()).sweep([1]).interrupted


def test_a_row_is_built_from_a_trial_by_name():
    result = TrialResult(10, True, [0.002, 0.004, 0.003], 500, 600, wall_seconds=1.0)
    row = TrialRow.of(result, samples=1000, epochs=2)
    assert (row.batch_size, row.steps_per_epoch, row.peak_reserved_bytes) == (10, 100, 600)
    assert row.seconds_per_step == 0.003 and row.epoch_seconds == pytest.approx(0.3)
    assert row.total_seconds == pytest.approx(0.6) and row.timed_seconds == pytest.approx(0.009)
    failed = TrialRow.of(TrialResult(10, False, error="out of memory"), samples=1000, epochs=2)
    assert failed.epoch_seconds is None and failed.error == "out of memory"
