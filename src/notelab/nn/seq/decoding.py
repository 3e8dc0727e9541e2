"""Running the decoder under a feeding policy, recording exactly what it was fed.

Two paths compute the same function:

- :func:`teacher_forced`: every input is the truth, so the decoder runs over the whole
  sequence in one call;
- :func:`stepped`: token by token (batched), feeding the truth where ``truth[b, t]`` and the
  model's own previous output elsewhere.

Both return a :class:`DecodeRecord`: the logits, the inputs fed, the model's argmax predictions
and which inputs were the truth, so tests and findings can show what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from notelab.nn.seq.batch import Batch
from notelab.nn.seq.models import SequenceModel
from notelab.nn.seq.policy import FeedingPolicy, free_running


@dataclass(frozen=True)
class DecodeRecord:
    """What one decoding of a batch computed and consumed.

    Attributes
    ----------
    logits : Tensor
        ``(batch, steps, vocabulary)``.
    fed : Tensor
        ``(batch, steps)`` the input token at each step (``<bos>`` first).
    predicted : Tensor
        ``(batch, steps)`` the model's argmax at each step.
    truth : Tensor
        ``(batch, steps)`` whether the input at each step was the true token.
    one_call : bool
        Whether the decoder ran over the whole sequence in one call.
    """

    logits: torch.Tensor
    fed: torch.Tensor
    predicted: torch.Tensor
    truth: torch.Tensor
    one_call: bool

    def feed_counts(self, mask: torch.Tensor) -> tuple[int, int]:
        """``(truth inputs, model inputs)`` over the real steps after ``<bos>``."""
        decided = mask.clone()
        decided[:, 0] = False
        truth = int((self.truth & decided).sum())
        return truth, int(decided.sum()) - truth


def sequence_loss(logits: torch.Tensor, batch: Batch) -> torch.Tensor:
    """Mean cross-entropy over the real (unpadded) target positions."""
    steps = batch.mask.shape[1]
    flat = logits[:, :steps].reshape(-1, logits.shape[-1])
    losses = F.cross_entropy(flat, batch.target_out.reshape(-1), reduction="none")
    mask = batch.mask.reshape(-1).to(losses.dtype)
    return (losses * mask).sum() / mask.sum()


def teacher_forced(model: SequenceModel, batch: Batch) -> DecodeRecord:
    """Every input is the truth: the decoder runs in one call.

    Examples
    --------
    >>> from notelab.nn.seq.batch import collate
    >>> from notelab.nn.seq.models import ModelConfig, build_model
    >>> model = build_model(ModelConfig(vocabulary=10, hidden_size=8))
    >>> record = teacher_forced(model, collate([([5, 3], [6, 7])]))
    >>> record.fed.tolist(), record.one_call
    ([[1, 6, 7]], True)
    """
    state = model.begin(batch)
    return _all_truth(model.logits_all(batch.target_in, batch.target_lengths, state), batch)


def teacher_forced_loss(model: SequenceModel, batch: Batch) -> tuple[DecodeRecord, torch.Tensor]:
    """What training computes when every input is the truth: the :func:`teacher_forced`
    record and its :func:`sequence_loss`. Where :func:`notelab.nn.seq.fused.applies` (float32
    or float64 on the CPU), the loss is one autograd node over all parameters
    (:func:`notelab.nn.seq.fused.loss_and_logits`), the same function, faster.

    Examples
    --------
    >>> from notelab.nn.seq import ModelConfig, build_model, collate
    >>> batch = collate([([5, 3], [6, 7]), ([4, 3], [6])])
    >>> model = build_model(ModelConfig(kind="lm", vocabulary=10, hidden_size=8))
    >>> record, loss = teacher_forced_loss(model, batch)
    >>> bool(torch.isclose(loss, sequence_loss(teacher_forced(model, batch).logits, batch)))
    True
    """
    from notelab.nn.seq import fused

    if not fused.applies(model):
        record = teacher_forced(model, batch)
        return record, sequence_loss(record.logits, batch)
    loss, logits = fused.loss_and_logits(model, batch)
    return _all_truth(logits, batch), loss


def _all_truth(logits: torch.Tensor, batch: Batch) -> DecodeRecord:
    truth = torch.ones_like(batch.target_in, dtype=torch.bool)
    return DecodeRecord(logits, batch.target_in, logits.argmax(-1), truth, True)


def stepped(
    model: SequenceModel,
    batch: Batch,
    truth: torch.Tensor,
    *,
    policy: FeedingPolicy | None = None,
    generator: torch.Generator | None = None,
) -> DecodeRecord:
    """Token by token: feed ``target_in[:, t]`` where ``truth[:, t]``, else the model's own
    previous output (chosen by ``policy.own``: argmax or a sample).

    Examples
    --------
    >>> from notelab.nn.seq.batch import collate
    >>> from notelab.nn.seq.models import ModelConfig, build_model
    >>> model = build_model(ModelConfig(vocabulary=10, hidden_size=8))
    >>> batch = collate([([5, 3], [6, 7])])
    >>> record = stepped(model, batch, torch.tensor([[True, False, False]]))
    >>> record.fed[0, 1:].tolist() == record.predicted[0, :2].tolist()
    True
    """
    policy = policy or free_running()
    generator = generator or torch.Generator().manual_seed(0)
    truth = truth.to(batch.target_in.device)
    state = model.begin(batch)
    token = batch.target_in[:, 0]
    logits: list[torch.Tensor] = []
    fed: list[torch.Tensor] = []
    for t in range(batch.target_in.shape[1]):
        if t > 0:
            own = policy.own_tokens(logits[-1].detach(), generator)
            token = torch.where(truth[:, t], batch.target_in[:, t], own)
        fed.append(token)
        step_logits, state = model.logits_step(token, state)
        logits.append(step_logits)
    stacked = torch.stack(logits, dim=1)
    return DecodeRecord(stacked, torch.stack(fed, 1), stacked.argmax(-1), truth, False)


def decode(
    model: SequenceModel,
    batch: Batch,
    policy: FeedingPolicy,
    *,
    step: int = 0,
    generator: torch.Generator | None = None,
    one_call: bool = True,
) -> DecodeRecord:
    """Decode ``batch`` as ``policy`` feeds it at training step ``step``.

    When every input is the truth (and ``one_call``), the one-call path runs; otherwise the
    policy draws its mask and the decoder steps.
    """
    generator = generator or torch.Generator().manual_seed(0)
    if one_call and policy.all_truth(step):
        return teacher_forced(model, batch)
    size, steps = batch.target_in.shape
    mask = policy.truth_mask(step, size, steps, generator)
    return stepped(model, batch, mask, policy=policy, generator=generator)


def generate(model: SequenceModel, batch: Batch, *, extra: int = 5) -> DecodeRecord:
    """Free running (greedy): the model's own outputs fed back, ``extra`` steps past the
    longest target so that too-long outputs show."""
    longer = batch.padded(batch.target_in.shape[1] + extra)
    truth = torch.zeros_like(longer.target_in, dtype=torch.bool)
    truth[:, 0] = True
    return stepped(model, longer, truth)
