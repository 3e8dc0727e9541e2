"""The batch-size profiler (note 1): time and memory over the whole curve of batch sizes, the
largest batch that fits under a memory limit, a memory model and the knee of throughput."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from notelab._util import InputError
from notelab.training.schedule import positive_int, steps_per_epoch
from notelab.training.trial import ModelError, TrialResult, TrialSpec

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

    @classmethod
    def of(cls, result: TrialResult, *, samples: int, epochs: int) -> TrialRow:
        """The row of one trial: its median step, and an epoch of ``samples`` projected from
        the mean step (an epoch is a sum of steps), ``epochs`` epochs in all."""
        steps = steps_per_epoch(samples, result.batch_size)
        times = np.array(result.step_seconds)
        ok = result.fits and len(times) > 0
        median = float(np.median(times)) if ok else None
        epoch = steps * float(times.mean()) if ok else None
        return cls(
            batch_size=result.batch_size,
            fits=result.fits,
            steps_per_epoch=steps,
            seconds_per_step=median,
            step_spread=float(np.subtract(*np.percentile(times, [75, 25]))) if ok else None,
            epoch_seconds=epoch,
            total_seconds=epoch * epochs if epoch is not None else None,
            samples_per_second=result.batch_size / median if median else None,
            peak_bytes=result.peak_bytes,
            peak_reserved_bytes=result.peak_reserved_bytes,
            wall_seconds=result.wall_seconds,
            timed_seconds=float(times.sum()),
            error=result.error,
        )


@dataclass
class MemoryModel:
    """peak = fixed + per_sample * batch, fitted by least squares."""

    fixed_bytes: float
    per_sample_bytes: float
    r_squared: float

    def predict(self, batch: Any) -> Any:
        """Predicted peak memory at ``batch`` (a number or an array of them)."""
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
    speed = {r.batch_size: r.samples_per_second for r in rows if r.fits and r.samples_per_second}
    if not speed:
        return None, "no batch size fit"
    best = max(speed, key=lambda b: speed[b])
    knee = min(b for b in speed if speed[b] >= KNEE_SHARE * speed[best])
    share = speed[knee] / speed[best]
    return knee, (
        f"batch {knee} reaches {share:.0%} of the best throughput "
        f"({speed[best]:,.0f} samples/s at batch {best}); "
        f"larger batches gain at most {1 / share - 1:.0%} more for more memory"
    )


@dataclass(frozen=True)
class Bracket:
    """Where the search stands: ``low`` is the largest size that fit (0: none yet), ``high``
    the smallest size above it that failed (None: none yet), ``failures`` how many trials in
    a row failed, ``top`` the largest size it may try."""

    top: int
    low: int = 0
    high: int | None = None
    failures: int = 0

    def after(self, size: int, fits: bool) -> Bracket:
        """The bracket once ``size`` was tried."""
        if fits:
            return replace(self, low=size, failures=0)
        return replace(self, high=size, failures=self.failures + 1)

    @property
    def closed(self) -> bool:
        """Whether the answer is known: the next size above a fit failed, or ``top`` fit."""
        return self.high - self.low <= 1 if self.high is not None else self.low >= self.top


Rows = Mapping[int, TrialRow]


def model_guess(rows: Rows, limit: int | None) -> int | None:
    """The memory model's largest batch under ``limit``, once it is trustworthy (at least
    ``MODEL_MIN_POINTS`` sizes fit and R² >= ``MODEL_MIN_R2``)."""
    fits = [r for r in rows.values() if r.fits]
    model = fit_memory_model(fits)
    if not limit or model is None or len(fits) < MODEL_MIN_POINTS:
        return None
    if model.r_squared < MODEL_MIN_R2:
        return None
    return model.largest_under(limit)


def line_guess(rows: Rows, low: int, limit: int | None) -> int | None:
    """The largest batch under ``limit`` on the memory line near the fit ``low``: the secant
    through ``low`` and the largest fitting size at most 90% of it (close sizes differ by
    little more than noise) once three such sizes are known, else the whole model's line if it
    is trustworthy."""
    below = [b for b, r in rows.items() if r.fits and b <= 0.9 * low]
    if len(below) >= MODEL_MIN_POINTS - 1 and limit:
        near, far = rows[low].peak_bytes, rows[max(below)].peak_bytes
        if near > far:
            per_sample = (near - far) / (low - max(below))
            return low + int((limit - near) // per_sample)
    return model_guess(rows, limit)


def bracket_guess(rows: Rows, bracket: Bracket, limit: int | None) -> int | None:
    """The memory line's guess from the bracket's fit; none before the first fit or after two
    failures in a row (the line is too optimistic there)."""
    if not bracket.low or bracket.failures >= 2:
        return None
    return line_guess(rows, bracket.low, limit)


def next_size(rows: Rows, bracket: Bracket, limit: int | None) -> int:
    """The next size to try: the memory line's guess, clamped inside the bracket; doubling while
    there is no trusted line; bisection after two failures in a row.

    Examples
    --------
    >>> next_size({}, Bracket(top=1024), None), next_size({}, Bracket(top=1024, low=4), None)
    (1, 8)
    >>> next_size({}, Bracket(top=1024, low=8, high=16, failures=2), None)
    12
    """
    top = bracket.top if bracket.high is None else bracket.high - 1
    guess = bracket_guess(rows, bracket, limit)
    if guess is not None:
        return min(max(guess, bracket.low + 1), top)
    if bracket.high is None:
        return min(max(2 * bracket.low, 1), top)
    return (bracket.low + bracket.high) // 2


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
    keep_on_interrupt : bool
        Ctrl-C (``KeyboardInterrupt``) during :meth:`sweep` or :meth:`search` ends it and
        returns what was measured, with ``interrupted`` set (default: it propagates).

    Raises
    ------
    ModelError
        From :meth:`trial`, :meth:`sweep` and :meth:`search` when the model raised in a trial
        (anything but out-of-memory: that is a size that does not fit).

    Examples
    --------
    >>> from notelab.training.trial import ModelError, TrialResult, TrialSpec
    >>> def device(spec):  # 100 bytes + 10 per sample; a step of 1 ms + 0.1 ms per sample
    ...     peak = 100 + 10 * spec.batch_size
    ...     fits = peak <= spec.memory_limit
    ...     step = 0.001 + 0.0001 * spec.batch_size
    ...     return TrialResult(spec.batch_size, fits, [step] * 3 if fits else [], peak, peak)
    >>> spec = TrialSpec(1, memory_limit=875)
    >>> Profiler(10_000, spec, runner=device, margin=0.0, recheck=False).search(4096).largest_fit
    77
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
        keep_on_interrupt: bool = False,
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
        self.recheck, self.keep_on_interrupt = recheck, keep_on_interrupt
        self.trials = 0
        self._rows: dict[int, TrialRow] = {}
        self._answer_peaks: list[int] = []
        self._first_prediction: int | None = None  # what the memory model said before trying

    def _run(self, batch_size: int, again: bool = False) -> TrialRow:
        """One fresh trial of ``batch_size``; a model that raised stops everything."""
        result = self.runner(replace(self.spec, batch_size=batch_size))
        self.trials += 1
        if result.exception:
            raise ModelError.of(result)
        if again and not result.fits:
            result = replace(result, error=f"fit once, failed when run again: {result.error}")
        row = TrialRow.of(result, samples=self.samples, epochs=self.epochs)
        if self.progress:
            self.progress(batch_size, row)
        return row

    def trial(self, batch_size: int) -> TrialRow:
        """Run (once) and return the row of one batch size."""
        batch_size = positive_int("batch size", batch_size)
        if batch_size not in self._rows:
            self._rows[batch_size] = self._run(batch_size)
        return self._rows[batch_size]

    def sweep(self, sizes: Sequence[int]) -> Profile:
        """Run the given batch sizes (in order)."""
        return self._measure(lambda: [self.trial(size) for size in sizes])

    def search(self, max_batch: int) -> Profile:
        """The largest batch that fits, at most ``max_batch`` and the samples per epoch: double
        from 1; from the fourth fitting size on, try the size the memory line near the largest
        fit predicts under the limit (refitted after every trial), inside the bracket of the
        last fit and the first failure; bisect after two failures in a row. Stops at a size
        that fits whose next size fails (or ``max_batch``); with ``recheck``, that size is run
        again, and if it fails this time the search goes on below it. Every size reported was
        run."""
        top = min(positive_int("max_batch", max_batch), self.samples)
        return self._measure(lambda: self._search(Bracket(top=top)))

    def _measure(self, work: Callable[[], object]) -> Profile:
        """Run ``work``; then everything measured, also after Ctrl-C if ``keep_on_interrupt``."""
        try:
            work()
        except KeyboardInterrupt:
            if not self.keep_on_interrupt:
                raise
            return self.profile(interrupted=True)
        return self.profile()

    def _search(self, bracket: Bracket) -> Bracket:
        bracket = self._converge(bracket, 1)
        while self.recheck and bracket.low and not self._holds(bracket.low):
            low = max((b for b, r in self._rows.items() if r.fits and b < bracket.low), default=0)
            bracket = replace(bracket, low=low, high=bracket.low, failures=1)
            if not bracket.closed:
                bracket = self._converge(bracket, self._choose(bracket))
        return bracket

    @property
    def _limit(self) -> int | None:
        return self.spec.memory_limit

    def _converge(self, bracket: Bracket, size: int) -> Bracket:
        """Try ``size``, then the next size, until the bracket closes."""
        while True:
            bracket = bracket.after(size, self.trial(size).fits)
            if bracket.closed:
                return bracket
            size = self._choose(bracket)

    def _choose(self, bracket: Bracket) -> int:
        """:func:`next_size`, noting the memory line's first prediction above the last fit (what
        the model said before that size was tried)."""
        guess = bracket_guess(self._rows, bracket, self._limit)
        if self._first_prediction is None and guess is not None and guess > bracket.low:
            self._first_prediction = guess
        return next_size(self._rows, bracket, self._limit)

    def _holds(self, size: int) -> bool:
        """Run ``size`` once more in a fresh worker: peak RSS varies between runs, and an answer
        that fit once may not fit the next time. A failure replaces the size's row."""
        row = self._run(size, again=True)
        if row.fits:
            self._answer_peaks = [self._rows[size].peak_bytes, row.peak_bytes]
        else:
            self._rows[size] = row
        return row.fits

    def profile(self, *, interrupted: bool = False) -> Profile:
        """Everything measured so far (``interrupted``: stopped by the user before the end)."""
        rows = sorted(self._rows.values(), key=lambda r: r.batch_size)
        fits = [r.batch_size for r in rows if r.fits]
        failures = [r.batch_size for r in rows if not r.fits]
        largest = max(fits) if fits else None
        knee, reason = find_knee(rows)
        wall = sum(r.wall_seconds for r in rows)
        timed = sum(r.timed_seconds for r in rows)
        predicted = self._first_prediction
        return Profile(
            samples=self.samples,
            epochs=self.epochs,
            device=self.spec.device,
            memory_limit=self.user_limit,
            rows=rows,
            largest_fit=largest,
            first_failure=min((f for f in failures if f > max(fits, default=0)), default=None),
            memory_model=fit_memory_model(rows),
            predicted_largest=predicted,
            prediction_error=(predicted - largest) / largest if predicted and largest else None,
            knee=knee,
            knee_reason=reason,
            overhead_share=1 - timed / wall if wall else 0.0,
            fixed_cost_seconds=float(np.median([r.wall_seconds - r.timed_seconds for r in rows]))
            if rows
            else 0.0,
            trials=self.trials,
            answer_peaks=list(self._answer_peaks),  # set only by a re-check that held
            interrupted=interrupted,
        )
