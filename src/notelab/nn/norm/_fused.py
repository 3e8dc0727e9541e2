"""When :class:`~notelab.nn.norm._function.Normalize` hands its work to the compiled kernels
(:mod:`notelab.nn.norm._kernels`), and the views and buffers they are given.

The kernels cover the layers' common case: statistics of the batch (training, or layer, group
and RMS norm), no mask, a contiguous float32 or float64 input on the CPU, in one of three
layouts of :class:`~notelab.nn.norm._function.Spec`:

- ``rows``: ``(R, F)`` normalised over axis 1 (layer and RMS norm);
- ``groups``: ``(N, G, P, L)`` over axes 2 and 3 (group norm, channels first);
- ``batch``: ``(M, C)`` over axis 0 or ``(M, C, L)`` over axes 0 and 2 (batch norm).

Everything else (a GPU, masks, fixed statistics, channels last group norm) keeps the torch
operations of ``_function``, which compute the same formulas. ``ENABLED = False`` sends every
call there (the tests check both).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import torch

from notelab._util.forking import numba_threads_unsafe

ENABLED = True
PARALLEL_MIN = 1 << 16  # values; below, one thread (waking the others costs more than it saves)
_NUMPY = {torch.float32: np.float32, torch.float64: np.float64}
Stats = tuple[torch.Tensor, torch.Tensor]


@functools.cache
def _kernels() -> ModuleType:
    """The kernels, imported on first use (numba costs a second to import)."""
    from notelab.nn.norm import _kernels

    return _kernels


def kind(x: torch.Tensor, params: tuple[Any, Any], mask: Any, fixed: bool, spec: Any) -> str | None:
    """``rows``, ``groups`` or ``batch`` where a kernel does the work, else ``None``."""
    if not ENABLED or fixed or mask is not None or x.dtype not in _NUMPY or x.device.type != "cpu":
        return None
    for p in params:
        if p is not None and (p.dtype != x.dtype or p.device != x.device):
            return None
    if x.numel() == 0 or not x.is_contiguous():
        return None
    return _KINDS.get((len(spec.view), spec.dims))


# (axes of the view, axes of the statistics) -> kernel
_KINDS = {(2, (1,)): "rows", (2, (0,)): "batch", (3, (0, 2)): "batch", (4, (2, 3)): "groups"}


@functools.lru_cache(maxsize=64)
def _filled(n: int, dtype: torch.dtype, value: float) -> np.ndarray:
    """``n`` values ``value`` (a missing weight or bias; only ever read)."""
    return np.full(n, value, dtype=_NUMPY[dtype])


def _param(p: torch.Tensor | None, n: int, dtype: torch.dtype, value: float) -> np.ndarray:
    return _filled(n, dtype, value) if p is None else p.detach().numpy().reshape(-1)


def _array(t: torch.Tensor, shape: tuple[int, ...]) -> np.ndarray:
    return t.detach().numpy().reshape(shape)  # numpy's reshape: a few times cheaper


def _shapes(kind_: str, view: tuple[int, ...]) -> tuple[tuple[int, ...], int, int]:
    """The kernel's view of the input, the number of statistics and of affine values."""
    if kind_ == "rows":
        return view, view[0], view[1]
    if kind_ == "groups":
        n, groups, per, length = view
        return (n * groups, per * length), n * groups, groups * per
    m, c = view[0], view[1]
    return (m, c, math.prod(view[2:])), c, c


def _runs(kind_: str, x: torch.Tensor, units: int) -> int:
    """Threads for the kernel: torch's thread count (at most numba's) on inputs of
    ``PARALLEL_MIN`` values or more, at most one per sample; one for batch norm, and in a
    forked child, where numba's OpenMP threads, started in the parent, would abort it."""
    import numba

    threads = min(torch.get_num_threads(), int(getattr(numba.config, "NUMBA_NUM_THREADS", 1)))
    if kind_ == "batch" or threads < 2 or x.numel() < PARALLEL_MIN or numba_threads_unsafe():
        return 1
    return min(threads, units)


def _on_threads(runs: int, kernel: Callable[..., None], *args: Any) -> None:
    """``kernel(*args)`` with numba's thread count for this thread set to ``runs``, then put
    back (a later numba kernel in this thread, dedup's for one, keeps its own). Numba's
    threads are the OpenMP runtime torch's own kernels use here, so the two do not compete."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(runs)
    try:
        kernel(*args)
    finally:
        numba.set_num_threads(before)


def forward(
    kind_: str, x: torch.Tensor, weight: Any, bias: Any, spec: Any
) -> tuple[torch.Tensor, Stats]:
    """The output and the float64 statistics (mean and ``rstd``, or for ``batch`` mean and
    biased variance) of the batch."""
    shape, stats, n = _shapes(kind_, spec.view)
    w, b = _param(weight, n, x.dtype, 1.0), _param(bias, n, x.dtype, 0.0)
    y = torch.empty_like(x, memory_format=torch.contiguous_format)
    first, second = np.empty(stats), np.empty(stats)
    xs, ys, k = _array(x, shape), _array(y, shape), _kernels()
    if kind_ == "batch":
        k.batch_forward(xs, w, b, spec.eps, ys, first, second)
        return y, (torch.from_numpy(first), torch.from_numpy(second))
    serial, parallel, how, unit = _by_rows(kind_, spec, k, "forward")
    runs = _runs(kind_, x, shape[0] // unit)
    if runs == 1:
        serial(xs, w, b, how, spec.eps, ys, first, second)
    else:
        _on_threads(runs, parallel, xs, w, b, how, spec.eps, ys, first, second, runs)
    return y, (torch.from_numpy(first), torch.from_numpy(second))


def _by_rows(kind_: str, spec: Any, k: ModuleType, step: str) -> tuple[Any, Any, Any, int]:
    """The serial and parallel kernels of ``step`` (``forward`` or ``backward``), their
    argument that differs (centring, or the groups) and the rows per sample."""
    family = "rows" if kind_ == "rows" else "groups"
    serial, parallel = getattr(k, f"{family}_{step}"), getattr(k, f"{family}_{step}_parallel")
    if kind_ == "rows":
        return serial, parallel, spec.center, 1
    return serial, parallel, spec.view[1], spec.view[1]


def backward(
    kind_: str, grad_y: torch.Tensor, x: torch.Tensor, weight: Any, stats: Stats, spec: Any
) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """The gradients of the input, and of the weight and the bias (flat, float64)."""
    shape, _, n = _shapes(kind_, spec.view)
    w = _param(weight, n, x.dtype, 1.0)
    dx = torch.empty_like(x, memory_format=torch.contiguous_format)
    g, xs, dxs = _array(grad_y.contiguous(), shape), _array(x, shape), _array(dx, shape)
    first, second, k = stats[0].numpy(), stats[1].numpy(), _kernels()
    if kind_ == "batch":
        dw, db = np.empty(n), np.empty(n)
        k.batch_backward(g, xs, w, first, second, spec.eps, dxs, dw, db)
        return dx, dw, db
    serial, parallel, how, unit = _by_rows(kind_, spec, k, "backward")
    runs = _runs(kind_, x, shape[0] // unit)
    dw, db = np.zeros((runs, n)), np.zeros((runs, n))  # a row per thread
    if runs == 1:
        serial(g, xs, w, first, second, how, dxs, dw[0], db[0])
    else:
        _on_threads(runs, parallel, g, xs, w, first, second, how, dxs, dw, db)
    return dx, dw.sum(0), db.sum(0)


def as_tensor(values: np.ndarray, like: torch.Tensor, shape: Any) -> torch.Tensor:
    """``values`` as a tensor of ``like``'s dtype and of ``shape``."""
    return torch.from_numpy(values.astype(_NUMPY[like.dtype], copy=False).reshape(shape))
