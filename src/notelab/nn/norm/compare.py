"""Which normalisation for this model at this batch size? Train the model with each one swapped
in, at each batch size, for the same number of samples, over several seeds.

For each (normalisation, batch size, seed) the model is copied from the same initial weights,
its normalisation layers swapped (:func:`~notelab.nn.norm.swap.swap_norms`), trained for
``epochs`` passes over the training split, and measured on the held-out split: accuracy (class
scores against integer labels) or the loss; the same metric with the normalisation layers in
training mode (batch statistics of held-out batches of the training size) gives the train/eval
gap; each step is timed.

Examples
--------
>>> spec = CompareSpec(batch_sizes=(8, 64), norms=("batch", "group"), seeds=1)
>>> result = compare_norms("digits-cnn", None, spec)           # doctest: +SKIP
>>> [(r.norm, r.batch_size) for r in result.rows]              # doctest: +SKIP
[('batch', 8), ('batch', 64), ('group', 8), ('group', 64)]
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils.data import Dataset, Subset

from notelab._util import InputError
from notelab._util.estimate import Estimate
from notelab.nn.norm._batches import batches
from notelab.nn.norm.spec import CompareSpec, check_spec
from notelab.nn.norm.swap import Slot, find_slots, swap_norms
from notelab.nn.norm.workloads import load_workload
from notelab.training.workloads import Workload

Progress = Callable[[int, int, str], None]


Interval = Estimate  # a mean over seeds with its 95% interval; the name rows used before


def _over_seeds(samples: list[float]) -> Estimate:
    """The mean of ``samples`` and its Student's t interval (the value itself for one sample)."""
    method = f"mean of {len(samples)} seeds"
    mean = sum(samples) / len(samples)
    if not math.isfinite(mean):  # a diverged run: no interval to give
        return Estimate(mean, mean, mean, len(samples), method)
    return Estimate.mean_interval(samples, method=method)


@dataclass(frozen=True)
class Run:
    """One model trained: normalisation, batch size, seed, and what it measured."""

    norm: str
    batch_size: int
    seed: int
    steps: int
    held_out: float  # accuracy or loss in eval mode
    gap: float  # on held-out batches of the training size: training mode minus eval mode
    step_seconds: float  # median over the run's steps


@dataclass(frozen=True)
class Row:
    """One (normalisation, batch size) over the seeds."""

    norm: str
    batch_size: int
    steps: int
    metric: Estimate  # held-out accuracy or loss, eval mode
    gap: Estimate  # train mode minus eval mode
    step_seconds: float  # median over seeds of each run's median


@dataclass
class Comparison:
    """Every run and the rows over seeds."""

    workload: str
    metric: str  # "accuracy" or "loss"
    spec: CompareSpec
    slots: list[Slot]
    train_size: int
    held_out_size: int
    runs: list[Run] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    interrupted: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return asdict(self)


def _split(dataset: Dataset[Any], share: float, seed: int) -> tuple[Subset[Any], Subset[Any]]:
    size = len(dataset)  # type: ignore[arg-type]
    order = torch.randperm(size, generator=torch.Generator().manual_seed(seed)).tolist()
    cut = size - max(1, round(size * share))
    return Subset(dataset, order[:cut]), Subset(dataset, order[cut:])


def _metric_kind(model: nn.Module, held_out: Subset[Any], device: str) -> str:
    inputs, target = next(batches(held_out, 2))
    with torch.no_grad():
        output = model.eval()(inputs.to(device))
    integer = not torch.is_floating_point(target) and target.dim() == 1
    return "accuracy" if integer and output.dim() == 2 else "loss"


def _score(
    model: nn.Module, loader: Iterable[Any], loss_fn: Any, metric: str, device: str
) -> float:
    total, count = 0.0, 0
    with torch.no_grad():
        for inputs, target in loader:
            output = model(inputs.to(device))
            target = target.to(device)
            if metric == "accuracy":
                total += float((output.argmax(1) == target).sum())
            else:
                total += float(loss_fn(output, target)) * len(target)
            count += len(target)
    return total / count if count else math.nan


@contextlib.contextmanager
def norms_in_train_mode(model: nn.Module) -> Iterator[nn.Module]:
    """The model in eval mode but for its normalisation layers; their buffers restored after."""
    saved = copy.deepcopy(model.state_dict())
    model.eval()
    for slot in find_slots(model):
        model.get_submodule(slot.name).train()
    try:
        yield model
    finally:
        model.load_state_dict(saved)
        model.eval()


def _train(
    workload: Workload,
    model: nn.Module,
    train: Dataset[Any],
    batch_size: int,
    seed: int,
    spec: CompareSpec,
    clock: Callable[[], float],
) -> list[float]:
    optimizer = type(workload.optimizer)(model.parameters(), **workload.optimizer.defaults)
    model.train()
    times: list[float] = []
    generator = torch.Generator().manual_seed(seed)
    for _ in range(spec.epochs):
        for inputs, target in batches(train, batch_size, generator=generator, drop_last=True):
            start = clock()
            optimizer.zero_grad(set_to_none=True)
            loss = workload.loss_fn(model(inputs.to(spec.device)), target.to(spec.device))
            loss.backward()  # type: ignore[no-untyped-call]  # torch leaves it untyped
            optimizer.step()
            times.append(clock() - start)
    return times


def train_one(
    workload: Workload,
    splits: tuple[Subset[Any], Subset[Any]],
    norm: str,
    batch_size: int,
    seed: int,
    spec: CompareSpec,
    metric: str,
    clock: Callable[[], float] = time.perf_counter,
) -> Run:
    """Train a copy of the workload's model with ``norm`` swapped in, then measure it."""
    torch.manual_seed(seed)
    model = swap_norms(copy.deepcopy(workload.model), norm, groups=spec.groups).to(spec.device)
    train, held_out = splits
    times = _train(workload, model, train, batch_size, seed, spec, clock)
    model.eval()
    score = _score(model, batches(held_out, spec.eval_batch), workload.loss_fn, metric, spec.device)
    # the gap: the same held-out batches of the training size, in training and in eval mode
    gap_set = Subset(held_out, range(min(len(held_out), spec.gap_samples)))
    in_batches = list(batches(gap_set, min(batch_size, len(gap_set)), drop_last=True))
    same = _score(model, in_batches, workload.loss_fn, metric, spec.device)
    with norms_in_train_mode(model):
        train_mode = _score(model, in_batches, workload.loss_fn, metric, spec.device)
    step = float(torch.tensor(times).median()) if times else math.nan
    return Run(norm, batch_size, seed, len(times), score, train_mode - same, step)


def summarise(runs: list[Run]) -> list[Row]:
    """One row per (normalisation, batch size): means over seeds with intervals."""
    rows = []
    keys = dict.fromkeys((r.norm, r.batch_size) for r in runs)
    for norm, batch in keys:
        group = [r for r in runs if r.norm == norm and r.batch_size == batch]
        rows.append(
            Row(
                norm,
                batch,
                group[0].steps,
                _over_seeds([r.held_out for r in group]),
                _over_seeds([r.gap for r in group]),
                float(torch.tensor([r.step_seconds for r in group]).median()),
            )
        )
    return rows


def compare_norms(
    workload: str | None,
    model: str | None,
    spec: CompareSpec,
    *,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Comparison:
    """Train the model with each normalisation at each batch size, over ``spec.seeds`` seeds.

    Parameters
    ----------
    workload : str or None
        A built-in workload (``digits-cnn``, ``sequences``), or None with ``model``.
    model : str or None
        The user's ``package.module:factory`` (the contract of ``notelab batch-size``).
    spec : CompareSpec
        Batch sizes, normalisations, epochs, seeds.
    progress : callable, optional
        ``progress(done, total, label)`` after each run.
    clock : callable
        Seconds, for the step times (injectable for tests).

    Returns
    -------
    Comparison
        Every run, and per (normalisation, batch size) the held-out metric and the train/eval
        gap with 95% intervals over the seeds and the median time per step. On Ctrl-C, what
        was measured so far, with ``interrupted`` set.
    """
    check_spec(spec)
    with _threads(spec.threads):
        return _compare(workload, model, spec, progress, clock)


@contextlib.contextmanager
def _threads(count: int) -> Iterator[None]:
    before = torch.get_num_threads()
    if count:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _compare(
    workload: str | None,
    model: str | None,
    spec: CompareSpec,
    progress: Progress | None,
    clock: Callable[[], float],
) -> Comparison:
    seeds = range(spec.first_seed, spec.first_seed + spec.seeds)
    total = len(seeds) * len(spec.norms) * len(spec.batch_sizes)
    runs: list[Run] = []
    result = None
    try:
        for seed in seeds:
            built = load_workload(workload, model, samples=spec.samples, seed=seed)
            splits = _split(built.dataset, spec.held_out, seed)
            result = result or _comparison(workload, model, spec, built, splits)
            _check_sizes(spec, len(splits[0]))
            if progress and not runs:
                progress(
                    0, total, f"{spec.norms[0]} norm, batch {spec.batch_sizes[0]}, seed {seed}"
                )
            for norm in spec.norms:
                for batch in spec.batch_sizes:
                    runs.append(
                        train_one(built, splits, norm, batch, seed, spec, result.metric, clock)
                    )
                    if progress:
                        progress(len(runs), total, f"{norm} norm, batch {batch}, seed {seed}")
    except KeyboardInterrupt:
        if result is None:
            raise
        result.interrupted = True
    assert result is not None
    result.runs, result.rows = runs, summarise(runs)
    return result


def _comparison(
    workload: str | None,
    model: str | None,
    spec: CompareSpec,
    built: Workload,
    splits: tuple[Subset[Any], Subset[Any]],
) -> Comparison:
    slots = find_slots(built.model)
    swap_norms(copy.deepcopy(built.model), spec.norms[0], groups=spec.groups)  # fails early
    metric = _metric_kind(built.model.to(spec.device), splits[1], spec.device)
    return Comparison(
        model or workload or "digits-cnn", metric, spec, slots, len(splits[0]), len(splits[1])
    )


def _check_sizes(spec: CompareSpec, train_size: int) -> None:
    if max(spec.batch_sizes) > train_size:
        raise InputError(
            f"batch sizes up to the {train_size} training samples",
            str(max(spec.batch_sizes)),
            "use smaller --batch-sizes or more --samples",
        )


@dataclass(frozen=True)
class Best:
    """The best normalisation at one batch size, and those its interval does not separate."""

    batch_size: int
    norm: str
    value: float
    tied: list[str]


def best_per_batch(result: Comparison) -> list[Best]:
    """Per batch size: the normalisation with the best mean metric (highest accuracy, lowest
    loss) and the others whose 95% intervals overlap its interval."""
    sign = 1.0 if result.metric == "accuracy" else -1.0
    answers = []
    for batch in sorted({r.batch_size for r in result.rows}):
        rows = [r for r in result.rows if r.batch_size == batch and math.isfinite(r.metric.value)]
        if not rows:
            continue
        top = max(rows, key=lambda r: sign * r.metric.value)
        tied = [
            r.norm
            for r in rows
            if r is not top and r.metric.low <= top.metric.high and top.metric.low <= r.metric.high
        ]
        answers.append(Best(batch, top.norm, top.metric.value, tied))
    return answers
