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


class TwoLayers(nn.Module):
    """A model with a shape bug: its second layer expects 32 features, the first gives 16."""

    def __init__(self) -> None:
        super().__init__()
        self.first, self.second = nn.Linear(8, 16), nn.Linear(32, 2)

    def forward(self, x):
        return self.second(torch.relu(self.first(x)))  # SHAPE BUG


def _data(samples: int) -> TensorDataset:
    return TensorDataset(torch.randn(samples, 8), torch.randint(0, 2, (samples,)))


def shape_bug(samples: int = 256):
    return TwoLayers(), _data(samples), nn.functional.cross_entropy, torch.optim.SGD


def sequential_shape_bug(samples: int = 256):
    """The same bug in torch's layers alone: no line of this file is in the traceback."""
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(32, 2))
    return model, _data(samples), nn.functional.cross_entropy, torch.optim.SGD


class NeedsMemory(nn.Module):
    """Runs out of memory above batch 2, as PyTorch's CPU allocator says it."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(8, 2)

    def forward(self, x):
        if x.shape[0] > 2:
            raise RuntimeError(
                "DefaultCPUAllocator: can't allocate memory: you tried to allocate 1099511627776 "
                "bytes. Error code 12 (Cannot allocate memory)"
            )
        return self.layer(x)


def out_of_memory_above_2(samples: int = 256):
    return NeedsMemory(), _data(samples), nn.functional.cross_entropy, torch.optim.SGD
