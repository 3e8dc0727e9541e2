"""Training a sequence model under a feeding policy, with held-out metrics along the way."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from notelab.nn.seq.batch import Batch, Encoded, iterate_batches
from notelab.nn.seq.decoding import decode, sequence_loss, teacher_forced_loss
from notelab.nn.seq.metrics import SeqMetrics, evaluate
from notelab.nn.seq.models import SequenceModel
from notelab.nn.seq.optim import adam, clipped_step
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
    run = _Run(model, policy, clip, seed, learning_rate)
    per_epoch = steps_per_epoch(len(examples), batch_size)
    total, every = epochs * per_epoch, eval_every or per_epoch
    model.train()
    for epoch in range(1, epochs + 1):
        for batch in iterate_batches(examples, batch_size, generator=run.generator):
            run.step(batch)
            if run.history.steps % every == 0 or run.history.steps == total:
                point = run.checkpoint(epoch, heldout)
                if on_checkpoint is not None:
                    on_checkpoint(point)
    return run.history


class _Run:
    """One training run's state: the optimizer, the draws, the history and the losses since
    the last checkpoint."""

    def __init__(
        self, model: SequenceModel, policy: FeedingPolicy, clip: float, seed: int, lr: float
    ) -> None:
        self.model, self.policy, self.clip = model, policy, clip
        self.device = next(model.parameters()).device
        self.generator = torch.Generator().manual_seed(seed)
        self.optimizer = adam(model, lr)
        self.history = TrainHistory()
        self.losses: list[float] = []

    def step(self, batch: Batch) -> None:
        """One optimizer step on ``batch``: decode as the policy feeds, backward, clipped Adam
        step; counted in the history."""
        self.optimizer.zero_grad(set_to_none=True)
        step = backward(
            self.model,
            batch.to(self.device),
            self.policy,
            step=self.history.steps,
            generator=self.generator,
        )
        clipped_step(self.model, self.optimizer, self.clip)
        _count(self.history, step)
        self.losses.append(step.loss)

    def checkpoint(self, epoch: int, heldout: Sequence[Encoded]) -> Checkpoint:
        """Held-out metrics now with the mean training loss since the last checkpoint."""
        steps = self.history.steps
        point = Checkpoint(
            epoch,
            steps,
            self.policy.eps(steps - 1),
            sum(self.losses) / len(self.losses),
            evaluate(self.model, heldout),
        )
        self.history.checkpoints.append(point)
        self.losses.clear()
        return point


@dataclass(frozen=True)
class Backward:
    """One batch's loss and what was fed: ``truth_inputs`` and ``model_inputs`` count the
    real inputs after ``<bos>`` (:meth:`~notelab.nn.seq.decoding.DecodeRecord.feed_counts`)."""

    loss: float
    truth_inputs: int
    model_inputs: int
    one_call: bool


def backward(
    model: SequenceModel,
    batch: Batch,
    policy: FeedingPolicy,
    *,
    step: int = 0,
    generator: torch.Generator | None = None,
) -> Backward:
    """The loss of ``batch`` decoded as ``policy`` feeds it at training step ``step``, its
    gradient added into the parameters' ``.grad``: what :func:`train` computes before each
    optimizer step. When every input is the truth the decoder runs in one call, and where
    :func:`notelab.nn.seq.fused.applies` the gradient is computed without autograd
    (:func:`notelab.nn.seq.fused.add_gradients`, the same numbers).

    Examples
    --------
    >>> from notelab.nn.seq import ModelConfig, build_model, collate, teacher_forcing
    >>> model = build_model(ModelConfig(vocabulary=10, hidden_size=8))
    >>> result = backward(model, collate([([5, 3], [6, 7])]), teacher_forcing())
    >>> result.truth_inputs, result.model_inputs, result.one_call
    (2, 0, True)
    >>> model.output.bias.grad is not None
    True
    """
    from notelab.nn.seq import fused

    if policy.all_truth(step) and fused.applies(model):
        loss = fused.add_gradients(model, batch)
        return Backward(loss, int(batch.target_lengths.sum()) - batch.size, 0, True)
    if policy.all_truth(step):
        record, loss_tensor = teacher_forced_loss(model, batch)
    else:
        record = decode(model, batch, policy, step=step, generator=generator)
        loss_tensor = sequence_loss(record.logits, batch)
    loss_tensor.backward()  # type: ignore[no-untyped-call]
    truth, own = record.feed_counts(batch.mask)
    return Backward(float(loss_tensor.detach()), truth, own, record.one_call)


def _count(history: TrainHistory, step: Backward) -> None:
    history.steps += 1
    history.truth_inputs += step.truth_inputs
    history.model_inputs += step.model_inputs
    history.one_call_steps += int(step.one_call)
