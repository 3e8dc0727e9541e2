"""The one autograd function behind every normalisation layer, with its gradient by hand.

Batch, layer, group and RMS normalisation are the same computation on different axes:
``xhat = (x - mean) / sqrt(var + eps)`` with the statistics taken over ``dims`` of a view of the
input, then ``y = weight * xhat + bias``. :class:`Normalize` does it once for all four; the
layers only choose the view and the axes. Its backward is the closed-form gradient, written out
(no autograd through the forward's operations):

``dx = rstd * (g - mean(g) - xhat * mean(g * xhat))`` with ``g = weight * dL/dy`` and the means
over ``dims``; without centring (RMS) the ``mean(g)`` term drops; with a mask (padding left out
of the statistics) the two means count the real positions only and reach only those; with fixed
statistics (batch norm in eval mode) ``dx = rstd * g``. Written as
``dx = rstd * (weight * dL/dy + k1 * x + k0)`` with ``k1``, ``k0`` of the statistics' shape.

On the CPU, in training and without a mask, the work goes to compiled kernels
(``_fused``, ``_kernels``: the same formulas, each sweep over memory once, as PyTorch's kernels
do); what follows is the torch-operations path that every other case takes (a GPU, masks,
batch norm in eval mode, channels last group norm), and where its time goes on the CPU:

- A new full-size tensor costs more than a pass over one (its pages are fresh whenever the
  allocator has handed the last one back), so the forward allocates one (the output, first used
  for the centred input) and the backward one (the input's gradient, first used for
  ``dL/dy * (x - mean)``); the input is saved, not a normalised copy of it.
- ``addcmul`` with two per-row (or per-channel) operands broadcast along the innermost axis is
  not vectorised and costs four plain passes; such products go through ``mul`` and ``add_``.
- ``torch.var`` over a long axis is an order of magnitude slower than a mean and a
  ``vector_norm`` of the centred values, which is what the variance is taken from.
- Sums of products are taken without products of full size where the weight allows (summed
  first along the axes where the weight is constant, or as a matrix-vector product).

The statistics, the sums of the backward and the forward are centred (the forward of batch
norm on ``(N, C)`` takes ``x * scale + shift`` in one pass, as PyTorch's kernel does); the
input's gradient takes ``k1 * x + k0`` uncentred, as PyTorch's layer and group norm kernels
do. ``tests/nn/norm/test_precision.py`` holds the float32 errors to those of torch's kernels.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar, cast

import torch
from torch.autograd.function import once_differentiable

from notelab.nn.norm import _fused

Dims = tuple[int, ...]


class Layout(NamedTuple):
    """What the shapes alone decide, worked out once per shape (the Python per call is a large
    part of the time on small inputs)."""

    n: int  # values per statistic
    run: tuple[int, ...]  # trailing axes of ``dims`` for ``vector_norm``; () when too short
    rest: tuple[int, ...]  # the other axes of ``dims``
    small: bool  # ``rstd * weight`` is much smaller than the input
    fused: bool  # per-statistic factors vary along the innermost axis: ``addcmul`` is fast
    wdims: Dims  # axes along which the weight is broadcast
    bdims: Dims  # axes along which the bias is broadcast


@functools.lru_cache(maxsize=512)
def layout(shape: tuple[int, ...], dims: Dims, wshape: Any, bshape: Any) -> Layout:
    """The :class:`Layout` of an input of ``shape`` normalised over ``dims``, with a weight and
    a bias of ``wshape`` and ``bshape`` (or ``None``)."""
    run, axis = [], len(shape) - 1
    while axis in dims:
        run.append(axis)
        axis -= 1
    if math.prod(shape[d] for d in run) < 16:
        run = []
    stat = [1 if d in dims else s for d, s in enumerate(shape)]
    product = stat if wshape is None else [max(a, b) for a, b in zip(stat, wshape, strict=True)]
    inner = [d for d, s in enumerate(shape) if s != 1]
    return Layout(
        n=math.prod(shape[d] for d in dims),
        run=tuple(run),
        rest=tuple(d for d in dims if d not in run),
        small=8 * math.prod(product) <= math.prod(shape),
        fused=bool(inner) and stat[inner[-1]] != 1,
        wdims=_broadcast(shape, wshape),
        bdims=_broadcast(shape, bshape),
    )


def _broadcast(shape: tuple[int, ...], other: Any) -> Dims:
    if other is None:
        return ()
    return tuple(d for d, s in enumerate(shape) if other[d] == 1 and s != 1)


def _layout(x: torch.Tensor, dims: Dims, weight: Any = None, bias: Any = None) -> Layout:
    wshape = None if weight is None else tuple(weight.shape)
    return layout(tuple(x.shape), dims, wshape, None if bias is None else tuple(bias.shape))


def _as(t: torch.Tensor, shape: Any) -> torch.Tensor:
    """``t.reshape(shape)``, skipped when ``t`` has that shape (a call saved per tensor)."""
    return t if t.shape == shape else t.reshape(shape)


@functools.lru_cache(maxsize=64)
def _ones(n: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """A ``(1, n)`` row of ones, made once (only ever read)."""
    return torch.ones(1, n, dtype=dtype, device=device)


def _by_product(t: torch.Tensor, dims: Dims | list[int]) -> bool:
    """A large contiguous ``t`` summed over its first axis alone."""
    return (
        t.numel() >= 1 << 15 and [d for d in dims if t.shape[d] != 1] == [0] and t.is_contiguous()
    )


def _sum(t: torch.Tensor, dims: Dims | list[int]) -> torch.Tensor:
    """``t.sum(dims, keepdim=True)``; over the first axis alone as a matrix product with ones,
    twice as fast on the CPU (the columns of a row-major matrix)."""
    if _by_product(t, dims):
        keep = [1 if d in dims else n for d, n in enumerate(t.shape)]
        ones = _ones(t.shape[0], t.dtype, t.device)
        return _as(ones @ _as(t, (t.shape[0], t.numel() // t.shape[0])), keep)
    return t.sum(dims, keepdim=True)


def _mean(t: torch.Tensor, dims: Dims, n: int) -> torch.Tensor:
    """``t.mean(dims, keepdim=True)``, through :func:`_sum` where that is a matrix product."""
    return _sum(t, dims).div_(n) if _by_product(t, dims) else t.mean(dims, keepdim=True)


def moments(
    x: torch.Tensor,
    dims: Dims,
    mask: torch.Tensor | None,
    center: bool,
    scratch: torch.Tensor,
    plan: Layout | None = None,
) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor | None, bool]:
    """Mean (``None`` when not ``center``) and biased variance (mean square when not
    ``center``) over ``dims``, keepdim; the count of real positions when masked; and whether
    ``scratch`` holds ``x - mean`` afterwards.

    Two passes (mean, then the squared deviations): as exact as Welford's one pass and many
    times faster on the CPU; the squares are summed by ``vector_norm`` along the trailing axes
    where that is long enough, without writing them. With ``mask`` (1 for real positions, 0
    for padding, broadcastable to ``x``, full size along ``dims``) only the real positions count.
    """
    if mask is not None:
        return _masked_moments(x, dims, mask, center, scratch)
    plan = plan or _layout(x, dims)
    mean = _mean(x, dims, plan.n) if center else None
    c = torch.sub(x, mean, out=scratch) if mean is not None else x
    if plan.run:
        squares = torch.linalg.vector_norm(c, dim=plan.run, keepdim=True).square_()
        squares = squares.sum(plan.rest, keepdim=True) if plan.rest else squares
    else:
        squares = _sum(torch.mul(c, c, out=scratch), dims)
    return mean, squares.div_(plan.n), None, bool(plan.run) and mean is not None


def _masked_moments(
    x: torch.Tensor, dims: Dims, mask: torch.Tensor, center: bool, scratch: torch.Tensor
) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor, bool]:
    count = mask.sum(dims, keepdim=True)
    mean = torch.mul(x, mask, out=scratch).sum(dims, keepdim=True).div_(count) if center else None
    c = torch.sub(x, mean, out=scratch) if mean is not None else scratch.copy_(x)
    return mean, c.mul_(c).mul_(mask).sum(dims, keepdim=True).div_(count), count, False


def _scale_shift(
    x: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor, out: torch.Tensor, fused: bool
) -> torch.Tensor:
    """``x * scale + shift`` into ``out``, in one ``addcmul`` when ``fused`` (it is not
    vectorised when both factors are broadcast along the innermost axis: two passes then)."""
    if fused:
        return torch.addcmul(shift, x, scale, out=out)
    return torch.mul(x, scale, out=out).add_(shift)


def _output(
    x: torch.Tensor,
    stats: tuple[torch.Tensor | None, torch.Tensor],
    affine: tuple[torch.Tensor | None, torch.Tensor | None],
    y: torch.Tensor,
    centred: bool,
    plan: Layout,
) -> torch.Tensor:
    """``weight * (x - mean) * rstd + bias`` into ``y``, which holds ``x - mean`` if
    ``centred``."""
    (mean, rstd), (weight, bias) = stats, affine
    if weight is not None and not plan.small:  # elementwise weight: rows of rstd first
        xhat = y.mul_(rstd) if centred else _centre(x, mean, y).mul_(rstd)
        return xhat.mul_(weight) if bias is None else torch.addcmul(bias, xhat, weight, out=y)
    scale = rstd if weight is None else rstd * weight
    if centred:
        y.mul_(scale)
    elif bias is not None and mean is not None and plan.fused:  # one pass, as torch's kernel
        return torch.addcmul(torch.addcmul(bias, mean, scale, value=-1), x, scale, out=y)
    else:
        _centre(x, mean, y).mul_(scale)
    return y.add_(bias) if bias is not None else y


def _centre(x: torch.Tensor, mean: torch.Tensor | None, out: torch.Tensor) -> torch.Tensor:
    """``x - mean`` (``x`` without a mean) into ``out``."""
    return torch.sub(x, mean, out=out) if mean is not None else out.copy_(x)


def weighted_sum(t: torch.Tensor, coef: torch.Tensor | None, dims: Dims) -> torch.Tensor:
    """``(t * coef).sum(dims, keepdim=True)`` without a product of ``t``'s full size.

    ``t`` is summed first along the axes where ``coef`` is constant; what is left is small
    (batch and group norm) or a matrix-vector product (layer and RMS norm).
    """
    if coef is None:
        return _sum(t, dims) if dims else t.clone()  # sum(()) would sum everything
    along = [d for d in dims if coef.shape[d] == 1 and t.shape[d] != 1]
    rest = [d for d in dims if coef.shape[d] != 1]
    partial = _sum(t, along) if along else t
    if not rest:
        return partial * coef
    if partial.dim() == 2 and rest == [1]:  # (rows, features) @ (features, 1)
        return partial @ coef.reshape(-1, 1)
    if partial.dim() == 2 and rest == [0]:  # (1, rows) @ (rows, features)
        return coef.reshape(1, -1) @ partial
    return (partial * coef).sum(rest, keepdim=True)


def sums(t: torch.Tensor, wanted: list[tuple[Any, Dims] | None]) -> list[Any]:
    """``weighted_sum(t, coef, dims)`` for each wanted ``(coef, dims)`` (``None`` for the
    unwanted), ``t`` read once along the axes all of them sum over with constant
    coefficients."""
    pairs = [p for p in wanted if p is not None]
    common = [
        d
        for d in range(t.dim())
        if t.shape[d] != 1 and all(d in ds and (c is None or c.shape[d] == 1) for c, ds in pairs)
    ]
    partial = _sum(t, common) if pairs and common else t
    return [None if p is None else weighted_sum(partial, *p) for p in wanted]


def input_grad(
    grad_y: torch.Tensor,
    x: torch.Tensor,
    rstd: torch.Tensor,
    weight: torch.Tensor | None,
    k: tuple[torch.Tensor, torch.Tensor | None],
    mask: torch.Tensor | None,
    out: torch.Tensor,
    plan: Layout,
) -> torch.Tensor:
    """``dL/dx = rstd * (weight * grad_y + mask * (k1 * x + k0))`` into ``out``."""
    k1, k0 = k
    if weight is not None and not plan.small:  # per row: rstd * (k0 + weight * grad_y + k1 * x)
        if mask is None and k0 is not None:
            return torch.addcmul(k0, grad_y, weight, out=out).addcmul_(x, k1).mul_(rstd)
        _affine_part(x, (k1, k0), mask, out, plan)
        return out.addcmul_(grad_y, weight).mul_(rstd)
    k1, k0 = k1 * rstd, None if k0 is None else k0 * rstd
    _affine_part(x, (k1, k0), mask, out, plan)
    return out.addcmul_(grad_y, rstd if weight is None else rstd * weight)


def _affine_part(
    x: torch.Tensor,
    k: tuple[torch.Tensor, torch.Tensor | None],
    mask: torch.Tensor | None,
    out: torch.Tensor,
    plan: Layout,
) -> torch.Tensor:
    """``mask * (k1 * x + k0)`` (no ``k0``, no mask: left out) into ``out``."""
    k1, k0 = k
    if k0 is None:
        torch.mul(x, k1, out=out)
    else:
        _scale_shift(x, k1, k0, out, plan.fused)
    return out.mul_(mask) if mask is not None else out


def _coefficients(
    sums: tuple[torch.Tensor | None, torch.Tensor],
    mean: torch.Tensor | None,
    rstd: torch.Tensor,
    n: torch.Tensor | int,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``k1``, ``k0`` of ``dx = rstd * (g + k1 * x + k0)`` from ``sum(g)`` (``None`` without
    centring) and ``sum(g * (x - mean))``: ``k1 = -rstd**2 sum(g (x - mean)) / n`` and
    ``k0 = -sum(g) / n - k1 * mean``."""
    sum_g, sum_gc = sums
    k1 = sum_gc.mul_(rstd.square()).div_(-n)
    if sum_g is None or mean is None:
        return k1, None
    return k1, torch.addcmul(sum_g.div_(-n), k1, mean, value=-1)


def fixed_input_grad(
    grad_y: torch.Tensor,
    rstd: torch.Tensor,
    weight: torch.Tensor | None,
    out: torch.Tensor,
    plan: Layout,
) -> torch.Tensor:
    """``dL/dx = rstd * weight * grad_y`` into ``out``, for statistics that do not depend on
    ``x``."""
    if weight is not None and not plan.small:
        return torch.mul(grad_y, weight, out=out).mul_(rstd)
    return torch.mul(grad_y, rstd if weight is None else rstd * weight, out=out)


class Spec(NamedTuple):
    """How :class:`Normalize` sees its input: the view, the statistics' axes of that view, the
    view of the weight and bias (as many axes), eps and whether to centre (not for RMS)."""

    view: tuple[int, ...]
    dims: Dims
    affine: tuple[int, ...]
    eps: float
    center: bool = True
    stats: bool = False  # also return the batch's mean and variance


class Normalize(torch.autograd.Function):
    """``(x, weight, bias, mean, var, mask, spec) -> y``, or ``(y, mean, var)`` with
    ``spec.stats``.

    The input is viewed as ``spec.view`` and normalised over ``spec.dims`` of that view;
    ``weight`` and ``bias`` (or ``None``) are viewed as ``spec.affine``; the output has the
    input's shape. ``mean`` and ``var`` are ``None`` to normalise with the statistics of the
    input (returned, not differentiable, for running estimates), or fixed tensors shaped as
    those statistics (returned empty). The views are taken here, not by autograd: no view
    nodes in the graph.
    """

    @staticmethod
    def forward(
        ctx: Any,
        x: torch.Tensor,
        weight: torch.Tensor | None,
        bias: torch.Tensor | None,
        mean: torch.Tensor | None,
        var: torch.Tensor | None,
        mask: torch.Tensor | None,
        spec: Spec,
    ) -> Any:
        ctx.fused = _fused.kind(x, (weight, bias), mask, var is not None, spec)
        if ctx.fused is not None:
            return _fused_forward(ctx, x, weight, bias, spec)
        xv = _as(x, spec.view)
        w, b = (None if p is None else _as(p, spec.affine) for p in (weight, bias))
        plan = _layout(xv, spec.dims, w, b)
        batch_stats, count, centred = var is None, None, False
        y = x.new_empty(x.shape)
        yv = _as(y, xv.shape)
        if batch_stats:
            mean, var, count, centred = moments(xv, spec.dims, mask, spec.center, yv, plan)
        assert var is not None  # fixed statistics come in pairs
        rstd = torch.add(var, spec.eps).rsqrt_()
        _output(xv, (mean, rstd), (w, b), yv, centred, plan)
        ctx.save_for_backward(x, mean, rstd, weight, mask, count)
        ctx.plan, ctx.spec, ctx.batch_stats = plan, spec, batch_stats
        ctx.bias_shape = None if bias is None else bias.shape
        if not spec.stats:
            return y
        if not batch_stats:
            mean = var = x.new_empty(0)
        elif mean is None:
            mean = x.new_zeros(())
        ctx.mark_non_differentiable(mean, var)
        return y, mean, var

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_y: torch.Tensor, *_: Any) -> tuple[torch.Tensor | None, ...]:
        if ctx.fused is not None:
            return _fused_backward(ctx, grad_y)
        x, mean, rstd, weight, mask, count = ctx.saved_tensors
        needs, plan, spec = ctx.needs_input_grad, ctx.plan, ctx.spec
        xv, g = _as(x, spec.view), _as(grad_y, spec.view)
        w = None if weight is None else _as(weight, spec.affine)
        want = (needs[0] and ctx.batch_stats, w is not None and needs[1])
        grad_x = x.new_empty(x.shape)  # dL/dy * (x - mean) first, then the input's gradient
        out = _as(grad_x, xv.shape)
        sum_gc, grad_w = _centred_sums(g, xv, mean, (rstd, w), want, out, spec.dims, plan)
        sum_g, grad_b = sums(
            g,
            [
                (w, spec.dims) if want[0] and mean is not None else None,
                (None, plan.bdims) if ctx.bias_shape is not None and needs[2] else None,
            ],
        )
        grads = (
            None if grad_w is None else _as(grad_w, weight.shape),
            None if grad_b is None else _as(grad_b, ctx.bias_shape),
        )
        if not needs[0]:
            return None, *grads, None, None, None, None
        if not ctx.batch_stats:
            fixed_input_grad(g, rstd, w, out, plan)
            return grad_x, *grads, None, None, None, None
        k = _coefficients((sum_g, sum_gc), mean, rstd, plan.n if count is None else count)
        input_grad(g, xv, rstd, w, k, mask, out, plan)
        return grad_x, *grads, None, None, None, None


def _fused_forward(
    ctx: Any, x: torch.Tensor, weight: Any, bias: Any, spec: Spec
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """:meth:`Normalize.forward` by a compiled kernel (``_fused``)."""
    y, stats = _fused.forward(ctx.fused, x, weight, bias, spec)
    ctx.save_for_backward(x, weight, *stats)
    ctx.spec, ctx.bias_shape = spec, None if bias is None else bias.shape
    if not spec.stats:
        return y
    mean, var = (_fused.as_tensor(s.numpy(), x, spec.affine) for s in stats)  # batch norm
    ctx.mark_non_differentiable(mean, var)
    return y, mean, var


def _fused_backward(ctx: Any, grad_y: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
    """:meth:`Normalize.backward` by a compiled kernel (``_fused``)."""
    x, weight, *stats = ctx.saved_tensors
    grad_x, grad_w, grad_b = _fused.backward(ctx.fused, grad_y, x, weight, stats, ctx.spec)
    needs = ctx.needs_input_grad
    return (
        grad_x if needs[0] else None,
        _fused.as_tensor(grad_w, x, weight.shape) if weight is not None and needs[1] else None,
        _fused.as_tensor(grad_b, x, ctx.bias_shape)
        if ctx.bias_shape is not None and needs[2]
        else None,
        None,
        None,
        None,
        None,
    )


def _centred_sums(
    grad_y: torch.Tensor,
    x: torch.Tensor,
    mean: torch.Tensor | None,
    coefs: tuple[torch.Tensor, torch.Tensor | None],
    want: tuple[bool, bool],
    out: torch.Tensor,
    dims: Dims,
    plan: Layout,
) -> list[Any]:
    """``sum(g * (x - mean))`` over ``dims`` (``g = weight * dL/dy``) and the weight's
    gradient ``sum(dL/dy * (x - mean) * rstd)`` over its broadcast axes, each when wanted;
    ``dL/dy * (x - mean)`` is written to ``out``."""
    (rstd, weight), (want_x, want_w) = coefs, want
    if not (want_x or want_w):
        return [None, None]
    t = torch.sub(x, mean, out=out).mul_(grad_y) if mean is not None else out
    if mean is None:
        torch.mul(x, grad_y, out=out)
    return sums(t, [(weight, dims) if want_x else None, (rstd, plan.wdims) if want_w else None])


# :class:`Normalize` applied, typed (``Function.apply`` has no hints): ``(x, weight, bias,
# mean, var, mask, spec) -> y``, or ``(y, batch mean, batch variance)`` with ``spec.stats``.
_Optional = torch.Tensor | None
_R = TypeVar("_R")
_Applied = Callable[[torch.Tensor, _Optional, _Optional, _Optional, _Optional, _Optional, Spec], _R]
normalize = cast(_Applied[torch.Tensor], Normalize.apply)
normalize_with_stats = cast(
    _Applied[tuple[torch.Tensor, torch.Tensor, torch.Tensor]], Normalize.apply
)
