"""Self-supervised pretraining: a task made from the rows themselves, labels unused.

- ``masked`` (VIME, Yoon et al., 2020): hide a random share of each row's features (replaced
  by other rows' values), and train the encoder to tell which features were hidden and to
  predict their true values: the note's "mask words and predict them", for tables.
- ``contrastive`` (SCARF, Bahri et al., 2022): a row and a corrupted copy of it must land
  closer to each other than to the other rows of the batch (InfoNCE).

Either way the labels come from the data itself. The encoder it leaves behind feeds a linear
probe, fine-tuning or semi-supervised fine-tuning (:mod:`notelab.learning.selfsup`).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from notelab._util import InputError
from notelab.learning import _torch
from notelab.learning.augment import corrupt

TASKS = ("masked", "contrastive")
_CACHE: OrderedDict[Any, Any] = OrderedDict()
_CACHE_SIZE = 32
VALUE_WEIGHT = 2.0  # the value-reconstruction loss against the mask loss (VIME's alpha)


@dataclass
class Pretrained:
    """An encoder trained on a pretext task, with the task's heads and loss curve."""

    task: str
    encoder: Any
    heads: Any
    device: Any
    losses: list[float] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """The encoder's representation of the rows of ``X``."""
        torch = _torch.require_torch()
        self.encoder.eval()
        with torch.no_grad():
            out = self.encoder(_torch.tensor(X, self.device)).cpu().numpy()
        self.encoder.train()
        return np.asarray(out, dtype=np.float64)

    def pretext_score(self, X: np.ndarray, random_state: int = 0) -> tuple[float, float]:
        """How well the pretext task is solved on rows ``X`` (new corruptions), and chance.

        ``masked``: the share of the hidden values' variance the encoder recovers,
        ``1 - error / error of each feature's mean`` over hidden features (chance 0).
        ``contrastive``: how often a corrupted row's nearest embedding among 256 rows is its
        own original (chance 1/256).
        """
        torch = _torch.require_torch()
        rng = _torch.generator(random_state)
        x = _torch.tensor(X, self.device)
        self.encoder.eval()
        with torch.no_grad():
            score = (_mask_score if self.task == "masked" else _retrieval_score)(self, x, rng)
        self.encoder.train()
        return score


def _mask_score(model: Pretrained, x: Any, rng: Any) -> tuple[float, float]:
    corrupted, mask = corrupt(x, x, model.options["mask_rate"], rng)
    guess = model.heads["value"](model.encoder(corrupted))
    column_mean = x.mean(dim=0, keepdim=True).expand_as(x)
    error = ((guess - x) ** 2)[mask].sum()
    baseline = ((column_mean - x) ** 2)[mask].sum().clamp(min=1e-12)
    return float(1 - error / baseline), 0.0


def _retrieval_score(model: Pretrained, x: Any, rng: Any) -> tuple[float, float]:
    torch = _torch.require_torch()
    rows = x[_torch.draw(len(x), min(256, len(x)), rng, x.device)]
    anchor = torch.nn.functional.normalize(model.encoder(rows), dim=1)
    corrupted = corrupt(rows, x, model.options["corruption_rate"], rng)[0]
    view = torch.nn.functional.normalize(model.encoder(corrupted), dim=1)
    hits = (view @ anchor.T).argmax(dim=1) == torch.arange(len(rows), device=x.device)
    return float(hits.float().mean()), 1.0 / len(rows)


def pretrain(
    X: ArrayLike,
    *,
    task: str = "masked",
    hidden: int = 128,
    steps: int = 300,
    batch_size: int = 128,
    mask_rate: float = 0.3,
    corruption_rate: float = 0.6,
    temperature: float = 0.5,
    lr: float = 1e-3,
    weight_decay: float = 1e-4,
    device: str = "auto",
    random_state: int | None = 0,
) -> Pretrained:
    """Train an encoder on a pretext task over all rows of ``X``; no label is used.

    The same rows and options give the same encoder; the last few are cached in memory, so the
    protocol's several labelled fractions share one pretraining per seed.

    Parameters
    ----------
    X : array-like of shape (n, d)
    task : {"masked", "contrastive"}
    hidden : int
        Width of the encoder's two layers (the representation's size).
    steps, batch_size, lr, weight_decay
        AdamW steps on random batches.
    mask_rate : float
        Share of features hidden per row (``masked``).
    corruption_rate, temperature : float
        Share of features corrupted and the InfoNCE temperature (``contrastive``).
    device : str
        ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"``...
    random_state : int

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X = load_digits().data[:500] / 16
    >>> model = pretrain(X, task="masked", steps=100, random_state=0)
    >>> score, chance = model.pretext_score(X)
    >>> score > chance + 0.1
    True
    """
    options = {k: v for k, v in locals().items() if k not in ("X", "task")}  # the keywords
    options["device"] = str(device)
    if task not in TASKS:
        raise InputError(f"a pretext task from {', '.join(TASKS)}", repr(task), "e.g. 'masked'")
    return _cached(np.asarray(X, dtype=np.float32), task, options)


def _cached(X: np.ndarray, task: str, options: dict[str, Any]) -> Pretrained:
    """The model pretrained on these rows with these options: from the cache or trained now."""
    key = (task, hashlib.sha1(X.tobytes()).hexdigest(), X.shape, tuple(sorted(options.items())))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        cached: Pretrained = _CACHE[key]
        return cached
    model = _pretrain(X, task, options)
    _CACHE[key] = model
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return model


def _pretrain(X: np.ndarray, task: str, options: dict[str, Any]) -> Pretrained:
    torch = _torch.require_torch()
    rng = _torch.generator(options["random_state"])
    device = _torch.pick_device(options["device"])
    x = _torch.tensor(X, device)
    encoder = _torch.encoder_network(X.shape[1], options["hidden"]).to(device)
    heads = _heads(task, options["hidden"], X.shape[1]).to(device)
    model = Pretrained(task, encoder, heads, device, options=options)
    loss = _masked_loss if task == "masked" else _contrastive_loss
    model.losses = _torch.train(
        [*encoder.parameters(), *heads.parameters()],
        lambda _: loss(model, x[_torch.draw(len(x), options["batch_size"], rng, device)], x, rng),
        steps=options["steps"],
        lr=options["lr"],
        weight_decay=options["weight_decay"],
    )
    del torch
    return model


def _heads(task: str, hidden: int, n_features: int) -> Any:
    nn = _torch.require_torch().nn
    if task == "masked":
        return nn.ModuleDict(
            {"mask": nn.Linear(hidden, n_features), "value": nn.Linear(hidden, n_features)}
        )
    return nn.ModuleDict(
        {"project": nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, hidden))}
    )


def _masked_loss(model: Pretrained, batch: Any, pool: Any, rng: Any) -> Any:
    functional = _torch.require_torch().nn.functional
    corrupted, mask = corrupt(batch, pool, model.options["mask_rate"], rng)
    h = model.encoder(corrupted)
    mask_loss = functional.binary_cross_entropy_with_logits(model.heads["mask"](h), mask.float())
    return mask_loss + functional.mse_loss(model.heads["value"](h), batch) * VALUE_WEIGHT


def _contrastive_loss(model: Pretrained, batch: Any, pool: Any, rng: Any) -> Any:
    torch = _torch.require_torch()
    functional = torch.nn.functional
    corrupted = corrupt(batch, pool, model.options["corruption_rate"], rng)[0]
    project = model.heads["project"]
    a = functional.normalize(project(model.encoder(batch)), dim=1)
    b = functional.normalize(project(model.encoder(corrupted)), dim=1)
    logits = a @ b.T / model.options["temperature"]
    target = torch.arange(len(batch), device=batch.device)
    return (
        functional.cross_entropy(logits, target) + functional.cross_entropy(logits.T, target)
    ) / 2
