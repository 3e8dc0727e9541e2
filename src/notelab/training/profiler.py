"""The batch-size profiler (note 1): time and memory over the whole curve of batch sizes, the
largest batch that fits under a memory limit, a memory model and the knee of throughput."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from notelab._util import InputError
from notelab.training.schedule import positive_int, steps_per_epoch
from notelab.training.trial import TrialResult, TrialSpec

Runner = Callable[[TrialSpec], TrialResult]
KNEE_SHARE = 0.9
MODEL_MIN_POINTS, MODEL_MIN_R2 = 4, 0.98
DATA_POOL = 8192


@dataclass
class TrialRow:
    """One batch size as measured and projected to an epoch."""

    batch_size: int
    fits: bool
    steps_per_epoch: int
    seconds_per_step: float | None  # median; the epoch projection uses the mean (a sum of steps)
    step_spread: float | None
    epoch_seconds: float | None
    total_seconds: float | None
    samples_per_second: float | None
    peak_bytes: int
    peak_reserved_bytes: int
    wall_seconds: float
    timed_seconds: float
    error: str | None


@dataclass
class MemoryModel:
    """peak = fixed + per_sample * batch, fitted by least squares."""

    fixed_bytes: float
    per_sample_bytes: float
    r_squared: float

    def predict(self, batch: float) -> float:
        """Predicted peak memory at ``batch``."""
        return self.fixed_bytes + self.per_sample_bytes * batch

    def largest_under(self, limit: float) -> int | None:
        """The largest batch the model predicts under ``limit``."""
        if self.per_sample_bytes <= 0:
            return None
        return int((limit - self.fixed_bytes) // self.per_sample_bytes)


@dataclass
class Profile:
    """A whole sweep."""

    samples: int
    epochs: int
    device: str
    memory_limit: int | None
    rows: list[TrialRow] = field(default_factory=list)
    largest_fit: int | None = None
    first_failure: int | None = None
    memory_model: MemoryModel | None = None
    predicted_largest: int | None = None
    prediction_error: float | None = None
    knee: int | None = None
    knee_reason: str = ""
    overhead_share: float = 0.0
    fixed_cost_seconds: float = 0.0
    trials: int = 0
    answer_peaks: list[int] = field(default_factory=list)  # both runs of a re-checked answer
    interrupted: bool = False  # stopped by the user: what was measured before it

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON output."""
        return asdict(self)


def fit_memory_model(rows: Sequence[TrialRow]) -> MemoryModel | None:
    """Least-squares line through the peak memory of the trials that fit (needs two sizes)."""
    points = [(r.batch_size, r.peak_bytes) for r in rows if r.fits]
    if len({b for b, _ in points}) < 2:
        return None
    b, m = np.array(points, dtype=float).T
    slope, intercept = np.polyfit(b, m, 1)
    residual = m - (intercept + slope * b)
    total = np.sum((m - m.mean()) ** 2)
    r2 = 1.0 - float(np.sum(residual**2) / total) if total > 0 else 1.0
    return MemoryModel(float(intercept), float(slope), r2)


def find_knee(rows: Sequence[TrialRow]) -> tuple[int | None, str]:
    """The smallest batch reaching 90% of the best throughput, and why, in one line."""
    fitting = [r for r in rows if r.fits and r.samples_per_second]
    if not fitting:
        return None, "no batch size fit"
    best = max(fitting, key=lambda r: r.samples_per_second)
    knee = min(
        (r for r in fitting if r.samples_per_second >= KNEE_SHARE * best.samples_per_second),
        key=lambda r: r.batch_size,
    )
    share = knee.samples_per_second / best.samples_per_second
    return knee.batch_size, (
        f"batch {knee.batch_size} reaches {share:.0%} of the best throughput "
        f"({best.samples_per_second:,.0f} samples/s at batch {best.batch_size}); "
        f"larger batches gain at most {1 / share - 1:.0%} more for more memory"
    )


class Profiler:
    """Sweep batch sizes of one workload, each trial in its own worker process.

    Parameters
    ----------
    samples : int
        Training examples per epoch (for the projection; trials use what they need).
    epochs : int
        Epochs to project the total time for.
    spec : TrialSpec
        The workload, device, steps and memory limit of every trial (batch size is set per trial).
    runner : callable, optional
        Runs one trial; by default in a fresh worker process.
    margin : float
        Safety margin under the memory limit: a trial fits only under ``limit * (1 - margin)``.
    progress : callable, optional
        Told ``(batch_size, row)`` after each trial.
    recheck : bool, optional
        Whether :meth:`search` runs its answer a second time before reporting it (default: on
        the CPU under a memory limit, where peak resident memory varies between runs).
    """

    def __init__(
        self,
        samples: int,
        spec: TrialSpec,
        *,
        epochs: int = 1,
        runner: Runner | None = None,
        margin: float = 0.05,
        progress: Callable[[int, TrialRow], None] | None = None,
        recheck: bool | None = None,
    ) -> None:
        self.samples = positive_int("samples", samples)
        self.epochs = positive_int("epochs", epochs)
        if not 0 <= margin < 1:
            raise InputError("a margin in [0, 1)", repr(margin))
        limit = int(spec.memory_limit * (1 - margin)) if spec.memory_limit else None
        # data drawn from a realistic pool, so that a short trial is not served from the cache
        pool = spec.dataset_size or min(self.samples, DATA_POOL)
        self.spec = replace(spec, memory_limit=limit, dataset_size=pool)
        self.user_limit = spec.memory_limit
        if runner is None:
            from notelab.training.runner import run_in_worker

            runner = run_in_worker
        self.runner, self.progress = runner, progress
        if recheck is None:  # peaks that vary run to run, judged against a limit
            recheck = spec.device == "cpu" and limit is not None
        self.recheck = recheck
        self.trials = 0
        self._rows: dict[int, TrialRow] = {}
        self._answer_peaks: list[int] = []
        self._first_prediction: int | None = None  # what the memory model said before trying

    def trial(self, batch_size: int) -> TrialRow:
        """Run (once) and return the row of one batch size."""
        batch_size = positive_int("batch size", batch_size)
        if batch_size not in self._rows:
            result = self.runner(replace(self.spec, batch_size=batch_size))
            self.trials += 1
            self._rows[batch_size] = self._row(result)
            if self.progress:
                self.progress(batch_size, self._rows[batch_size])
        return self._rows[batch_size]

    def _row(self, result: TrialResult) -> TrialRow:
        steps = steps_per_epoch(self.samples, result.batch_size)
        times = np.array(result.step_seconds)
        ok = result.fits and len(times) > 0
        median = float(np.median(times)) if ok else None
        spread = float(np.subtract(*np.percentile(times, [75, 25]))) if ok else None
        epoch = steps * float(times.mean()) if ok else None
        return TrialRow(
            result.batch_size,
            result.fits,
            steps,
            median,
            spread,
            epoch,
            epoch * self.epochs if ok else None,
            result.batch_size / median if ok else None,
            result.peak_bytes,
            result.peak_reserved_bytes,
            result.wall_seconds,
            float(times.sum()),
            result.error,
        )

    def sweep(self, sizes: Sequence[int]) -> Profile:
        """Run the given batch sizes (in order)."""
        for size in sizes:
            self.trial(size)
        return self.profile()

    def _prediction(self) -> int | None:
        """The memory model's largest batch under the limit, once it is trustworthy."""
        fits = [r for r in self._rows.values() if r.fits]
        model = fit_memory_model(fits)
        if not self.spec.memory_limit or model is None or len(fits) < MODEL_MIN_POINTS:
            return None
        if model.r_squared < MODEL_MIN_R2:
            return None
        return model.largest_under(self.spec.memory_limit)

    def _guess(self, low: int) -> int | None:
        """The largest batch under the limit on the memory line near ``low``: the secant
        through ``low`` and the largest fitting size at most 90% of it (close sizes differ by
        little more than noise) once three such sizes are known, else the whole model's line
        if it is trustworthy."""
        below = [b for b, r in self._rows.items() if r.fits and b <= 0.9 * low]
        if len(below) >= MODEL_MIN_POINTS - 1 and self.spec.memory_limit:
            near, far = self._rows[low].peak_bytes, self._rows[max(below)].peak_bytes
            if near > far:
                per_sample = (near - far) / (low - max(below))
                return low + int((self.spec.memory_limit - near) // per_sample)
        return self._prediction()

    def _next_size(self, low: int, high: int | None, max_batch: int, failures: int) -> int:
        """The next size to try given the last fit ``low`` and first failure ``high``: the
        memory line's guess, clamped inside the bracket; doubling while there is no trusted
        line; bisection after two failures in a row (the line is too optimistic there)."""
        top = max_batch if high is None else high - 1
        guess = self._guess(low) if low and failures < 2 else None
        if guess is not None and self._first_prediction is None and guess > low:
            self._first_prediction = guess
        if guess is not None:
            return min(max(guess, low + 1), top)
        if high is None:
            return min(max(2 * low, 1), top)
        return (low + high) // 2

    def _converge(
        self, low: int, high: int | None, size: int, failures: int, max_batch: int
    ) -> tuple[int, int | None]:
        """Try ``size``, then the next size, until a fit's next size fails (or ``max_batch``)."""
        while True:
            if self.trial(size).fits:
                low, failures = size, 0
            else:
                high, failures = size, failures + 1
            if (high is not None and high - low <= 1) or (high is None and low >= max_batch):
                return low, high
            size = self._next_size(low, high, max_batch, failures)

    def _holds(self, size: int) -> bool:
        """Run ``size`` once more in a fresh worker: peak RSS varies between runs, and an answer
        that fit once may not fit the next time. A failure replaces the size's row."""
        result = self.runner(replace(self.spec, batch_size=size))
        self.trials += 1
        if not result.fits:
            result.error = f"fit once, failed when run again: {result.error}"
        row = self._row(result)
        if row.fits:
            self._answer_peaks = [self._rows[size].peak_bytes, row.peak_bytes]
        else:
            self._rows[size] = row
        if self.progress:
            self.progress(size, row)
        return row.fits

    def search(self, max_batch: int) -> Profile:
        """The largest batch that fits: double from 1; from the fourth fitting size on, try the
        size the memory line near the largest fit predicts under the limit (refitted after
        every trial), inside the bracket of the last fit and the first failure; bisect after
        two failures in a row. Stops at a size that fits whose next size fails (or
        ``max_batch``); with ``recheck``, that size is run again, and if it fails this time the
        search goes on below it. Every size reported was run."""
        low, high = self._converge(0, None, 1, 0, max_batch)
        while self.recheck and low and not self._holds(low):
            high = low
            low = max((b for b, r in self._rows.items() if r.fits and b < high), default=0)
            if high - low > 1:
                size = self._next_size(low, high, max_batch, failures=1)
                low, high = self._converge(low, high, size, 1, max_batch)
        predicted = self._first_prediction
        profile = self.profile()
        profile.predicted_largest = predicted
        profile.answer_peaks = list(self._answer_peaks)  # set only by a re-check that held
        if profile.predicted_largest is not None and profile.largest_fit:
            profile.prediction_error = (
                profile.predicted_largest - profile.largest_fit
            ) / profile.largest_fit
        return profile

    def profile(self) -> Profile:
        """Everything measured so far."""
        rows = sorted(self._rows.values(), key=lambda r: r.batch_size)
        fits = [r.batch_size for r in rows if r.fits]
        failures = [r.batch_size for r in rows if not r.fits]
        knee, reason = find_knee(rows)
        wall = sum(r.wall_seconds for r in rows)
        timed = sum(r.timed_seconds for r in rows)
        return Profile(
            samples=self.samples,
            epochs=self.epochs,
            device=self.spec.device,
            memory_limit=self.user_limit,
            rows=rows,
            largest_fit=max(fits) if fits else None,
            first_failure=min((f for f in failures if f > max(fits, default=0)), default=None),
            memory_model=fit_memory_model(rows),
            knee=knee,
            knee_reason=reason,
            overhead_share=1 - timed / wall if wall else 0.0,
            fixed_cost_seconds=float(np.median([r.wall_seconds - r.timed_seconds for r in rows]))
            if rows
            else 0.0,
            trials=self.trials,
        )
