"""``BatchNorm``: batch normalisation as a drop-in for ``torch.nn.BatchNorm1d/2d/3d``."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from notelab.nn.norm.functional import batch_norm


class BatchNorm(nn.Module):
    """Batch normalisation over ``(N, C)``, ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.

    Each channel is normalised with its mean and variance over the batch (and positions),
    ``y = weight * (x - mean) / sqrt(var + eps) + bias``. In training the batch's statistics
    normalise and the running estimates follow them (biased variance to normalise, unbiased for
    the running estimate, as PyTorch); in eval mode the running estimates normalise. The
    parameter and buffer names are ``torch.nn``'s (``weight``, ``bias``, ``running_mean``,
    ``running_var``, ``num_batches_tracked``), so a ``state_dict`` loads either way.

    Parameters
    ----------
    num_features : int
        Channels ``C``.
    eps : float
        Added to the variance; guards a zero variance.
    momentum : float or None
        Weight of each new batch in the running estimates; ``None`` is a cumulative average.
    affine : bool
        Learn ``weight`` (ones) and ``bias`` (zeros).
    track_running_stats : bool
        Keep running estimates; without them eval mode also uses the batch's statistics.
    channels_last : bool
        The channel is the input's last axis, ``(..., C)`` (e.g. ``(N, T, C)`` sequences):
        statistics over every other axis. Not in ``torch.nn``; the state dict is the same.
    device, dtype :
        Where and of what type the parameters and buffers are made.

    Examples
    --------
    >>> import torch
    >>> bn = BatchNorm(4)
    >>> y = bn(torch.randn(8, 4, 5, 5))
    >>> sorted(bn.state_dict()) == sorted(torch.nn.BatchNorm2d(4).state_dict())
    True
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        channels_last: bool = False,
        device: Any = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.channels_last = channels_last
        kw: dict[str, Any] = {"device": device, "dtype": dtype}
        self.weight = nn.Parameter(torch.empty(num_features, **kw)) if affine else None
        self.bias = nn.Parameter(torch.empty(num_features, **kw)) if affine else None
        self.running_mean: torch.Tensor | None
        self.running_var: torch.Tensor | None
        self.num_batches_tracked: torch.Tensor | None
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, **kw))
            self.register_buffer("running_var", torch.ones(num_features, **kw))
            self.register_buffer(
                "num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device)
            )
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, variance 1, no batches seen."""
        if self.running_mean is not None and self.running_var is not None:
            self.running_mean.zero_()
            self.running_var.fill_(1)
        if self.num_batches_tracked is not None:
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Running statistics reset; ``weight`` ones and ``bias`` zeros."""
        self.reset_running_stats()
        if self.weight is not None and self.bias is not None:
            nn.init.ones_(self.weight)
            nn.init.zeros_(self.bias)

    def _check_input(self, x: torch.Tensor) -> None:
        axis = -1 if self.channels_last else 1
        if not 2 <= x.dim() <= 5 or x.shape[axis] != self.num_features:
            where = "last axis" if self.channels_last else "axis 1"
            raise ValueError(
                f"expected a 2-D to 5-D input with {self.num_features} channels on its {where}, "
                f"got shape {list(x.shape)}"
            )

    def forward(self, input: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Normalise ``input``; ``mask`` (1 real, 0 padding, shaped like ``input`` without the
        channel axis) leaves padding out of the batch statistics."""
        self._check_input(input)
        factor = self.momentum
        if self.training and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
            mask=mask,
            channels_last=self.channels_last,
        )

    def extra_repr(self) -> str:
        """The constructor's arguments, for ``repr``."""
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
            + (", channels_last=True" if self.channels_last else "")
        )
