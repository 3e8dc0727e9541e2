"""Users' workload factories for the norm tests (the contract of ``notelab batch-size``)."""

import torch
from torch import nn
from torch.utils.data import TensorDataset


def _data(samples: int):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(samples, 6, generator=generator)
    return TensorDataset(x, (x[:, 0] + x[:, 1] > 0).long())


def small_mlp(samples: int = 96):
    """Linear - BatchNorm1d - ReLU - Linear: one slot to swap."""
    model = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    return (
        model,
        _data(samples),
        nn.functional.cross_entropy,
        torch.optim.SGD(model.parameters(), 0.1),
    )


def regression(samples: int = 64):
    """A LayerNorm model with a float target: the metric is the loss."""
    model = nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.Linear(8, 1))
    x = torch.randn(samples, 6, generator=torch.Generator().manual_seed(1))
    data = TensorDataset(x, x.sum(1, keepdim=True))
    return model, data, nn.functional.mse_loss, lambda params: torch.optim.Adam(params, 1e-2)


def no_norm():
    model = nn.Sequential(nn.Linear(6, 2))
    return model, _data(32), nn.functional.cross_entropy, torch.optim.SGD(model.parameters(), 0.1)


def fails():
    raise RuntimeError("factory exploded")
