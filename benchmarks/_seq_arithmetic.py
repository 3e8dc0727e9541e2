"""The arithmetic of a sequence-training step, for bench_seq's bound.

A training step of the GRU models multiplies matrices: each GRU pass's input and hidden sides,
the output layer and, with attention, the scores, the context and the combining layer; the
backward multiplies twice as much again (the gradients of the inputs and of the weights).
Counted over the real tokens only (no padding), that is the least matrix work any
implementation of the step must do, whether it runs the decoder in one call or step by step.
Divided by the best rate this machine multiplies matrices at (:func:`peak_matmul_rate`, over
``torch.mm`` and NumPy's BLAS), it is a time no implementation multiplying per token can beat;
the stepped path's time over it bounds how much faster than the stepped path such a one-call
path could be. The fused one call multiplies less: its first GRU layer's input side is made
once per vocabulary entry, not per token (``per_entry`` counts that), so the bound does not
hold for it; its share of the best rate is taken over its own count.

The count is checked against PyTorch's own (``torch.utils.flop_counter``) on the stepped path
with ``nn.GRU`` for the source (:func:`counter_check`): there the source pass is packed (real
tokens), the decoder runs over the padded steps and the two counts agree exactly.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from notelab.nn.seq import models, sequence_loss, stepped
from notelab.nn.seq.batch import Batch
from notelab.nn.seq.models import ModelConfig, SequenceModel


@dataclass(frozen=True)
class Tokens:
    """What one step's matrix products run over: ``rows`` examples, their source tokens (the
    encoder's or the LM's prompt pass), decoder tokens and, with attention, (decoder token,
    source position) pairs."""

    rows: int
    source: int
    decoder: int
    attention_pairs: int


def real_tokens(batch: Batch) -> Tokens:
    """The real (unpadded) tokens of ``batch``: the least any implementation must process."""
    source, target = batch.source_lengths, batch.target_lengths
    return Tokens(batch.size, int(source.sum()), int(target.sum()), int((source * target).sum()))


def _padded_decoder(batch: Batch) -> Tokens:
    """Real source tokens, padded decoder steps (attention over the padded source): what the
    stepped path with ``nn.GRU`` on the packed source computes."""
    size, steps = batch.target_in.shape
    pairs = size * steps * batch.source.shape[1]
    return Tokens(size, int(batch.source_lengths.sum()), size * steps, pairs)


def matmul_flops(config: ModelConfig, tokens: Tokens, *, per_entry: bool = False) -> int:
    """FLOPs (two per multiply-add) of one training step's matrix products, forward and
    backward (3x the forward's), over ``tokens``. Element-wise work is left out, and so are
    the source pass's products with its zero starting state (its first step's hidden side,
    forward and backward), which no implementation needs.

    ``per_entry``: the products as the fused one call makes them, the first GRU layer's input
    side once per vocabulary entry in each pass that has more tokens than entries
    (``notelab.nn.seq.fused``; the language model reads prompt and target in one pass)."""
    e, h = config.embedding_dim, config.hidden_size
    inputs = [e] + [h] * (config.num_layers - 1)
    gru_per_token = sum(18 * h * (i + h) for i in inputs)  # 3 gates: 2 * 3h * (i + h), x3
    decoder = tokens.decoder * (gru_per_token + 6 * h * config.vocabulary)
    attention = 0
    if config.attention:  # score and combining layers, then scores and context per pair
        attention = tokens.decoder * 18 * h * h + tokens.attention_pairs * 12 * h
    zero_start = 2 * _zero_start_product(config, tokens.rows)
    total = tokens.source * gru_per_token - zero_start + decoder + attention
    if per_entry:  # the first layer's input side: per entry instead of per token
        passes = (
            [tokens.source + tokens.decoder]
            if config.kind == "lm"
            else [
                tokens.source,
                tokens.decoder,
            ]
        )
        total -= sum(18 * h * e * (n - config.vocabulary) for n in passes if n > config.vocabulary)
    return total


def _zero_start_product(config: ModelConfig, rows: int) -> int:
    """FLOPs of one product of the source pass's zero starting state with ``W_hh`` (all
    layers), forward or backward."""
    return config.num_layers * 2 * rows * 3 * config.hidden_size**2


def counter_check(model: SequenceModel, batch: Batch) -> tuple[int, int]:
    """``(matmul_flops, PyTorch's count)`` for the stepped path with ``nn.GRU`` on the source;
    ``nn.GRU`` multiplies its zero starting state forward (not backward), so that product is
    added to the count here."""
    from torch.utils.flop_counter import FlopCounterMode

    truth = torch.ones_like(batch.target_in, dtype=torch.bool)
    models.COMPILED_GRU = False
    try:
        with FlopCounterMode(display=False) as counter:
            sequence_loss(stepped(model, batch, truth).logits, batch).backward()
    finally:
        models.COMPILED_GRU = True
        model.zero_grad(set_to_none=True)
    config, tokens = model.config, _padded_decoder(batch)
    expected = matmul_flops(config, tokens) + _zero_start_product(config, tokens.rows)
    return expected, counter.get_total_flops()


PEAK_SHAPES = ((512, 512, 512), (1024, 1024, 1024), (2048, 512, 1536), (1344, 192, 384))


def peak_matmul_rate(clock: Callable[[], float] = time.perf_counter, repeat: int = 5) -> float:
    """The best FLOPs per second of a float32 matmul here, over both libraries the step can
    use (``torch.mm`` and NumPy's BLAS, which the compiled path calls; NumPy's held to torch's
    thread count) and a few shapes, large and like the step's, each the fastest of ``repeat``
    timings."""
    from threadpoolctl import threadpool_limits

    best = 0.0
    with threadpool_limits(limits=torch.get_num_threads(), user_api="blas"):
        for m, k, n in PEAK_SHAPES:
            a, b, out = torch.randn(m, k), torch.randn(k, n), torch.empty(m, n)
            multiplies = (
                functools.partial(torch.mm, a, b, out=out),
                functools.partial(np.matmul, a.numpy(), b.numpy(), out=out.numpy()),
            )
            for multiply in multiplies:
                best = max(best, _rate(multiply, 2 * m * k * n, clock, repeat))
    return best


def _rate(
    multiply: Callable[[], object], flops: int, clock: Callable[[], float], repeat: int
) -> float:
    """FLOPs per second of ``multiply`` (``flops`` a call): the fastest of ``repeat`` timings."""
    calls = max(3, int(4e8 / flops))
    multiply()
    best = 0.0
    for _ in range(repeat):
        start = clock()
        for _ in range(calls):
            multiply()
        elapsed = clock() - start
        if elapsed > 0:
            best = max(best, flops * calls / elapsed)
    return best
