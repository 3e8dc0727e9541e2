"""A user's workload factory, as the README documents it (used by the tests)."""

import torch
from torch import nn
from torch.utils.data import TensorDataset


def make_workload(samples: int = 256):
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    data = TensorDataset(torch.randn(samples, 8), torch.randint(0, 2, (samples,)))
    return model, data, nn.functional.cross_entropy, lambda params: torch.optim.SGD(params, 0.1)


def wrong_return():
    return "not a workload"


def fails_inside():
    raise RuntimeError("factory exploded")
