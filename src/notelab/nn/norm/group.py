"""``GroupNorm``: each sample over groups of channels, a drop-in for ``torch.nn.GroupNorm``."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from notelab.nn.norm.functional import group_norm


class GroupNorm(nn.Module):
    """Group normalisation (Wu and He, 2018) of ``(N, C, *)`` inputs.

    The ``C`` channels are split into ``num_groups`` groups; each sample's group is normalised
    with its mean and variance over the group's channels and all positions, then each channel
    gets its own ``weight`` and ``bias``. Independent of the batch. One group is layer norm over
    channels and positions; ``C`` groups is instance norm.

    Parameters
    ----------
    num_groups : int
        Groups; must divide ``num_channels``.
    num_channels : int
        Channels ``C``.
    eps : float
        Added to the variance; guards a zero variance.
    affine : bool
        Learn per-channel ``weight`` (ones) and ``bias`` (zeros).
    channels_last : bool
        The channel is the last axis, ``(N, *, C)``. Not in ``torch.nn``.
    device, dtype :
        Where and of what type the parameters are made.

    Examples
    --------
    >>> import torch
    >>> gn = GroupNorm(2, 4)
    >>> gn(torch.randn(1, 4, 3, 3)).shape                      # one sample is enough
    torch.Size([1, 4, 3, 3])
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        *,
        channels_last: bool = False,
        device: Any = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(
                f"expected num_groups dividing num_channels={num_channels}, got {num_groups}"
            )
        self.num_groups, self.num_channels, self.eps, self.affine = (
            num_groups,
            num_channels,
            eps,
            affine,
        )
        self.channels_last = channels_last
        kw: dict[str, Any] = {"device": device, "dtype": dtype}
        self.weight = nn.Parameter(torch.empty(num_channels, **kw)) if affine else None
        self.bias = nn.Parameter(torch.empty(num_channels, **kw)) if affine else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` ones, ``bias`` zeros."""
        if self.weight is not None and self.bias is not None:
            nn.init.ones_(self.weight)
            nn.init.zeros_(self.bias)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        """Normalise each sample's channel groups."""
        axis = -1 if self.channels_last else 1
        if input.dim() < 2 or input.shape[axis] != self.num_channels:
            raise ValueError(
                f"expected an input with {self.num_channels} channels on axis {axis}, "
                f"got shape {list(input.shape)}"
            )
        return group_norm(
            input,
            self.num_groups,
            self.weight,
            self.bias,
            self.eps,
            channels_last=self.channels_last,
        )

    def extra_repr(self) -> str:
        """The constructor's arguments, for ``repr``."""
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
