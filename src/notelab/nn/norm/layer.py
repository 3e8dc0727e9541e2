"""``LayerNorm`` and ``RMSNorm``: each sample over its own features, drop-ins for
``torch.nn.LayerNorm`` and ``torch.nn.RMSNorm``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from notelab.nn.norm.functional import layer_norm, rms_norm


class _TrailingNorm(nn.Module):
    """What layer and RMS norm share: a trailing ``normalized_shape`` and elementwise
    ``weight`` (ones) and optional ``bias`` (zeros) of that shape."""

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        elementwise_affine: bool,
        bias: bool,
        kw: dict[str, Any],
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(int(s) for s in shape)
        self.elementwise_affine = elementwise_affine
        on = (elementwise_affine, elementwise_affine and bias)
        self.weight, self.bias = (
            nn.Parameter(torch.empty(self.normalized_shape, **kw)) if flag else None for flag in on
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` ones, ``bias`` zeros."""
        if self.weight is not None:
            nn.init.ones_(self.weight)
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def extra_repr(self) -> str:
        """The constructor's arguments, for ``repr``."""
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class LayerNorm(_TrailingNorm):
    """Layer normalisation over the last ``len(normalized_shape)`` axes of each sample.

    ``y = weight * (x - mean) / sqrt(var + eps) + bias`` with the mean and (biased) variance of
    each sample's features: independent of the batch, and the same in training and eval mode.
    Parameters ``weight`` and ``bias`` as in ``torch.nn.LayerNorm``.

    Parameters
    ----------
    normalized_shape : int or sequence of int
        The trailing shape normalised together.
    eps : float
        Added to the variance; guards a zero variance.
    elementwise_affine : bool
        Learn ``weight`` (ones) and, with ``bias``, ``bias`` (zeros), of ``normalized_shape``.
    bias : bool
        Learn ``bias`` as well.
    device, dtype :
        Where and of what type the parameters are made.

    Examples
    --------
    >>> import torch
    >>> ln = LayerNorm(4)
    >>> x = torch.randn(3, 4)
    >>> torch.allclose(ln(x)[:1], ln(x[:1]))                   # the batch does not matter
    True
    >>> sorted(ln.state_dict()) == sorted(torch.nn.LayerNorm(4).state_dict())
    True
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        *,
        device: Any = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        kw = {"device": device, "dtype": dtype}
        super().__init__(normalized_shape, elementwise_affine, bias, kw)
        self.eps = eps

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        """Normalise each sample's trailing ``normalized_shape`` features."""
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)


class RMSNorm(_TrailingNorm):
    """RMS normalisation: each sample divided by the root mean square of its trailing features.

    ``y = weight * x / sqrt(mean(x ** 2) + eps)``: no centring and no bias (Zhang and
    Sennrich, 2019). ``eps=None`` uses the input dtype's machine epsilon, as
    ``torch.nn.RMSNorm``.

    Parameters
    ----------
    normalized_shape : int or sequence of int
        The trailing shape normalised together.
    eps : float or None
        Added to the mean square.
    elementwise_affine : bool
        Learn ``weight`` (ones) of ``normalized_shape``.
    device, dtype :
        Where and of what type the parameter is made.

    Examples
    --------
    >>> import torch
    >>> RMSNorm(2, eps=0.0)(torch.tensor([[3.0, 4.0]])).detach()     # rms = sqrt(12.5)
    tensor([[0.8485, 1.1314]])
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        *,
        device: Any = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        kw = {"device": device, "dtype": dtype}
        super().__init__(normalized_shape, elementwise_affine, False, kw)
        self.eps = eps

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        """Divide each sample's trailing features by their root mean square."""
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)
