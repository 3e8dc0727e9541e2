"""Training a sequence model under a feeding policy, with held-out metrics along the way."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from notelab.nn.seq.batch import Batch, Encoded, iterate_batches
from notelab.nn.seq.decoding import DecodeRecord, decode, sequence_loss
from notelab.nn.seq.metrics import SeqMetrics, evaluate
from notelab.nn.seq.models import SequenceModel
from notelab.nn.seq.policy import FeedingPolicy


@dataclass(frozen=True)
class Checkpoint:
    """Held-out metrics after ``step`` optimizer steps (``epoch`` counts from 1), with the
    mean training loss since the previous checkpoint."""

    epoch: int
    step: int
    eps: float
    train_loss: float
    metrics: SeqMetrics

    def as_dict(self) -> dict[str, Any]:
        """The headline numbers, flat."""
        m = self.metrics
        return {
            "epoch": self.epoch,
            "step": self.step,
            "eps": self.eps,
            "train_loss": self.train_loss,
            "heldout_loss": m.teacher_forced_loss,
            "teacher_forced_accuracy": m.teacher_forced_accuracy,
            "free_running_accuracy": m.free_running_accuracy,
            "exposure_bias_gap": m.exposure_bias_gap,
        }


@dataclass
class TrainHistory:
    """Checkpoints and how many inputs were the truth or the model's own, over all of training."""

    checkpoints: list[Checkpoint] = field(default_factory=list)
    steps: int = 0
    truth_inputs: int = 0
    model_inputs: int = 0
    one_call_steps: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Counts and the flat checkpoints."""
        out = {k: v for k, v in asdict(self).items() if k != "checkpoints"}
        out["checkpoints"] = [c.as_dict() for c in self.checkpoints]
        return out


def steps_per_epoch(examples: int, batch_size: int) -> int:
    """Optimizer steps in one epoch (the last partial batch is kept)."""
    return math.ceil(examples / batch_size)


def train(
    model: SequenceModel,
    examples: Sequence[Encoded],
    heldout: Sequence[Encoded],
    policy: FeedingPolicy,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    learning_rate: float = 3e-3,
    clip: float = 1.0,
    seed: int = 0,
    eval_every: int | None = None,
    on_checkpoint: Callable[[Checkpoint], None] | None = None,
) -> TrainHistory:
    """Train ``model`` in place with Adam, feeding its decoder as ``policy`` says.

    Parameters
    ----------
    model : SequenceModel
        Trained on the device its parameters are on.
    examples, heldout : sequence of (source ids, target ids)
        Training and held-out examples (see :func:`~notelab.nn.seq.batch.encode_pairs`).
    policy : FeedingPolicy
        Truth or own output at each decoder step; eps follows the optimizer step count.
    epochs, batch_size, learning_rate, clip : training hyperparameters (``clip`` bounds the
        gradient norm).
    seed : int
        Seeds the shuffling and the policy's draws.
    eval_every : int, optional
        Held-out metrics every this many steps (default: once per epoch), and at the end.
    on_checkpoint : callable, optional
        Called with every :class:`Checkpoint` (progress).

    Examples
    --------
    >>> from notelab.nn.seq.models import ModelConfig, build_model
    >>> from notelab.nn.seq.policy import teacher_forcing
    >>> data = [([5, 3], [5]), ([6, 3], [6])] * 8
    >>> _ = torch.manual_seed(0)
    >>> model = build_model(ModelConfig(vocabulary=8, hidden_size=8))
    >>> history = train(model, data, data[:2], teacher_forcing(), epochs=2, batch_size=8)
    >>> history.steps, history.one_call_steps, len(history.checkpoints)
    (4, 4, 2)
    """
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate, foreach=True)
    total = epochs * steps_per_epoch(len(examples), batch_size)
    every = eval_every or steps_per_epoch(len(examples), batch_size)
    history, losses = TrainHistory(), []
    model.train()
    for epoch in range(1, epochs + 1):
        for batch in iterate_batches(examples, batch_size, generator=generator):
            record, loss = _step(model, batch.to(device), policy, history.steps, generator)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip, foreach=True)
            optimizer.step()
            _count(history, record.feed_counts(batch.mask), record.one_call)
            losses.append(float(loss.detach()))
            if history.steps % every == 0 or history.steps == total:
                point = Checkpoint(
                    epoch,
                    history.steps,
                    policy.eps(history.steps - 1),
                    sum(losses) / len(losses),
                    evaluate(model, heldout),
                )
                history.checkpoints.append(point)
                losses.clear()
                if on_checkpoint is not None:
                    on_checkpoint(point)
    return history


def _step(
    model: SequenceModel,
    batch: Batch,
    policy: FeedingPolicy,
    step: int,
    generator: torch.Generator,
) -> tuple[DecodeRecord, torch.Tensor]:
    record = decode(model, batch, policy, step=step, generator=generator)
    return record, sequence_loss(record.logits, batch)


def _count(history: TrainHistory, counts: tuple[int, int], one_call: bool) -> None:
    history.steps += 1
    history.truth_inputs += counts[0]
    history.model_inputs += counts[1]
    history.one_call_steps += int(one_call)
