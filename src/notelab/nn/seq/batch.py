"""Pairs of token lists to padded tensors: the source (ending in ``<sep>``), the decoder's
true inputs (``<bos>`` then the target) and outputs (the target then ``<eos>``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields

import torch

from notelab.nn.seq.tasks import Pair
from notelab.nn.seq.vocab import Vocabulary

Encoded = tuple[list[int], list[int]]


@dataclass(frozen=True)
class Batch:
    """Padded id tensors of a batch (``<pad>`` is 0); lengths stay on the CPU for packing.

    Examples
    --------
    >>> batch = collate([([5, 6], [7]), ([5], [6, 7])])
    >>> batch.target_in.tolist(), batch.target_out.tolist(), batch.target_lengths.tolist()
    ([[1, 7, 0], [1, 6, 7]], [[7, 2, 0], [6, 7, 2]], [2, 3])
    """

    source: torch.Tensor
    source_lengths: torch.Tensor
    target_in: torch.Tensor
    target_out: torch.Tensor
    target_lengths: torch.Tensor

    @property
    def size(self) -> int:
        """Examples in the batch."""
        return int(self.source.shape[0])

    @property
    def mask(self) -> torch.Tensor:
        """``(batch, steps)``: which target positions are real (not padding)."""
        steps = torch.arange(self.target_out.shape[1], device=self.target_out.device)
        return steps[None, :] < self.target_lengths.to(self.target_out.device)[:, None]

    def to(self, device: torch.device | str) -> Batch:
        """The batch with its id tensors on ``device`` (lengths stay on the CPU)."""
        moved = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("source", "target_in", "target_out"):
            moved[name] = moved[name].to(device)
        return Batch(**moved)

    def padded(self, steps: int) -> Batch:
        """The batch with its target tensors padded to ``steps`` positions (for generation)."""
        extra = max(0, steps - self.target_in.shape[1])
        pad = torch.nn.functional.pad
        return Batch(
            self.source,
            self.source_lengths,
            pad(self.target_in, (0, extra)),
            pad(self.target_out, (0, extra)),
            self.target_lengths,
        )


def encode_pairs(pairs: Sequence[Pair], vocab: Vocabulary, unknown: str = "error") -> list[Encoded]:
    """Ids of every pair; the source gets a closing ``<sep>``."""
    sources = vocab.encode([t for s, _ in pairs for t in s], unknown)
    targets = vocab.encode([token for _, target in pairs for token in target], unknown)
    out: list[Encoded] = []
    i = j = 0
    for source, target in pairs:
        out.append(([*sources[i : i + len(source)], vocab.sep], targets[j : j + len(target)]))
        i, j = i + len(source), j + len(target)
    return out


def _pad(rows: list[list[int]]) -> torch.Tensor:
    width = max(len(r) for r in rows)
    return torch.tensor([r + [0] * (width - len(r)) for r in rows], dtype=torch.long)


def collate(examples: Sequence[Encoded]) -> Batch:
    """One padded :class:`Batch` of encoded examples."""
    sources = [list(s) for s, _ in examples]
    ins = [[Vocabulary.bos, *t] for _, t in examples]
    outs = [[*t, Vocabulary.eos] for _, t in examples]
    return Batch(
        _pad(sources),
        torch.tensor([len(s) for s in sources]),
        _pad(ins),
        _pad(outs),
        torch.tensor([len(o) for o in outs]),
    )


def iterate_batches(
    examples: Sequence[Encoded],
    batch_size: int,
    *,
    generator: torch.Generator | None = None,
) -> Iterator[Batch]:
    """Batches of ``examples``, shuffled by ``generator`` (in order without one)."""
    order = (
        torch.randperm(len(examples), generator=generator).tolist()
        if generator is not None
        else list(range(len(examples)))
    )
    for start in range(0, len(order), batch_size):
        yield collate([examples[i] for i in order[start : start + batch_size]])
