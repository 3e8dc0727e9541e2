"""Batch, layer, group and RMS normalisation as functions, with ``torch.nn.functional``'s
signatures; each picks a view of the input and the axes of its statistics, and hands them to the
one hand-written autograd function (``notelab.nn.norm._function.Normalize``).

Examples
--------
>>> import torch
>>> x = torch.tensor([[1.0, 4.0], [3.0, 8.0]])
>>> batch_norm(x, None, None, training=True, eps=0.0)     # each feature over the batch
tensor([[-1., -1.],
        [ 1.,  1.]])
>>> layer_norm(x, (2,), eps=0.0)                           # each sample over its features
tensor([[-1.,  1.],
        [-1.,  1.]])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from notelab.nn.norm._function import Spec, normalize, normalize_with_stats


def _shape(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    return (
        (int(normalized_shape),)
        if isinstance(normalized_shape, int)
        else tuple(int(s) for s in normalized_shape)
    )


def _check_trailing(x: torch.Tensor, shape: tuple[int, ...], name: str) -> None:
    if tuple(x.shape[x.dim() - len(shape) :]) != shape or x.dim() < len(shape):
        raise ValueError(
            f"expected an input whose last dimensions are {list(shape)} for {name}, "
            f"got shape {list(x.shape)}"
        )


def _channel_view(shape: torch.Size, channels_last: bool) -> tuple[int, int, int]:
    """``(N, C, *)`` or ``(..., C)`` seen as ``(M, C, L)``: statistics over axes 0 and 2."""
    if channels_last:
        return (math.prod(shape[:-1]), shape[-1], 1)
    return (shape[0], shape[1], math.prod(shape[2:]))


def _update_running(
    running: torch.Tensor | None, value: torch.Tensor, momentum: float | None, factor: float = 1.0
) -> None:
    """``running`` moved by ``momentum`` towards ``factor * value``, in place (``value`` is not
    differentiable: no graph is recorded)."""
    if running is not None and momentum is not None:
        running.mul_(1 - momentum).add_(value.view(running.shape), alpha=momentum * factor)


def _batch_view(
    input: torch.Tensor, mask: torch.Tensor | None, channels_last: bool, training: bool
) -> tuple[tuple[int, int, int], torch.Tensor | None, float]:
    """``(M, C, L)``, the view of the input, the mask as ``(M, 1, L)`` and the values per
    channel; one value per channel in training is refused, as torch does."""
    view = _channel_view(input.shape, channels_last)
    flat_mask = None
    if mask is not None:
        flat_mask = mask.to(input.dtype).reshape(view[0], 1, view[2])
    count = view[0] * view[2] if flat_mask is None else float(flat_mask.sum())
    if training and int(count) <= 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size "
            f"{list(input.shape)}: the batch variance of one value is 0"
        )
    return view, flat_mask, count


def batch_norm(
    input: torch.Tensor,
    running_mean: torch.Tensor | None,
    running_var: torch.Tensor | None,
    weight: torch.Tensor | None = None,
    bias: torch.Tensor | None = None,
    training: bool = False,
    momentum: float | None = 0.1,
    eps: float = 1e-5,
    *,
    mask: torch.Tensor | None = None,
    channels_last: bool = False,
) -> torch.Tensor:
    """Batch normalisation: each channel over the batch (and positions), as
    ``torch.nn.functional.batch_norm``.

    In training the batch's statistics normalise and the running estimates (``(C,)``, when
    given) move by ``momentum`` (``None``: not at all) towards the batch mean and the
    *unbiased* batch variance, in place; out of training the running estimates normalise.
    ``input`` is ``(N, C, *)``, or ``(..., C)`` with ``channels_last``; ``weight`` and ``bias``
    are ``(C,)``; ``eps`` is added to the variance. ``mask`` (1 real, 0 padding, shaped like
    ``input`` without its channel axis) leaves padding out of the statistics.

    Examples
    --------
    >>> import torch
    >>> rm, rv = torch.zeros(2), torch.ones(2)
    >>> y = batch_norm(torch.tensor([[0.0, 2.0], [2.0, 6.0]]), rm, rv, training=True)
    >>> rm, rv                              # moved 10% towards mean (1, 4) and variance (2, 8)
    (tensor([0.1000, 0.4000]), tensor([1.1000, 1.7000]))
    """
    spec, flat_mask, count = _batch_spec(input, mask, channels_last, training, eps)
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("expected running_mean and running_var when not training")
        fixed = (running_mean.view(spec.affine), running_var.view(spec.affine))
        return normalize(input, weight, bias, *fixed, None, spec)
    y, mean, var = normalize_with_stats(input, weight, bias, None, None, flat_mask, spec)
    _update_running(running_mean, mean, momentum)
    _update_running(running_var, var, momentum, count / (count - 1))
    return y


def _batch_spec(
    input: torch.Tensor, mask: torch.Tensor | None, channels_last: bool, training: bool, eps: float
) -> tuple[Spec, torch.Tensor | None, float]:
    """The :class:`Spec` of batch norm on ``input`` (``(M, C, L)``, or ``(M, C)`` when ``L`` is
    1), the mask viewed to match, and the values per channel."""
    (m, c, positions), flat_mask, count = _batch_view(input, mask, channels_last, training)
    if positions == 1:  # (M, C): one axis fewer to carry
        flat_mask = None if flat_mask is None else flat_mask.view(m, 1)
        return Spec((m, c), (0,), (1, c), eps, True, training), flat_mask, count
    return Spec((m, c, positions), (0, 2), (1, c, 1), eps, True, training), flat_mask, count


def layer_norm(
    input: torch.Tensor,
    normalized_shape: int | Sequence[int],
    weight: torch.Tensor | None = None,
    bias: torch.Tensor | None = None,
    eps: float = 1e-5,
) -> torch.Tensor:
    """Layer normalisation: each sample over its last ``len(normalized_shape)`` axes, as
    ``torch.nn.functional.layer_norm``.

    Examples
    --------
    >>> import torch
    >>> layer_norm(torch.tensor([[1.0, 2.0, 3.0]]), 3, eps=0.0)
    tensor([[-1.2247,  0.0000,  1.2247]])
    """
    shape = _shape(normalized_shape)
    _check_trailing(input, shape, "layer_norm")
    features = math.prod(shape)
    spec = Spec((input.numel() // max(features, 1), features), (1,), (1, features), eps)
    return normalize(input, weight, bias, None, None, None, spec)


def rms_norm(
    input: torch.Tensor,
    normalized_shape: int | Sequence[int],
    weight: torch.Tensor | None = None,
    eps: float | None = None,
) -> torch.Tensor:
    """RMS normalisation: each sample divided by its root mean square over the last axes (no
    centring, no bias), as ``torch.nn.functional.rms_norm``; ``eps=None`` is the dtype's eps.

    Examples
    --------
    >>> import torch
    >>> rms_norm(torch.tensor([[3.0, 4.0]]), 2, eps=0.0)       # rms = sqrt(12.5)
    tensor([[0.8485, 1.1314]])
    """
    shape = _shape(normalized_shape)
    _check_trailing(input, shape, "rms_norm")
    features = math.prod(shape)
    guard = torch.finfo(input.dtype).eps if eps is None else eps
    spec = Spec((input.numel() // max(features, 1), features), (1,), (1, features), guard, False)
    return normalize(input, weight, None, None, None, None, spec)


def group_norm(
    input: torch.Tensor,
    num_groups: int,
    weight: torch.Tensor | None = None,
    bias: torch.Tensor | None = None,
    eps: float = 1e-5,
    *,
    channels_last: bool = False,
) -> torch.Tensor:
    """Group normalisation: each sample over each group of ``C / num_groups`` channels and all
    positions, as ``torch.nn.functional.group_norm``; one group is layer norm over channels and
    positions, ``C`` groups is instance norm.

    Examples
    --------
    >>> import torch
    >>> group_norm(torch.tensor([[1.0, 3.0, 10.0, 30.0]]), 2, eps=0.0)
    tensor([[-1.,  1., -1.,  1.]])
    """
    channels = input.shape[-1] if channels_last else input.shape[1]
    if input.dim() < 2 or num_groups < 1 or channels % num_groups:
        raise ValueError(
            f"expected channels divisible by num_groups={num_groups}, got input shape "
            f"{list(input.shape)}"
        )
    per = channels // num_groups
    if per * input.numel() == input.shape[0] * channels:  # one value per group
        raise ValueError(
            f"Expected more than 1 value per group, got input size {list(input.shape)} with "
            f"{num_groups} groups: the variance of one value is 0"
        )
    n, positions = input.shape[0], input.numel() // (input.shape[0] * channels)
    if channels_last:  # (N, positions, groups, channels per group)
        spec = Spec((n, positions, num_groups, per), (1, 3), (1, 1, num_groups, per), eps)
    else:  # (N, groups, channels per group, positions)
        spec = Spec((n, num_groups, per, positions), (2, 3), (1, num_groups, per, 1), eps)
    return normalize(input, weight, bias, None, None, None, spec)
