"""Perturbations of rows for the PyTorch methods: feature corruption, noise and image shifts.

- ``corrupt`` replaces a random share of each row's features by the same feature of random
  other rows (SCARF's corruption; VIME's masking uses it and also returns the mask).
- ``jitter`` adds small Gaussian noise scaled to each feature's spread.
- ``shift_images`` moves flattened images by up to a few pixels.
``weak`` and ``strong`` combine them as FixMatch's two views: a weak view whose prediction
becomes the target, and a strong view that must agree with it.
"""

from __future__ import annotations

from typing import Any

from notelab.learning._torch import require_torch


def corrupt(x: Any, pool: Any, rate: float, rng: Any) -> tuple[Any, Any]:
    """``x`` with each feature replaced, with probability ``rate``, by a random row's value.

    Returns the corrupted rows and the boolean mask of replaced features.
    """
    torch = require_torch()
    mask = (torch.rand(x.shape, generator=rng) < rate).to(x.device)
    rows = torch.randint(0, len(pool), x.shape, generator=rng).to(x.device)
    columns = torch.arange(x.shape[1], device=x.device).expand_as(rows)
    return torch.where(mask, pool[rows, columns], x), mask


def jitter(x: Any, spread: Any, scale: float, rng: Any) -> Any:
    """``x`` plus Gaussian noise of ``scale`` times each feature's standard deviation."""
    torch = require_torch()
    return x + scale * spread * torch.randn(x.shape, generator=rng).to(x.device)


def shift_images(x: Any, image_shape: tuple[int, int], max_shift: int, rng: Any) -> Any:
    """Each flattened image moved by a random offset of up to ``max_shift`` pixels each way."""
    torch = require_torch()
    n, (height, width), s = len(x), image_shape, max_shift
    padded = torch.nn.functional.pad(x.view(n, height, width), (s, s, s, s))
    dy = torch.randint(0, 2 * s + 1, (n, 1, 1), generator=rng).to(x.device)
    dx = torch.randint(0, 2 * s + 1, (n, 1, 1), generator=rng).to(x.device)
    rows = dy + torch.arange(height, device=x.device).view(1, height, 1)
    cols = dx + torch.arange(width, device=x.device).view(1, 1, width)
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    return padded[batch, rows, cols].reshape(n, height * width)


def weak(x: Any, context: dict[str, Any], rng: Any) -> Any:
    """FixMatch's weak view: a one-pixel shift for images, light noise otherwise."""
    if context["image_shape"] is not None:
        return shift_images(x, context["image_shape"], 1, rng)
    return jitter(x, context["spread"], 0.05, rng)


def strong(x: Any, context: dict[str, Any], rng: Any) -> Any:
    """FixMatch's strong view: a larger shift (images) or noise (tables), then corruption."""
    if context["image_shape"] is not None:
        x = shift_images(x, context["image_shape"], 2, rng)
    else:
        x = jitter(x, context["spread"], 0.15, rng)
    return corrupt(x, context["pool"], context["strong_rate"], rng)[0]
