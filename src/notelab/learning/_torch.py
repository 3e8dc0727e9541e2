"""What the PyTorch methods share: the import, the device, seeded draws, the network, the loop.

torch is imported inside these functions only, so the scikit-learn methods of
``notelab.learning`` import and run without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from notelab._util import InputError


def require_torch() -> Any:
    """The ``torch`` module, or one clear error saying how to install it."""
    try:
        import torch
    except ImportError:
        raise InputError(
            "PyTorch for this method",
            "torch is not installed",
            "pip install 'notelab[torch]', or pick a scikit-learn method "
            "(logistic, self-training, label-spreading, label-propagation)",
        ) from None
    return torch


def torch_available() -> bool:
    """Whether torch can be imported (without importing it twice)."""
    import importlib.util

    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):  # blocked or half-installed
        return False


def pick_device(device: str) -> Any:
    """``"auto"``: CUDA when present, else the CPU; any other name as given."""
    torch = require_torch()
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def generator(random_state: int | None) -> Any:
    """A CPU generator seeded from ``random_state`` (0 when ``None``); it seeds the weights too."""
    torch = require_torch()
    seed = 0 if random_state is None else int(random_state)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def tensor(X: np.ndarray, device: Any) -> Any:
    """``X`` as a float32 tensor on ``device``."""
    torch = require_torch()
    return torch.as_tensor(np.asarray(X, dtype=np.float32), device=device)


def encoder_network(n_features: int, hidden: int) -> Any:
    """Two ReLU layers of width ``hidden``: the representation every deep method learns."""
    nn = require_torch().nn
    return nn.Sequential(
        nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()
    )


def draw(n: int, size: int, rng: Any, device: Any) -> Any:
    """``size`` row indices drawn with replacement from ``range(n)``."""
    torch = require_torch()
    return torch.randint(0, n, (size,), generator=rng).to(device)


def train(
    parameters: list[Any],
    loss_at: Callable[[int], Any],
    *,
    steps: int,
    lr: float,
    weight_decay: float,
) -> list[float]:
    """``steps`` AdamW steps on ``loss_at(step)``; the loss of every step."""
    torch = require_torch()
    optimiser = torch.optim.AdamW(parameters, lr=lr, weight_decay=weight_decay)
    losses = []
    for step in range(steps):
        loss = loss_at(step)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    return losses


def predict_in_batches(model: Any, X: np.ndarray, device: Any, batch: int = 4096) -> np.ndarray:
    """Softmax of ``model`` over the rows of ``X``, in eval mode, without gradients."""
    torch = require_torch()
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(X), batch):
            logits = model(tensor(X[start : start + batch], device))
            out.append(torch.softmax(logits, dim=1).cpu().numpy())
    model.train()
    return np.vstack(out).astype(np.float64)
