"""Held-out metrics: what training sees (teacher forced) against what inference does (free run).

- teacher-forced token accuracy and loss: every input is the true previous token;
- free-running token accuracy: the model's own greedy outputs are fed back; token ``t`` is
  right when it equals target token ``t`` (``<eos>`` included, so stopping counts);
- sequence exact match and edit distance (Levenshtein, in tokens) of the free-running output;
- accuracy by position, under both feedings;
- error compounding: P(error at t | an error before t) and P(error at t | no error before t);
- the exposure-bias gap: teacher-forced minus free-running token accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from notelab._util import InputError
from notelab.nn.seq.batch import Batch, Encoded, iterate_batches
from notelab.nn.seq.decoding import generate, sequence_loss, teacher_forced
from notelab.nn.seq.models import SequenceModel
from notelab.nn.seq.vocab import Vocabulary


def edit_distance(a: Sequence[object], b: Sequence[object]) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions from a to b.

    Examples
    --------
    >>> edit_distance("kitten", "sitting"), edit_distance([], ["x"]), edit_distance("ab", "ab")
    (3, 1, 0)
    """
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class Compounding:
    """Counts of errors at steps with and without an earlier error in the same sequence.

    Examples
    --------
    >>> c = compounding(np.array([[False, True, True, False]]), np.ones((1, 4), bool))
    >>> c.errors_after_error, c.steps_after_error, c.rate_without_error
    (1, 2, 0.5)
    """

    errors_after_error: int
    steps_after_error: int
    errors_without_error: int
    steps_without_error: int

    @property
    def rate_after_error(self) -> float:
        """P(error at t | an error before t); NaN when no step follows an error."""
        return _rate(self.errors_after_error, self.steps_after_error)

    @property
    def rate_without_error(self) -> float:
        """P(error at t | no error before t)."""
        return _rate(self.errors_without_error, self.steps_without_error)

    def __add__(self, other: Compounding) -> Compounding:
        return Compounding(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    def as_dict(self) -> dict[str, float]:
        """Counts and both rates."""
        return {
            **asdict(self),
            "rate_after_error": self.rate_after_error,
            "rate_without_error": self.rate_without_error,
        }


def _values(c: Compounding) -> tuple[int, int, int, int]:
    return (
        c.errors_after_error,
        c.steps_after_error,
        c.errors_without_error,
        c.steps_without_error,
    )


def _rate(errors: int, steps: int) -> float:
    return errors / steps if steps else float("nan")


def compounding(errors: np.ndarray, mask: np.ndarray) -> Compounding:
    """Tally errors ``(batch, steps)`` over the real steps ``mask`` by whether one came before."""
    before = np.zeros_like(errors)
    before[:, 1:] = np.logical_or.accumulate(errors & mask, axis=1)[:, :-1]
    after = before & mask
    fresh = ~before & mask
    return Compounding(
        int((errors & after).sum()),
        int(after.sum()),
        int((errors & fresh).sum()),
        int(fresh.sum()),
    )


@dataclass(frozen=True)
class SeqMetrics:
    """Every held-out metric of one model (see the module docstring)."""

    examples: int
    tokens: int
    teacher_forced_loss: float
    teacher_forced_accuracy: float
    free_running_accuracy: float
    exact_match: float
    edit_distance: float
    position_accuracy_teacher: list[float]
    position_accuracy_free: list[float]
    position_counts: list[int]
    compounding_free: Compounding
    compounding_teacher: Compounding

    @property
    def exposure_bias_gap(self) -> float:
        """Teacher-forced minus free-running token accuracy."""
        return self.teacher_forced_accuracy - self.free_running_accuracy

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON (the gap and the compounding rates included)."""
        out = asdict(self)
        out["exposure_bias_gap"] = self.exposure_bias_gap
        out["compounding_free"] = self.compounding_free.as_dict()
        out["compounding_teacher"] = self.compounding_teacher.as_dict()
        return out


@dataclass
class _Tally:
    """Sums over batches, merged into :class:`SeqMetrics` at the end."""

    loss: float = 0.0
    examples: int = 0
    exact: int = 0
    edits: int = 0
    free: Compounding = Compounding(0, 0, 0, 0)
    teacher: Compounding = Compounding(0, 0, 0, 0)
    # rows: teacher right, free right, count; one column per position, grown as batches come
    by_position: np.ndarray = field(default_factory=lambda: np.zeros((3, 0), dtype=np.int64))

    def add_positions(self, teacher_ok: np.ndarray, free_ok: np.ndarray, mask: np.ndarray) -> None:
        rows = np.stack([(teacher_ok & mask).sum(0), (free_ok & mask).sum(0), mask.sum(0)])
        width = max(self.by_position.shape[1], rows.shape[1])
        grown = np.zeros((3, width), dtype=np.int64)
        grown[:, : self.by_position.shape[1]] += self.by_position
        grown[:, : rows.shape[1]] += rows
        self.by_position = grown


def _tally_batch(model: SequenceModel, batch: Batch, tally: _Tally) -> None:
    mask = batch.mask
    taught = teacher_forced(model, batch)
    free = generate(model, batch)
    steps = mask.shape[1]
    truth = batch.target_out
    teacher_ok = (taught.predicted == truth).cpu().numpy()
    free_ok = (free.predicted[:, :steps] == truth).cpu().numpy()
    m = mask.cpu().numpy()
    tally.loss += float(sequence_loss(taught.logits, batch)) * int(m.sum())
    tally.examples += batch.size
    tally.exact += int((free_ok | ~m).all(axis=1).sum())
    tally.free += compounding(~free_ok, m)
    tally.teacher += compounding(~teacher_ok, m)
    tally.add_positions(teacher_ok, free_ok, m)
    targets = truth.tolist()
    for row, target, length in zip(
        free.predicted.tolist(), targets, batch.target_lengths.tolist(), strict=True
    ):
        tally.edits += edit_distance(_until_eos(row), target[: length - 1])


def _until_eos(ids: list[int]) -> list[int]:
    return ids[: ids.index(Vocabulary.eos)] if Vocabulary.eos in ids else ids


@torch.no_grad()
def evaluate(
    model: SequenceModel, examples: Sequence[Encoded], *, batch_size: int = 256
) -> SeqMetrics:
    """Every held-out metric of ``model`` on encoded ``examples`` (model in eval mode).

    Examples
    --------
    >>> from notelab.nn.seq.models import ModelConfig, build_model
    >>> model = build_model(ModelConfig(vocabulary=10, hidden_size=8))
    >>> m = evaluate(model, [([5, 3], [6, 7]), ([6, 3], [7])])
    >>> m.examples, m.tokens, len(m.position_counts)
    (2, 5, 3)
    """
    if not examples:
        raise InputError("at least one held-out example", "none", "pass more pairs")
    was_training = model.training
    model.eval()
    tally = _Tally()
    device = next(model.parameters()).device
    try:
        for batch in iterate_batches(examples, batch_size):
            _tally_batch(model, batch.to(device), tally)
    finally:
        model.train(was_training)
    return _metrics(tally)


def _metrics(tally: _Tally) -> SeqMetrics:
    right_teacher, right_free, counts = tally.by_position
    tokens = int(counts.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        teacher_curve, free_curve = right_teacher / counts, right_free / counts
    return SeqMetrics(
        examples=tally.examples,
        tokens=tokens,
        teacher_forced_loss=tally.loss / tokens,
        teacher_forced_accuracy=float(right_teacher.sum() / tokens),
        free_running_accuracy=float(right_free.sum() / tokens),
        exact_match=tally.exact / tally.examples,
        edit_distance=tally.edits / tally.examples,
        position_accuracy_teacher=teacher_curve.tolist(),
        position_accuracy_free=free_curve.tolist(),
        position_counts=counts.tolist(),
        compounding_free=tally.free,
        compounding_teacher=tally.teacher,
    )
