"""Finding 1: batch size against time per epoch and memory, measured on a small transformer."""

from __future__ import annotations

import itertools

from notelab.findings.model import Claim, Figure, Finding, Table, Verdict
from notelab.training.plot import memory_figure, time_figure
from notelab.training.profiler import Profile, Profiler
from notelab.training.trial import TrialSpec

SAMPLES = 89_000
HALF_BAND = 0.05  # a ratio within 0.5 +- this counts as "halved"


def _hms(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _one_to_two(profile: Profile) -> Claim:
    rows = {r.batch_size: r for r in profile.rows if r.fits}
    ratio = rows[2].epoch_seconds / rows[1].epoch_seconds
    if ratio >= 1:
        verdict = Verdict.FAILS
    elif ratio <= 0.5 + HALF_BAND:
        verdict = Verdict.PARTLY
    else:
        verdict = Verdict.HOLDS
    return Claim(
        "Going from batch size 1 to 2 makes an epoch faster, but not twice as fast "
        "(the note: 1 h 45 min to 1 h 24 min).",
        verdict,
        f"Epoch time at batch 2 is {ratio:.2f} of batch 1 "
        f"({_hms(rows[1].epoch_seconds)} to {_hms(rows[2].epoch_seconds)}); the note "
        f"measured {84 / 105:.2f}. Step time went from {rows[1].seconds_per_step * 1e3:.1f}"
        f" to {rows[2].seconds_per_step * 1e3:.1f} ms.",
    )


def _knee(profile: Profile) -> Claim:
    rows = [r for r in profile.rows if r.fits]
    before = [r for r in rows if r.batch_size <= profile.knee]
    falling = all(b.epoch_seconds < a.epoch_seconds * 1.05 for a, b in itertools.pairwise(before))
    beyond = [r for r in rows if r.batch_size > profile.knee]
    gain = profile.rows[0].epoch_seconds / min(r.epoch_seconds for r in rows) if rows else 0.0
    verdict = (
        Verdict.HOLDS if falling and beyond else (Verdict.PARTLY if falling else Verdict.FAILS)
    )
    return Claim(
        "Time per epoch keeps falling as the batch grows, then flattens once the "
        "device is saturated.",
        verdict,
        f"Epoch time falls {gain:.0f}x from batch 1 to the fastest size; {profile.knee_reason}"
        + ("" if beyond else "; no size beyond the knee was tried")
        + ".",
    )


def _memory(profile: Profile) -> Claim:
    model = profile.memory_model
    verdict = (
        Verdict.HOLDS
        if model.r_squared >= 0.95
        else Verdict.PARTLY
        if model.r_squared >= 0.8
        else Verdict.FAILS
    )
    return Claim(
        "Memory is a fixed part (weights, gradients, optimizer state) plus a part that "
        "grows about linearly with batch size (activations).",
        verdict,
        f"Peak memory = {model.fixed_bytes / 2**20:.0f} MiB + "
        f"{model.per_sample_bytes / 2**20:.2f} MiB x batch, R² = {model.r_squared:.3f} "
        f"({profile.device}; on the CPU the fixed part includes the Python process).",
    )


def run(scale: str = "quick", seed: int = 0) -> Finding:
    """Sweep batch sizes of the transformer workload and check note 1's claims."""
    full = scale == "full"
    sizes = [1, 2, 4, 8, 16, 32, 64, 128] + ([256, 512] if full else [])
    spec = TrialSpec(
        1, workload="transformer", steps=20 if full else 6, warmup=2 if full else 1, seed=seed
    )
    profile = Profiler(SAMPLES, spec).sweep(sizes)
    failed = [r for r in profile.rows if not r.fits]
    if failed:
        raise RuntimeError(f"trials failed: {[(r.batch_size, r.error) for r in failed]}")
    table = Table(
        f"The note's table, measured here: {SAMPLES:,} examples per epoch",
        ["batch size", "steps per epoch", "s per step", "epoch (h:mm:ss)", "samples/s", "peak MiB"],
        [
            [
                r.batch_size,
                r.steps_per_epoch,
                r.seconds_per_step,
                _hms(r.epoch_seconds),
                r.samples_per_second,
                r.peak_bytes / 2**20,
            ]
            for r in profile.rows
        ],
    )
    return Finding(
        note=1,
        title="Batch size vs training time and memory",
        claims=[_one_to_two(profile), _knee(profile), _memory(profile)],
        tables=[table],
        figures=[
            Figure("note01-time", "Projected time per epoch and throughput.", time_figure(profile)),
            Figure("note01-memory", "Peak memory with the fitted line.", memory_figure(profile)),
        ],
        data=profile.as_dict(),
    )
