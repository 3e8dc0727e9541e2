"""Workloads for the batch-size profiler: built-in ``mlp``, ``cnn``, ``transformer``, or the
user's own ``package.module:factory``.

A factory is called as ``factory(samples=N)`` (or with no arguments if it takes none) and
returns ``(model, dataset, loss_fn, optimizer)``: an ``nn.Module``, a map-style dataset of
``(input, target)`` pairs, a callable ``loss_fn(output, target)``, and a
``torch.optim.Optimizer`` over the model's parameters (or a callable ``params -> Optimizer``).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils.data import Dataset, TensorDataset

from notelab._util import InputError
from notelab.training.options import BUILT_IN


@dataclass
class Workload:
    """What one training step needs."""

    model: nn.Module
    dataset: Dataset[Any]
    loss_fn: Callable[[Any, Any], torch.Tensor]
    optimizer: torch.optim.Optimizer


class TextEncoder(nn.Module):
    """A small transformer encoder classifier over token ids (the note's NLP case, scaled down)."""

    def __init__(
        self,
        vocab: int = 8000,
        width: int = 128,
        layers: int = 2,
        heads: int = 4,
        length: int = 64,
        classes: int = 4,
    ):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.position = nn.Parameter(torch.zeros(1, length, width))
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(width, classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(self.embed(tokens) + self.position[:, : tokens.shape[1]])
        logits: torch.Tensor = self.head(hidden.mean(dim=1))
        return logits


def _mlp(samples: int, generator: torch.Generator) -> tuple[nn.Module, TensorDataset]:
    model = nn.Sequential(
        nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)
    )
    data = TensorDataset(
        torch.randn(samples, 64, generator=generator),
        torch.randint(0, 10, (samples,), generator=generator),
    )
    return model, data


def _cnn(samples: int, generator: torch.Generator) -> tuple[nn.Module, TensorDataset]:
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 8 * 8, 10),
    )
    data = TensorDataset(
        torch.randn(samples, 3, 32, 32, generator=generator),
        torch.randint(0, 10, (samples,), generator=generator),
    )
    return model, data


def _transformer(samples: int, generator: torch.Generator) -> tuple[nn.Module, TensorDataset]:
    data = TensorDataset(
        torch.randint(0, 8000, (samples, 64), generator=generator),
        torch.randint(0, 4, (samples,), generator=generator),
    )
    return TextEncoder(), data


_BUILDERS = {"mlp": _mlp, "cnn": _cnn, "transformer": _transformer}


def built_in(name: str, samples: int, seed: int = 0) -> Workload:
    """A built-in workload with ``samples`` synthetic examples."""
    if name not in _BUILDERS:
        raise InputError(
            f"a workload from {', '.join(BUILT_IN)}",
            repr(name),
            "or pass --model package.module:factory",
        )
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model, data = _BUILDERS[name](samples, generator)
    return Workload(
        model, data, nn.functional.cross_entropy, torch.optim.AdamW(model.parameters(), lr=1e-3)
    )


def load_factory(spec: str) -> Callable[..., Any]:
    """Import ``package.module:factory``."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise InputError(
            "--model as package.module:factory",
            repr(spec),
            "e.g. --model mypkg.models:make_workload",
        )
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # any import failure is the user's module's
        raise InputError(
            f"an importable module {module_name!r}",
            f"{type(error).__name__}: {error}",
            "check the module path and PYTHONPATH",
        ) from None
    factory: object = getattr(module, attribute, None)
    if not callable(factory):
        raise InputError(
            f"a callable {attribute!r} in {module_name}",
            repr(factory),
            "name a function that returns (model, dataset, loss_fn, optimizer)",
        )
    return factory


def from_factory(spec: str, samples: int) -> Workload:
    """Build the user's workload and check what the factory returned."""
    factory = load_factory(spec)
    takes_samples = "samples" in inspect.signature(factory).parameters
    try:
        result = factory(samples=samples) if takes_samples else factory()
    except Exception as error:  # the user's factory failed: say so, with its own message
        raise InputError(
            f"{spec} to build a workload",
            f"{type(error).__name__}: {error}",
            "fix the factory; run it by hand to see the traceback",
        ) from None
    return check_workload(result, spec)


def check_workload(result: Any, spec: str) -> Workload:
    """Validate ``(model, dataset, loss_fn, optimizer)``."""
    expected = "(model: nn.Module, dataset, loss_fn, optimizer)"
    if not isinstance(result, tuple | list) or len(result) != 4:
        raise InputError(
            f"{spec} to return {expected}", repr(type(result).__name__), "return a 4-tuple"
        )
    model, dataset, loss_fn, optimizer = result
    if not isinstance(model, nn.Module):
        raise InputError(
            "an nn.Module as the model", type(model).__name__, "return the model first"
        )
    if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
        raise InputError("a map-style dataset (__len__, __getitem__)", type(dataset).__name__)
    if not callable(loss_fn):
        raise InputError("a callable loss_fn(output, target)", type(loss_fn).__name__)
    if not isinstance(optimizer, torch.optim.Optimizer):
        if not callable(optimizer):
            raise InputError(
                "a torch.optim.Optimizer or a callable params -> optimizer",
                type(optimizer).__name__,
            )
        optimizer = optimizer(model.parameters())
    return Workload(model, dataset, loss_fn, optimizer)


def build(workload: str | None, model: str | None, samples: int, seed: int = 0) -> Workload:
    """The workload a trial trains: the user's factory or a built-in one."""
    return (
        from_factory(model, samples)
        if model
        else built_in(workload or "transformer", samples, seed)
    )
