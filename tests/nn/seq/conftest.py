"""Shared pieces of the nn.seq tests: a scripted bigram model whose outputs are known by hand."""

from __future__ import annotations

import pytest
import torch

from notelab.nn.seq import ModelConfig, SequenceModel, Vocabulary
from notelab.nn.seq.models import DecoderState

VOCAB = Vocabulary.build([["A", "B", "C"]])  # ids: A=5, B=6, C=7


def ids(*tokens: str) -> list[int]:
    return [VOCAB.index[t] for t in tokens]


class BigramModel(SequenceModel):
    """Predicts ``table[previous input]`` with certainty: outputs known by hand."""

    def __init__(self, table: dict[str, str]) -> None:
        super().__init__(ModelConfig(kind="lm", vocabulary=len(VOCAB), hidden_size=2))
        nxt = torch.full((len(VOCAB),), VOCAB.eos)
        for before, after in table.items():
            nxt[VOCAB.index[before]] = VOCAB.index[after]
        self.register_buffer("next_token", nxt)

    def begin(self, batch) -> DecoderState:
        return DecoderState(torch.zeros(1, batch.size, 2))

    def _logits(self, tokens: torch.Tensor) -> torch.Tensor:
        return 10.0 * torch.nn.functional.one_hot(self.next_token[tokens], len(VOCAB)).float()

    def logits_all(self, inputs, lengths, state):
        return self._logits(inputs)

    def logits_step(self, tokens, state):
        return self._logits(tokens), state


@pytest.fixture
def bigram() -> BigramModel:
    return BigramModel({"<bos>": "A", "A": "B", "B": "<eos>", "C": "C"})


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
