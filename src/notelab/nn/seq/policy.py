"""Feeding policies: at each decoder step, the true previous token or the model's own output.

A :class:`FeedingPolicy` turns a schedule's eps_i into a mask ``truth[b, t]`` (feed the true
token ``y[t-1]`` at step ``t`` of example ``b``) drawn per token (Bengio et al.) or once per
sequence (PyTorch's seq2seq tutorial). Step 0 always gets ``<bos>``. Where the mask is false the
model's previous output is fed: its argmax, or a token sampled from its softmax.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from notelab._util import InputError
from notelab.nn.seq.options import OWN, PER
from notelab.nn.seq.schedules import Constant, Schedule


@dataclass(frozen=True)
class FeedingPolicy:
    """What the decoder is fed while training.

    Parameters
    ----------
    schedule : Schedule
        eps_i, the probability of feeding the truth at optimizer step i.
    per : {"token", "sequence"}
        Draw the choice for every token, or once for a whole sequence.
    own : {"argmax", "sample"}
        Which of the model's outputs is fed when the truth is not.

    Examples
    --------
    >>> policy = teacher_forcing(0.5, per="sequence")
    >>> mask = policy.truth_mask(0, 4, 3, torch.Generator().manual_seed(0))
    >>> mask.shape, bool(mask[:, 0].all()), bool((mask[:, 1:] == mask[:, 1:2]).all())
    (torch.Size([4, 3]), True, True)
    """

    schedule: Schedule
    per: str = "token"
    own: str = "argmax"

    def __post_init__(self) -> None:
        if self.per not in PER:
            raise InputError(f"--per as one of {', '.join(PER)}", repr(self.per))
        if self.own not in OWN:
            raise InputError(f"--own as one of {', '.join(OWN)}", repr(self.own))

    def eps(self, step: int) -> float:
        """The probability of feeding the truth at training step ``step``."""
        return self.schedule.eps(step)

    def all_truth(self, step: int) -> bool:
        """Whether every input at ``step`` is the truth (then the decoder runs in one call)."""
        return self.eps(step) >= 1.0

    def truth_mask(
        self, step: int, batch: int, length: int, generator: torch.Generator
    ) -> torch.Tensor:
        """``(batch, length)`` booleans: feed the truth at ``[b, t]``; column 0 is ``<bos>``."""
        columns = 1 if self.per == "sequence" else max(length - 1, 0)
        draws = torch.rand((batch, columns), generator=generator) < self.eps(step)
        if self.per == "sequence":
            draws = draws.expand(batch, max(length - 1, 0))
        return torch.cat([torch.ones(batch, 1, dtype=torch.bool), draws], dim=1)

    def own_tokens(self, logits: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The model's own next inputs from ``logits`` of shape ``(batch, vocabulary)``."""
        if self.own == "argmax":
            return logits.argmax(dim=-1)
        probabilities = torch.softmax(logits.detach().float(), dim=-1)
        return torch.multinomial(probabilities.cpu(), 1, generator=generator)[:, 0].to(
            logits.device
        )


def teacher_forcing(
    ratio: float = 1.0, *, per: str = "token", own: str = "argmax"
) -> FeedingPolicy:
    """Feed the truth with probability ``ratio`` (1: always, the classic teacher forcing).

    Examples
    --------
    >>> teacher_forcing().all_truth(0), teacher_forcing(0.5).eps(10)
    (True, 0.5)
    """
    return FeedingPolicy(Constant(ratio), per=per, own=own)


def free_running(*, own: str = "argmax") -> FeedingPolicy:
    """Always feed the model's own previous output (teacher-forcing ratio 0).

    Examples
    --------
    >>> free_running().eps(0)
    0.0
    """
    return FeedingPolicy(Constant(0.0), own=own)


def scheduled(schedule: Schedule, *, per: str = "token", own: str = "argmax") -> FeedingPolicy:
    """Scheduled sampling: feed the truth with probability ``schedule.eps(i)`` at step ``i``.

    Examples
    --------
    >>> from notelab.nn.seq.schedules import Linear
    >>> scheduled(Linear(k=1.0, c=0.01)).eps(30)
    0.7
    """
    return FeedingPolicy(schedule, per=per, own=own)
