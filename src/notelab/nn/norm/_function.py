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
"""

from __future__ import annotations

from typing import Any

import torch
from torch.autograd.function import once_differentiable

Dims = tuple[int, ...]


def moments(
    x: torch.Tensor, dims: Dims, mask: torch.Tensor | None, center: bool
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Mean and biased variance (or mean square when not ``center``) over ``dims``, keepdim.

    With ``mask`` (1 for real positions, 0 for padding, broadcastable to ``x`` and full size
    along ``dims``) only the real positions count; the third value is their count.
    """
    if mask is None:
        if center:
            var, mean = torch.var_mean(x, dim=dims, correction=0, keepdim=True)
            return mean, var, None
        return torch.zeros((), dtype=x.dtype, device=x.device), x.square().mean(dims, True), None
    count = mask.sum(dims, keepdim=True)
    if not center:
        return (
            torch.zeros((), dtype=x.dtype, device=x.device),
            (x.square() * mask).sum(dims, keepdim=True) / count,
            count,
        )
    mean = (x * mask).sum(dims, keepdim=True) / count
    var = ((x - mean).square() * mask).sum(dims, keepdim=True) / count
    return mean, var, count


def input_grad(
    g: torch.Tensor,
    xhat: torch.Tensor,
    rstd: torch.Tensor,
    dims: Dims,
    mask: torch.Tensor | None,
    count: torch.Tensor | None,
    center: bool,
) -> torch.Tensor:
    """``dL/dx`` from ``g = dL/dxhat`` when the statistics came from ``x`` itself."""
    if mask is None:
        dot = (g * xhat).mean(dims, keepdim=True)
        inner = g - xhat * dot
        return (inner - g.mean(dims, keepdim=True) if center else inner) * rstd
    dot = (g * xhat).sum(dims, keepdim=True) / count
    shift = xhat * dot
    if center:
        shift = shift + g.sum(dims, keepdim=True) / count
    return (g - mask * shift) * rstd


def reduce_to(t: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """Sum ``t`` over the axes along which a tensor of ``shape`` was broadcast to it."""
    lead = t.dim() - len(shape)
    dims = [i for i in range(t.dim()) if i < lead or (shape[i - lead] == 1 and t.shape[i] != 1)]
    return (t.sum(dims, keepdim=True) if dims else t).reshape(shape)


class Normalize(torch.autograd.Function):
    """``(x, weight, bias, mean, var, mask, dims, eps, center) -> (y, mean, var)``.

    ``weight`` and ``bias`` (or ``None``) broadcast against ``x``. ``mean`` and ``var`` are
    ``None`` to normalise with the statistics of ``x`` over ``dims`` (returned, not
    differentiable, for running estimates), or fixed tensors (returned empty).
    """

    @staticmethod
    def forward(  # type: ignore[override]
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
        if batch_stats:
            mean, var, count = moments(x, dims, mask, center)
        assert mean is not None and var is not None  # for the type checker
        rstd = torch.rsqrt(var + eps)
        xhat = (x - mean) * rstd if center else x * rstd
        y = xhat if weight is None else xhat * weight
        if bias is not None:
            y = y + bias
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
        needs = ctx.needs_input_grad
        g = grad_y if weight is None else grad_y * weight
        grad_x = grad_w = grad_b = None
        if needs[0]:
            grad_x = (
                input_grad(g, xhat, rstd, ctx.dims, mask, count, ctx.center)
                if ctx.batch_stats
                else g * rstd
            )
        if weight is not None and needs[1]:
            grad_w = reduce_to(grad_y * xhat, weight.shape)
        if ctx.bias_shape is not None and needs[2]:
            grad_b = reduce_to(grad_y, ctx.bias_shape)
        return grad_x, grad_w, grad_b, None, None, None, None, None, None
