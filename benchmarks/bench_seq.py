"""Sequence training: the one-call teacher-forced path against the same model stepped.

Training tokens per second (forward, backward, clipping and the fused Adam step, as
``notelab.nn.seq.train`` does) of

- one call: every input is the truth, the decoder runs over the whole sequence at once
  (``notelab.nn.seq.gru.gru_sequence`` on the CPU);
- stepped: the same inputs (all the truth) fed token by token, the path scheduled sampling needs;
- scheduled sampling at eps = 0.5: stepped, half the inputs the model's own argmax;
- the PyTorch seq2seq tutorial's way: ``nn.GRU`` called once per token (the peer).

Sizes (``--size``): ``finding`` is finding 5's model and data (decoder-only, hidden 48,
batch 32, 3-6 tokens), ``cli`` is ``notelab seq train``'s defaults (hidden 64, batch 64, 4-10
tokens), ``large`` a bigger model on longer sequences (hidden 128, batch 64, 10-20 tokens).

Rounds are interleaved (A B C D A B C D ...); each figure is the median over rounds with its
95% interval, and the ratios are paired per round. Goal: one call >= 3x stepped on the CPU.
Run: .venv/bin/python -m benchmarks.bench_seq [--rounds 5] [--size all] [--clock cpu] [--threads 1]
``--whole-sequence-max-hidden 0`` measures the one-call path on ``nn.GRU`` (the code before the
hand-written GRU), ``1000`` on the hand-written GRU at every size.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from benchmarks._timing import bench_device, print_table
from notelab.findings.stats import Estimate
from notelab.nn.seq import (
    ModelConfig,
    Vocabulary,
    collate,
    encode_pairs,
    models,
    seeded_model,
    sequence_loss,
    stepped,
    task_split,
    teacher_forced,
    teacher_forcing,
)
from notelab.nn.seq import decode as decode_policy
from notelab.nn.seq.decoding import DecodeRecord
from notelab.nn.seq.models import DecoderState
from notelab.nn.seq.training import adam, clipped_step


def tutorial_stepped(model, batch) -> DecodeRecord:
    """The PyTorch tutorial's decoder loop: ``nn.GRU`` on one token at a time (truth fed)."""
    state = model.begin(batch)
    hidden, logits = state.hidden, []
    for t in range(batch.target_in.shape[1]):
        out, hidden = model.gru(model.embedding(batch.target_in[:, t : t + 1]), hidden)
        logits.append(model._project(out, DecoderState(hidden, state.memory, state.memory_mask)))
    stacked = torch.cat(logits, dim=1)
    truth = torch.ones_like(batch.target_in, dtype=torch.bool)
    return DecodeRecord(stacked, batch.target_in, stacked.argmax(-1), truth, False)


def paths(generator: torch.Generator) -> dict[str, Callable]:
    """Name -> function(model, batch) -> DecodeRecord."""
    half = teacher_forcing(0.5)
    return {
        "one call (teacher forced)": teacher_forced,
        "stepped (teacher forced)": lambda m, b: stepped(
            m, b, torch.ones_like(b.target_in, dtype=torch.bool)
        ),
        "scheduled sampling eps=0.5": lambda m, b: decode_policy(m, b, half, generator=generator),
        "PyTorch tutorial (nn.GRU per token)": tutorial_stepped,
    }


def _batches(lengths: tuple[int, int], batch_size: int, count: int, device):
    fit, _ = task_split(
        "reverse", batch_size * count, 1, seed=0, min_length=lengths[0], max_length=lengths[1]
    )
    vocab = Vocabulary.build([s for s, _ in fit] + [t for _, t in fit])
    ids = encode_pairs(fit, vocab)
    batches = [collate(ids[i : i + batch_size]).to(device) for i in range(0, len(ids), batch_size)]
    return vocab, batches


@dataclass(frozen=True)
class Size:
    """A model size and the data it trains on."""

    hidden: int
    embedding: int
    batch: int
    lengths: tuple[int, int]
    kinds: tuple[str, ...] = ("seq2seq", "attention", "lm")


SIZES = {
    "finding": Size(48, 16, 32, (3, 6), ("lm",)),  # finding 5's MODEL, BATCH and LENGTHS
    "cli": Size(64, 32, 64, (4, 10)),  # notelab seq train's defaults
    "large": Size(128, 64, 64, (10, 20)),
}
LABELS = {"seq2seq": "encoder-decoder", "attention": "encoder-decoder + attention", "lm": "LM"}


CLOCK = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCK["wall"]


def _round(model, optimizer, batches, path) -> float:
    """Training tokens per second of one pass over ``batches``."""
    tokens = sum(int(b.target_lengths.sum()) for b in batches)
    _sync()
    start = clock()
    for batch in batches:
        loss = sequence_loss(path(model, batch).logits, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clipped_step(model, optimizer, 1.0)  # as notelab.nn.seq.train does
    _sync()
    return tokens / (clock() - start)


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def check_same_loss(model, batch, generator) -> float:
    """Largest loss difference between the teacher-forced paths (should be ~1e-7)."""
    losses = [
        sequence_loss(path(model, batch).logits, batch).item()
        for name, path in paths(generator).items()
        if "teacher" in name or "tutorial" in name
    ]
    return max(losses) - min(losses)


def bench(size_name: str, kind: str, rounds: int, device) -> list:
    """Rows of the table for one model at one size."""
    size = SIZES[size_name]
    vocab, batches = _batches(size.lengths, size.batch, 4, device)
    config = ModelConfig(
        kind="lm" if kind == "lm" else "seq2seq",
        attention=kind == "attention",
        vocabulary=len(vocab),
        embedding_dim=size.embedding,
        hidden_size=size.hidden,
    )
    generator = torch.Generator().manual_seed(0)
    model = seeded_model(config, 0).to(device)
    optimizer = adam(model, 1e-3)  # as notelab.nn.seq.train does
    named = paths(generator)
    difference = check_same_loss(model, batches[0], generator)
    for path in named.values():  # warm-up
        _round(model, optimizer, batches[:1], path)
    speeds: dict[str, list[float]] = {name: [] for name in named}
    for _ in range(rounds):
        for name, path in named.items():
            speeds[name].append(_round(model, optimizer, batches, path))
    label = f"{size_name}: {LABELS[kind]}"
    print(f"{label}: largest loss difference between teacher-forced paths {difference:.1e}")
    return [
        _row(label, name, values, speeds["one call (teacher forced)"])
        for name, values in speeds.items()
    ]


def _row(label: str, name: str, values: list[float], one: list[float]) -> list:
    speed = Estimate.median_interval(values)
    ratio = Estimate.median_interval([a / b for a, b in zip(one, values, strict=True)])
    return [
        label,
        name,
        speed.value,
        f"{speed.low:,.0f} to {speed.high:,.0f}",
        ratio.value,
        f"{ratio.low:.2f} to {ratio.high:.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", choices=[*SIZES, "all"], default="all")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCK),
        default="wall",
        help="cpu: process time (all threads), for a machine busy with other work",
    )
    parser.add_argument("--threads", type=int, help="torch threads (default: 1 with --clock cpu)")
    parser.add_argument(
        "--whole-sequence-max-hidden",
        type=int,
        help="the largest hidden size whose one call uses notelab.nn.seq.gru_sequence rather "
        "than nn.GRU on the packed sequence (default: the library's; 0: always nn.GRU)",
    )
    args = parser.parse_args()
    if args.whole_sequence_max_hidden is not None:
        models.WHOLE_SEQUENCE_MAX_HIDDEN = args.whole_sequence_max_hidden
    global clock
    clock = CLOCK[args.clock]
    threads = args.threads or (1 if args.clock == "cpu" else None)
    if threads:
        torch.set_num_threads(threads)
    device = torch.device(bench_device())
    print(
        f"torch {torch.__version__} on {device}, {torch.get_num_threads()} threads, "
        f"{args.clock} clock; one call on gru_sequence up to hidden "
        f"{models.WHOLE_SEQUENCE_MAX_HIDDEN}"
    )
    for name, size in SIZES.items():
        print(
            f"{name}: hidden {size.hidden}, embedding {size.embedding}, batch {size.batch}, "
            f"targets of {size.lengths[0]}-{size.lengths[1]} tokens"
        )
    rows = []
    for name in SIZES if args.size == "all" else [args.size]:
        for kind in SIZES[name].kinds:
            rows += bench(name, kind, args.rounds, device)
    print_table(
        f"Training tokens per second, median of {args.rounds} interleaved rounds",
        ["model", "path", "tokens/s", "95% interval", "one call / this", "95% interval"],
        rows,
    )
    stepped_rows = [r for r in rows if r[1] == "stepped (teacher forced)"]
    print(
        "one call / stepped: "
        + ", ".join(f"{r[0]} {r[4]:.2f}x" for r in stepped_rows)
        + " (goal >= 3x)"
    )


if __name__ == "__main__":
    main()
