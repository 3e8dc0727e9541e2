"""Built-in workloads for ``notelab norm compare``, small enough for a CPU, in the factory
contract of ``notelab batch-size`` (:mod:`notelab.training.workloads`): a factory returns
``(model, dataset, loss_fn, optimizer)``, and the user's own ``package.module:factory`` is loaded
by the same loader.

- ``digits-cnn``: a small CNN (two conv blocks and a hidden layer, each normalised) on
  scikit-learn's 1,797 handwritten 8 x 8 digits, 10 classes.
- ``sequences``: a GRU classifier over padded variable-length sequences (4 to 32 steps of noisy
  one-hot symbols; the class is the most frequent symbol), normalised per step over its
  features; the padding mask travels as the input's last channel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.utils.data import TensorDataset

from notelab._util import InputError
from notelab.nn.norm.batch import BatchNorm
from notelab.nn.norm.layer import LayerNorm
from notelab.training.workloads import Workload, check_workload, from_factory

BUILT_IN = ("digits-cnn", "sequences")
# what a factory returns: (model, dataset, loss_fn, optimizer or params -> optimizer)
Factory = tuple[nn.Module, TensorDataset, Callable[..., torch.Tensor], Callable[..., Any]]
SYMBOLS, MAX_LENGTH, MIN_LENGTH = 4, 32, 4


class DigitsCNN(nn.Module):
    """conv 3x3 (16) - norm - ReLU - conv 3x3 (32) - norm - ReLU - pool - linear (64) - norm -
    ReLU - linear (10), on ``(N, 1, 8, 8)`` images."""

    def __init__(self, width: int = 16, hidden: int = 64, classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(2 * width * 16, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
        )
        self.head = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores."""
        scores: torch.Tensor = self.head(self.features(x))
        return scores


class SequenceGRU(nn.Module):
    """Per-step linear - norm - ReLU, a GRU over the real steps, a linear head on its last state.

    The input is ``(N, T, features + 1)``: the last channel is 1 on real steps and 0 on padding.
    With ``mask_padding`` a :class:`~notelab.nn.norm.BatchNorm` in ``norm`` leaves the padding
    out of its statistics; otherwise every normalisation sees padded steps as any other.
    """

    def __init__(self, features: int = SYMBOLS, hidden: int = 32, classes: int = SYMBOLS) -> None:
        super().__init__()
        self.embed = nn.Linear(features, hidden)
        self.norm: nn.Module = LayerNorm(hidden)
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)
        self.mask_padding = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores."""
        mask = x[..., -1]
        h = self.embed(x[..., :-1])
        masked = self.mask_padding and isinstance(self.norm, BatchNorm)
        h = torch.relu(self.norm(h, mask) if masked else self.norm(h))
        lengths = mask.sum(1).long().cpu()
        packed = nn.utils.rnn.pack_padded_sequence(h, lengths, True, enforce_sorted=False)
        _, last = self.rnn(packed)
        scores: torch.Tensor = self.head(last[-1])
        return scores


def digits_data() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's digits as ``(N, 1, 8, 8)`` images in [0, 1] and integer labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
    return images, torch.tensor(digits.target, dtype=torch.long)


def sequence_data(samples: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded noisy symbol sequences ``(N, 32, 5)`` (mask last) and their majority symbol."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(MIN_LENGTH, MAX_LENGTH + 1, (samples,), generator=g)
    weights = torch.rand(samples, SYMBOLS, generator=g) ** 2  # uneven mixes: a clear majority
    symbols = torch.multinomial(weights, MAX_LENGTH, replacement=True, generator=g)
    mask = (torch.arange(MAX_LENGTH) < lengths[:, None]).float()
    onehot = nn.functional.one_hot(symbols, SYMBOLS).float()
    noisy = (onehot + 0.3 * torch.randn(onehot.shape, generator=g)) * mask[..., None]
    counts = (onehot * mask[..., None]).sum(1)
    return torch.cat([noisy, mask[..., None]], dim=2), counts.argmax(1)


def digits_cnn(samples: int = 0) -> Factory:
    """The ``digits-cnn`` factory: ``samples`` of the 1,797 digits drawn at random (all of them
    for 0 or more than there are), Adam."""
    images, labels = digits_data()
    if 0 < samples < len(labels):
        keep = torch.randperm(len(labels))[:samples]
        images, labels = images[keep], labels[keep]
    model = DigitsCNN()
    return (
        model,
        TensorDataset(images, labels),
        nn.functional.cross_entropy,
        lambda params: torch.optim.Adam(params, lr=2e-3),
    )


def sequences(samples: int = 2000) -> Factory:
    """The ``sequences`` factory: ``samples`` padded sequences, Adam."""
    inputs, labels = sequence_data(samples, seed=torch.initial_seed())
    return (
        SequenceGRU(),
        TensorDataset(inputs, labels),
        nn.functional.cross_entropy,
        lambda params: torch.optim.Adam(params, lr=3e-3),
    )


_FACTORIES: dict[str, Callable[..., Factory]] = {"digits-cnn": digits_cnn, "sequences": sequences}


def load_workload(
    workload: str | None, model: str | None, *, samples: int, seed: int = 0
) -> Workload:
    """A built-in workload or the user's ``package.module:factory``, built under ``seed``.

    The user's factory goes through :func:`notelab.training.workloads.from_factory`, the loader
    of ``notelab batch-size``, so both commands take the same factories and give the same errors.
    """
    torch.manual_seed(seed)
    if model:
        return from_factory(model, samples)
    name = workload or "digits-cnn"
    if name not in _FACTORIES:
        raise InputError(
            f"a workload from {', '.join(BUILT_IN)}", repr(name), "or pass --model MOD:FACTORY"
        )
    return check_workload(_FACTORIES[name](samples=samples), name)
