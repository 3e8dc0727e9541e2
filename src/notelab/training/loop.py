"""A real PyTorch training loop that counts what it does, to check the arithmetic against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch.utils.data import DataLoader, TensorDataset


@dataclass(frozen=True)
class LoopCount:
    """What a real loop did: batches seen, optimizer steps taken, samples consumed."""

    batches: int
    optimizer_steps: int
    samples_seen: int


def count_training_loop(
    samples: int,
    batch_size: int,
    *,
    epochs: int = 1,
    drop_last: bool = False,
    accumulate: int = 1,
    accumulation_mode: str = "flush",
    seed: int = 0,
) -> LoopCount:
    """Train a linear model with DataLoader + SGD and count its optimizer steps.

    The optimizer's steps are counted by a post-step hook, so the count is what the
    optimizer did, not what the loop meant to do.

    Examples
    --------
    >>> count_training_loop(1000, 100, epochs=5).optimizer_steps
    50
    """
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(samples, 4, generator=generator)
    target = features.sum(dim=1, keepdim=True)
    loader = DataLoader(
        TensorDataset(features, target),
        batch_size=batch_size,
        shuffle=True,
        drop_last=drop_last,
        generator=generator,
    )
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    steps = [0]
    optimizer.register_step_post_hook(lambda *_: steps.__setitem__(0, steps[0] + 1))
    batches = seen = pending = 0
    for _ in range(epochs):
        if accumulation_mode != "carry":
            optimizer.zero_grad()
            pending = 0
        for index, (x, y) in enumerate(loader):
            loss: Any = torch.nn.functional.mse_loss(model(x), y) / accumulate
            loss.backward()
            batches, seen, pending = batches + 1, seen + len(x), pending + 1
            last = index == len(loader) - 1
            if pending == accumulate or (last and accumulation_mode == "flush"):
                optimizer.step()
                optimizer.zero_grad()
                pending = 0
    return LoopCount(batches=batches, optimizer_steps=steps[0], samples_seen=seen)
