"""One fold of one model: fit the leak-free pipeline on the training rows, score the rest.

Runs in worker processes (joblib's loky workers, or Dask workers through joblib's Dask
backend), so it returns plain data: scores, seconds, the warnings it raised and, on request,
its test predictions. A model that fails on a fold returns the error instead of raising, so one
broken model cannot sink a comparison.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from notelab._util.dask import connect
from notelab._util.threads import one_native_thread
from notelab.classify.data import Features
from notelab.classify.metrics import predict_all, score_all
from notelab.classify.models import MODELS
from notelab.classify.pipeline import make_pipeline


@dataclass(frozen=True)
class FoldTask:
    """What one job needs besides the data: the model, the fold and what to keep."""

    model: str
    fold: Any  # the fold's number, or any label that groups results (profile, finding 2)
    train: np.ndarray
    test: np.ndarray
    metrics: tuple[str, ...]
    random_state: int
    train_scores: bool = False
    keep_predictions: bool = False
    params: tuple[tuple[str, Any], ...] = ()  # model hyperparameters set over the defaults
    scale: bool | None = None  # None: the family's own choice


@dataclass(frozen=True)
class FoldResult:
    """The outcome of one :class:`FoldTask`."""

    model: str
    fold: Any
    scores: dict[str, float]
    fit_seconds: float
    predict_seconds: float
    train_scores: dict[str, float] | None = None
    predictions: np.ndarray | None = None
    warnings: list[tuple[type[Warning], str]] = field(default_factory=list)
    error: str | None = None


def _pipeline(features: Features, task: FoldTask) -> Any:
    pipe = make_pipeline(
        task.model,
        numeric=features.numeric,
        categorical=features.categorical,
        levels=features.levels,
        random_state=task.random_state,
        scale=task.scale,
    )
    if task.params:
        pipe.set_params(**{f"model__{key}": value for key, value in task.params})
    return pipe


def run_fold(
    features: Features,
    y: np.ndarray,
    classes: np.ndarray,
    task: FoldTask,
    clock: Callable[[], float] = time.perf_counter,
) -> FoldResult:
    """Fit ``task.model`` on the training rows of ``task`` and score it on the test rows."""
    X_train, X_test = features.rows(task.train), features.rows(task.test)
    # one thread per job: the jobs already fill the cores (OpenMP threads on a busy machine
    # spin, and made histogram boosting 30x slower here)
    with one_native_thread(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            pipe = _pipeline(features, task)
            start = clock()
            pipe.fit(X_train, y[task.train])
            fitted = clock()
            predicted = predict_all(pipe, X_test, classes)
            done = clock()
        except Exception as error:  # a model that cannot fit this data: reported, not raised
            message = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
            nan = dict.fromkeys(task.metrics, np.nan)
            return FoldResult(task.model, task.fold, nan, np.nan, np.nan, error=message)
        scores = score_all(y[task.test], predicted, classes, task.metrics)
        train = None
        if task.train_scores:
            on_train = predict_all(pipe, X_train, classes)
            train = score_all(y[task.train], on_train, classes, task.metrics)
    return FoldResult(
        task.model,
        task.fold,
        scores,
        fitted - start,
        done - fitted,
        train,
        predicted["labels"] if task.keep_predictions else None,
        [(w.category, str(w.message)) for w in caught],
    )


def run_folds(
    features: Features,
    y: np.ndarray,
    classes: np.ndarray,
    tasks: list[FoldTask],
    *,
    n_jobs: int = -1,
    scheduler: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[FoldResult]:
    """Run every task in parallel (joblib; on Dask with ``scheduler``), results in task order.

    Warnings raised in the workers are raised again here, once each, so the caller can
    capture them.
    """
    from joblib import Parallel, delayed

    order = sorted(range(len(tasks)), key=lambda i: -_cost(tasks[i]))  # slowest first
    jobs = (delayed(_indexed)(i, features, y, classes, tasks[i]) for i in order)
    out: list[FoldResult | None] = [None] * len(tasks)
    with _backend(scheduler):
        stream = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs)
        for done, (i, result) in enumerate(stream, 1):
            out[i] = result
            if progress is not None:
                progress(done, len(tasks))
    results = [r for r in out if r is not None]
    _reraise_warnings(results)
    return results


def _cost(task: FoldTask) -> int:
    spec = MODELS.get(task.model)
    return spec.cost if spec is not None else 1


def _indexed(
    i: int, features: Features, y: np.ndarray, classes: np.ndarray, task: FoldTask
) -> tuple[int, FoldResult]:
    return i, run_fold(features, y, classes, task)


def _reraise_warnings(results: list[FoldResult]) -> None:
    seen = {(category, message) for r in results for category, message in r.warnings}
    for category, message in sorted(seen, key=lambda w: (w[0].__name__, w[1])):
        warnings.warn(message, category, stacklevel=3)


@contextlib.contextmanager
def _backend(scheduler: Any) -> Iterator[None]:
    """joblib's default backend, or its Dask backend on ``scheduler`` (an address or Client)."""
    if scheduler is None:
        yield
        return
    from distributed import Client
    from joblib import parallel_config

    with contextlib.ExitStack() as stack:
        client = scheduler
        if not isinstance(client, Client):
            client = stack.enter_context(connect(scheduler))
        stack.enter_context(client.as_current())
        stack.enter_context(parallel_config(backend="dask"))
        yield
