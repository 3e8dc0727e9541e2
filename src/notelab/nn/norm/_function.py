"""The one autograd function behind every normalisation layer, with its gradient by hand.

Batch, layer, group and RMS normalisation are the same computation on different axes:
``xhat = (x - mean) / sqrt(var + eps)`` with the statistics taken over ``dims`` of a view of the
input, then ``y = weight * xhat + bias``. :class:`Normalize` does it once for all four; the
layers only choose the view and the axes. Its backward is the closed-form gradient, written out
(no autograd through the forward's operations):

``dx = rstd * (g - mean(g) - xhat * mean(g * xhat))`` with ``g = dL/dxhat = weight * dL/dy``
and the means over ``dims``; without centring (RMS) the ``mean(g)`` term drops; with a mask
(padding left out of the statistics) the two means count the real positions only and reach
only those; with fixed statistics (batch norm in eval mode) ``dx = rstd * g``.

On the CPU a new full-size tensor costs several times a pass over one (the pages are fresh),
so the forward allocates two (the centred input, the output) and the backward one (the input's
gradient, first used as scratch for ``dL/dy * xhat``); the sums are taken without products of
full size where the weight allows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import torch
from torch.autograd.function import once_differentiable

Dims = tuple[int, ...]


def moments(
    x: torch.Tensor, dims: Dims, mask: torch.Tensor | None, center: bool, scratch: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor]:
    """Mean and biased variance (or mean square when not ``center``) over ``dims``, keepdim;
    the count of real positions when masked; and ``x`` centred (``x`` itself if not ``center``).

    Two passes (mean, then mean of squared deviations, squared into ``scratch``): as exact as
    Welford's one pass here and many times faster on the CPU. With ``mask`` (1 for real
    positions, 0 for padding, broadcastable to ``x`` and full size along ``dims``) only the
    real positions count.
    """
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    if mask is None:
        mean = x.mean(dims, keepdim=True) if center else zero
        centred = x - mean if center else x
        return (
            mean,
            torch.mul(centred, centred, out=scratch).mean(dims, keepdim=True),
            None,
            centred,
        )
    count = mask.sum(dims, keepdim=True)
    mean = (x * mask).sum(dims, keepdim=True) / count if center else zero
    centred = x - mean if center else x
    squares = torch.mul(centred, centred, out=scratch).mul_(mask)
    return mean, squares.sum(dims, keepdim=True) / count, count, centred


def weighted_sum(t: torch.Tensor, weight: torch.Tensor | None, dims: Dims) -> torch.Tensor:
    """``(t * weight).sum(dims, keepdim=True)`` without a product of ``t``'s full size.

    ``t`` is summed first along the axes where ``weight`` is constant; what is left is small
    (batch and group norm) or a matrix-vector product (layer and RMS norm).
    """
    if weight is None:
        return t.sum(dims, keepdim=True)
    along = [d for d in dims if weight.shape[d] == 1]
    rest = [d for d in dims if weight.shape[d] != 1]
    partial = t.sum(along, keepdim=True) if along else t
    if not rest:
        return partial * weight
    if partial.dim() == 2 and rest == [1]:  # (rows, features) @ (features, 1)
        return partial @ weight.reshape(-1, 1)
    return (partial * weight).sum(rest, keepdim=True)


def _reduced(t: torch.Tensor, shape: torch.Size) -> list[int]:
    """The axes of ``t`` along which a tensor of ``shape`` is broadcast."""
    lead = t.dim() - len(shape)
    return [i for i in range(t.dim()) if i < lead or (shape[i - lead] == 1 and t.shape[i] != 1)]


def reduce_to(t: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """Sum ``t`` over the axes along which a tensor of ``shape`` was broadcast to it (a new
    tensor, never a view of ``t``)."""
    dims = _reduced(t, shape)
    return (t.sum(dims, keepdim=True) if dims else t.clone()).reshape(shape)


def _affine(
    xhat: torch.Tensor, weight: torch.Tensor | None, bias: torch.Tensor | None, out: torch.Tensor
) -> torch.Tensor:
    """``weight * xhat + bias`` into ``out``; ``xhat`` itself when neither is given."""
    if weight is not None and bias is not None and weight.shape[-1] != 1:
        return torch.addcmul(bias, xhat, weight, out=out)  # fused: fast along the last axis
    if weight is not None and bias is not None:  # per channel: two passes beat addcmul's one
        return torch.mul(xhat, weight, out=out).add_(bias)
    if weight is not None:
        return torch.mul(xhat, weight, out=out)
    return torch.add(xhat, bias, out=out) if bias is not None else xhat


def input_grad(
    grad_y: torch.Tensor,
    xhat: torch.Tensor,
    rstd: torch.Tensor,
    weight: torch.Tensor | None,
    sums: tuple[torch.Tensor | None, torch.Tensor],
    count: torch.Tensor | float,
    mask: torch.Tensor | None,
    out: torch.Tensor,
) -> torch.Tensor:
    """``dL/dx = rstd * (g - (sum(g) + xhat * sum(g * xhat)) / n)`` into ``out``, when the
    statistics came from ``x`` itself, with ``g = weight * dL/dy``.

    ``sums`` are ``sum(g)`` (``None`` without centring) and ``sum(g * xhat)`` over the
    statistics' axes; ``count`` the values (or real positions) they cover; a mask confines the
    two sums' terms to the real positions.
    """
    sum_g, sum_gx = sums
    g = torch.mul(grad_y, weight, out=out) if weight is not None else out.copy_(grad_y)
    if mask is None:  # (g - sum(g)/n - xhat * sum(g xhat)/n) * rstd, in place
        if sum_g is not None:
            g.sub_(sum_g / count)
        return g.addcmul_(xhat, -sum_gx / count).mul_(rstd)
    shift = xhat * sum_gx if sum_g is None else torch.addcmul(sum_g, xhat, sum_gx)
    return g.sub_(shift.mul_(mask).div_(count)).mul_(rstd)


class Normalize(torch.autograd.Function):
    """``(x, weight, bias, mean, var, mask, dims, eps, center) -> (y, mean, var)``.

    ``weight`` and ``bias`` (or ``None``) broadcast against ``x``. ``mean`` and ``var`` are
    ``None`` to normalise with the statistics of ``x`` over ``dims`` (returned, not
    differentiable, for running estimates), or fixed tensors (returned empty).
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
        dims: Dims,
        eps: float,
        center: bool,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        batch_stats = var is None
        count = None
        y = torch.empty_like(x)
        if batch_stats:
            mean, var, count, centred = moments(x, dims, mask, center, y)
        else:
            assert mean is not None and var is not None  # fixed statistics come in pairs
            centred = x - mean
        rstd = torch.rsqrt(var + eps)
        xhat = centred.mul_(rstd) if centred is not x else x * rstd
        y = _affine(xhat, weight, bias, y)
        ctx.save_for_backward(xhat, rstd, weight, mask, count)
        ctx.dims, ctx.center, ctx.batch_stats = dims, center, batch_stats
        ctx.bias_shape = None if bias is None else bias.shape
        if not batch_stats:
            mean = var = x.new_empty(0)
        ctx.mark_non_differentiable(mean, var)
        return y, mean, var

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_y: torch.Tensor, *_: Any) -> tuple[torch.Tensor | None, ...]:
        xhat, rstd, weight, mask, count = ctx.saved_tensors
        needs, dims = ctx.needs_input_grad, ctx.dims
        scratch = torch.mul(grad_y, xhat)  # dL/dy * xhat, then the input's gradient
        grad_w = grad_b = None
        if weight is not None and needs[1]:
            grad_w = reduce_to(scratch, weight.shape)
        if ctx.bias_shape is not None and needs[2]:
            grad_b = reduce_to(grad_y, ctx.bias_shape)
        if not needs[0]:
            return None, grad_w, grad_b, None, None, None, None, None, None
        if not ctx.batch_stats:
            scale = rstd if weight is None else rstd * weight
            return torch.mul(grad_y, scale, out=scratch), grad_w, grad_b, *[None] * 6
        sums = (
            weighted_sum(grad_y, weight, dims) if ctx.center else None,
            weighted_sum(scratch, weight, dims),
        )
        n = count if count is not None else xhat.numel() // rstd.numel()
        grad_x = input_grad(grad_y, xhat, rstd, weight, sums, n, mask, scratch)
        return grad_x, grad_w, grad_b, None, None, None, None, None, None


# :class:`Normalize` applied, typed: ``(y, batch mean, batch variance)``; see its docstring.
normalize = cast("Callable[..., tuple[torch.Tensor, torch.Tensor, torch.Tensor]]", Normalize.apply)
