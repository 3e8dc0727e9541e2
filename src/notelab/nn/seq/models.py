"""GRU sequence models: an encoder-decoder (optional attention) and a decoder-only language model.

Both expose the same decoder interface, used by training and generation alike:

- ``begin(batch)`` reads the source and returns the decoder's :class:`DecoderState`;
- ``logits_all(inputs, lengths, state)`` runs the decoder over whole input sequences in one
  call: the path when every input is the truth. On the CPU in float32 or float64 that is
  :func:`~notelab.nn.seq.gru.gru_sequence` (a whole-sequence GRU in compiled kernels with a
  hand-written backward), otherwise ``nn.GRU`` (cuDNN on CUDA) over the packed sequence;
- ``logits_step(tokens, state)`` runs one step for the whole batch: the path when the model's
  own outputs are fed back. It uses the same ``nn.GRU`` weights and ``torch.gru_cell``, whose
  cell ``gru_sequence`` computes, so both paths compute the same function (to rounding).

Attention is Luong's "general" score over the encoder's outputs, applied after the decoder GRU,
so it too runs in one call when the inputs are known.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from notelab._util import InputError
from notelab.nn.seq.batch import Batch
from notelab.nn.seq.gru import KERNEL_DTYPES, gru_sequence, layer_weights

MODEL_KINDS = ("seq2seq", "lm")


@dataclass(frozen=True)
class DecoderState:
    """The decoder's hidden state ``(layers, batch, hidden)`` and what attention reads."""

    hidden: torch.Tensor
    memory: torch.Tensor | None = None
    memory_mask: torch.Tensor | None = None


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """Everything needed to rebuild a model (saved with its weights).

    Examples
    --------
    >>> build_model(ModelConfig(kind="lm", vocabulary=12, hidden_size=8)).gru.hidden_size
    8
    """

    kind: str = "seq2seq"
    vocabulary: int = 16
    embedding_dim: int = 32
    hidden_size: int = 64
    num_layers: int = 1
    attention: bool = False

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise InputError(f"a model from {', '.join(MODEL_KINDS)}", repr(self.kind))
        for name in ("vocabulary", "embedding_dim", "hidden_size", "num_layers"):
            if getattr(self, name) < 1:
                raise InputError(f"a positive {name}", str(getattr(self, name)))
        if self.attention and self.kind == "lm":
            raise InputError("attention with the seq2seq model", "--model lm --attention")

    def as_dict(self) -> dict[str, Any]:
        """Plain values for saving and JSON."""
        return asdict(self)


# Whether the one-call path may use the compiled whole-sequence GRU (notelab.nn.seq.gru) on
# the CPU; False runs nn.GRU on the packed sequence there too (benchmarks/bench_seq.py's
# reference arm). Measured with that benchmark before the fused loss (one thread, interleaved
# rounds, training tokens/s): gru_sequence gave 1.38x to 1.80x nn.GRU's at every size there.
# It also gates the fused teacher-forced loss and gradients (notelab.nn.seq.fused.applies).
COMPILED_GRU = True


def whole_sequence(x: torch.Tensor) -> bool:
    """Whether a one-call GRU pass over ``x`` runs :func:`~notelab.nn.seq.gru.gru_sequence`."""
    return COMPILED_GRU and x.device.type == "cpu" and x.dtype in KERNEL_DTYPES


def _run_packed(
    gru: nn.GRU, embedded: torch.Tensor, lengths: torch.Tensor, hidden: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    if whole_sequence(embedded):
        return gru_sequence(gru, embedded, lengths, hidden)
    # cuDNN's GRU, or on the CPU nn.GRU, over the packed sequence
    packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
    output, last = gru(packed, hidden)
    padded, _ = pad_packed_sequence(output, batch_first=True, total_length=embedded.shape[1])
    return padded, last


def gru_step(
    gru: nn.GRU, x: torch.Tensor, hidden: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of ``gru`` (every layer) with its own weights: ``(output, new hidden)``.

    Examples
    --------
    >>> gru = nn.GRU(3, 4, num_layers=2, batch_first=True)
    >>> x, h = torch.randn(5, 3), torch.randn(2, 5, 4)
    >>> out, new = gru_step(gru, x, h)
    >>> ref, ref_h = gru(x[:, None], h)
    >>> bool(torch.allclose(out, ref[:, 0], atol=1e-6) and torch.allclose(new, ref_h, atol=1e-6))
    True
    """
    layers = []
    for layer in range(gru.num_layers):
        x = torch.gru_cell(x, hidden[layer], *layer_weights(gru, layer))
        layers.append(x)
    return x, torch.stack(layers)


class SequenceModel(nn.Module):
    """The base of both models: the decoder (embedding, GRU, optional attention, output layer)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        e, h = config.embedding_dim, config.hidden_size
        self.embedding = nn.Embedding(config.vocabulary, e, padding_idx=0)
        self.gru = nn.GRU(e, h, num_layers=config.num_layers, batch_first=True)
        if config.attention:
            self.attention_score = nn.Linear(h, h, bias=False)
            self.attention_combine = nn.Linear(2 * h, h)
        self.output = nn.Linear(h, config.vocabulary)

    def begin(self, batch: Batch) -> DecoderState:
        """Read the source; the decoder's starting state."""
        raise NotImplementedError

    def _project(self, out: torch.Tensor, state: DecoderState) -> torch.Tensor:
        logits: torch.Tensor
        if state.memory is None:
            logits = self.output(out)
            return logits
        scores = self.attention_score(out) @ state.memory.transpose(1, 2)
        if state.memory_mask is not None:
            scores = scores.masked_fill(~state.memory_mask[:, None, :], float("-inf"))
        context = torch.softmax(scores, dim=-1) @ state.memory
        logits = self.output(torch.tanh(self.attention_combine(torch.cat([out, context], -1))))
        return logits

    def logits_all(
        self, inputs: torch.Tensor, lengths: torch.Tensor, state: DecoderState
    ) -> torch.Tensor:
        """``(batch, steps, vocabulary)`` logits for known inputs, in one call."""
        out, _ = _run_packed(self.gru, self.embedding(inputs), lengths, state.hidden)
        return self._project(out, state)

    def logits_step(
        self, tokens: torch.Tensor, state: DecoderState
    ) -> tuple[torch.Tensor, DecoderState]:
        """``(batch, vocabulary)`` logits for one input token per example, and the next state."""
        out, hidden = gru_step(self.gru, self.embedding(tokens), state.hidden)
        logits = self._project(out[:, None, :], state)[:, 0]
        return logits, DecoderState(hidden, state.memory, state.memory_mask)


class Seq2SeqGRU(SequenceModel):
    """A GRU encoder-decoder; with ``attention`` the decoder attends over the encoder outputs.

    Examples
    --------
    >>> from notelab.nn.seq.batch import collate
    >>> model = Seq2SeqGRU(ModelConfig(vocabulary=10, hidden_size=8, attention=True))
    >>> batch = collate([([5, 6, 3], [7, 8]), ([5, 3], [9])])
    >>> state = model.begin(batch)
    >>> model.logits_all(batch.target_in, batch.target_lengths, state).shape
    torch.Size([2, 3, 10])
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        e, h = config.embedding_dim, config.hidden_size
        self.encoder_embedding = nn.Embedding(config.vocabulary, e, padding_idx=0)
        self.encoder = nn.GRU(e, h, num_layers=config.num_layers, batch_first=True)

    def begin(self, batch: Batch) -> DecoderState:
        memory, hidden = _run_packed(
            self.encoder, self.encoder_embedding(batch.source), batch.source_lengths
        )
        if not self.config.attention:
            return DecoderState(hidden)
        steps = torch.arange(memory.shape[1], device=memory.device)
        mask = steps[None, :] < batch.source_lengths.to(memory.device)[:, None]
        return DecoderState(hidden, memory, mask)


class GRULanguageModel(SequenceModel):
    """A decoder-only GRU: it reads the source (ending in ``<sep>``) as a prompt, then continues.

    Examples
    --------
    >>> from notelab.nn.seq.batch import collate
    >>> model = GRULanguageModel(ModelConfig(kind="lm", vocabulary=10, hidden_size=8))
    >>> state = model.begin(collate([([5, 6, 3], [7, 8])]))
    >>> state.hidden.shape
    torch.Size([1, 1, 8])
    """

    def begin(self, batch: Batch) -> DecoderState:
        _, hidden = _run_packed(self.gru, self.embedding(batch.source), batch.source_lengths)
        return DecoderState(hidden)


def build_model(config: ModelConfig) -> SequenceModel:
    """The model ``config`` describes (untrained)."""
    return (Seq2SeqGRU if config.kind == "seq2seq" else GRULanguageModel)(config)
