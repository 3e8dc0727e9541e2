"""Sequence training: the one-call teacher-forced path against the same model stepped.

Training tokens per second (forward, backward, clipping and the Adam step, as
``notelab.nn.seq.train`` does, with its optimizer) of

- one call: every input is the truth, so the loss is a fixed function of the parameters; on
  the CPU training computes it and its gradients without autograd
  (``notelab.nn.seq.training.backward`` -> ``notelab.nn.seq.fused.add_gradients``: the
  compiled GRU kernels over packed real tokens, the first layer's input side per vocabulary
  entry, attention, the output layer and the loss in NumPy);
- one call on ``nn.GRU``: the same step through PyTorch's own operations, ``nn.GRU`` over the
  packed sequence (what the library runs on CUDA and in other dtypes; on the CPU, the
  reference for the kernels);
- stepped: the same inputs (all the truth) fed token by token, the path scheduled sampling needs;
- scheduled sampling at eps = 0.5: stepped, half the inputs the model's own argmax;
- the PyTorch seq2seq tutorial's way: ``nn.GRU`` called once per token (the peer);
- arithmetic bound (``benchmarks._seq_arithmetic``): the step's matrix products over the real
  tokens, forward and backward, at the best rate ``torch.mm`` or NumPy's BLAS reaches on this
  machine (measured before and after the rounds, the higher kept): a time no implementation
  multiplying per token can beat, one-call or stepped. Stepped / that time bounds one call /
  stepped for such implementations. The fused one call multiplies less (its first layer's
  input side per vocabulary entry), so the bound does not hold for it; its share of the best
  rate is taken over its own products, how close it runs to the machine's matmul rate.
  The per-token FLOP count is checked against PyTorch's FlopCounterMode on each model first.

Sizes (``--size``): ``finding`` is finding 5's model and data (decoder-only, hidden 48,
batch 32, 3-6 tokens), ``cli`` is ``notelab seq train``'s defaults (hidden 64, batch 64, 4-10
tokens), ``large`` a bigger model on longer sequences (hidden 128, batch 64, 10-20 tokens).

Rounds are interleaved (``notelab._util.rounds.interleave``: A B C, then C B A, ...); each
figure is the median over rounds with its 95% interval, and the ratios are paired per round.
Goal: one call >= 3x stepped on the CPU.
Run: .venv/bin/python -m benchmarks.bench_seq [--rounds 9] [--size all] [--clock cpu] [--threads 1]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from benchmarks._seq_arithmetic import counter_check, matmul_flops, peak_matmul_rate, real_tokens
from benchmarks._timing import bench_device, print_table
from notelab._util.rounds import Rounds, interleave
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
    teacher_forced_loss,
    teacher_forcing,
)
from notelab.nn.seq import decode as decode_policy
from notelab.nn.seq.batch import Batch
from notelab.nn.seq.decoding import DecodeRecord
from notelab.nn.seq.models import DecoderState, SequenceModel
from notelab.nn.seq.optim import adam, clipped_step
from notelab.nn.seq.training import backward


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


def nn_gru(step: Callable[[SequenceModel, Batch], object]) -> Callable:
    """``step`` with the GRU and the loss through PyTorch's own operations (``nn.GRU`` over
    the packed sequence, autograd)."""

    def through_pytorch(model: SequenceModel, batch: Batch):
        models.COMPILED_GRU = False
        try:
            return step(model, batch)
        finally:
            models.COMPILED_GRU = True

    return through_pytorch


def _loss(decoding: Callable[[SequenceModel, Batch], DecodeRecord]) -> Callable:
    return lambda model, batch: sequence_loss(decoding(model, batch).logits, batch)


ONE, STEPPED = "one call (teacher forced)", "stepped (teacher forced)"
NN_GRU = "one call on nn.GRU (teacher forced)"


def losses(generator: torch.Generator) -> dict[str, Callable[[SequenceModel, Batch], torch.Tensor]]:
    """Name -> function(model, batch) -> the training loss, as each path computes it."""
    half = teacher_forcing(0.5)
    one_call = lambda m, b: teacher_forced_loss(m, b)[1]  # noqa: E731
    return {
        ONE: one_call,
        NN_GRU: nn_gru(one_call),
        STEPPED: _loss(lambda m, b: stepped(m, b, torch.ones_like(b.target_in, dtype=torch.bool))),
        "scheduled sampling eps=0.5": _loss(
            lambda m, b: decode_policy(m, b, half, generator=generator)
        ),
        "PyTorch tutorial (nn.GRU per token)": _loss(tutorial_stepped),
    }


def _backward(loss: Callable[[SequenceModel, Batch], torch.Tensor]) -> Callable:
    return lambda model, batch: loss(model, batch).backward()


def paths(generator: torch.Generator) -> dict[str, Callable[[SequenceModel, Batch], object]]:
    """Name -> function(model, batch) that adds the loss's gradient into the parameters'
    ``.grad``: the one-call paths as ``notelab.nn.seq.train`` computes them
    (``notelab.nn.seq.training.backward``), the others through autograd."""
    every = teacher_forcing()
    one_call = lambda m, b: backward(m, b, every)  # noqa: E731
    through_autograd = {name: _backward(loss) for name, loss in losses(generator).items()}
    return {**through_autograd, ONE: one_call, NN_GRU: nn_gru(one_call)}


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


# Training tokens in one measurement: small sizes pass over their batches several times, so
# that a measurement lasts long enough (0.1 to 0.3 s) for the clock and a busy machine.
TOKENS_PER_ROUND = 10_000


def _round(model, optimizer, batches, path) -> float:
    """Seconds per training token of passes over ``batches`` (about ``TOKENS_PER_ROUND``)."""
    tokens = _tokens(batches)
    passes = max(1, round(TOKENS_PER_ROUND / tokens))
    _sync()
    start = clock()
    for batch in batches * passes:  # as notelab.nn.seq.train does
        optimizer.zero_grad(set_to_none=True)
        path(model, batch)
        clipped_step(model, optimizer, 1.0)
    _sync()
    return (clock() - start) / (tokens * passes)


def _tokens(batches: list[Batch]) -> int:
    """Training tokens (real target positions) in ``batches``."""
    return sum(int(b.target_lengths.sum()) for b in batches)


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def check_same_loss(model, batch, generator) -> float:
    """Largest loss difference between the teacher-forced paths (should be ~1e-7)."""
    values = [
        loss(model, batch).item()
        for name, loss in losses(generator).items()
        if "teacher" in name or "tutorial" in name
    ]
    values.append(backward(model, batch, teacher_forcing()).loss)  # training's one call
    model.zero_grad(set_to_none=True)
    return max(values) - min(values)


@dataclass(frozen=True)
class Run:
    """One model's interleaved rounds and the matrix arithmetic per training token of its
    batches (real tokens only)."""

    label: str
    measured: Rounds[str]
    flops_per_token: float
    one_call_flops_per_token: float  # as the fused one call multiplies (per vocabulary entry)


def bench(size_name: str, kind: str, rounds: int, device) -> Run:
    """Seconds per training token of every path, in interleaved rounds, for one model."""
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
    measured = interleave(
        list(named),
        lambda name: _round(model, optimizer, batches, named[name]),
        rounds=rounds,
        warmup_rounds=1,
    )
    label = f"{size_name}: {LABELS[kind]}"
    formula, counted = counter_check(model, batches[0])
    print(
        f"{label}: largest loss difference between teacher-forced paths {difference:.1e}; "
        f"step FLOPs counted {formula:,}, by PyTorch {counted:,}"
    )
    tokens = [real_tokens(b) for b in batches]
    flops = sum(matmul_flops(config, t) for t in tokens)
    one_call = sum(matmul_flops(config, t, per_entry=True) for t in tokens)
    return Run(label, measured, flops / _tokens(batches), one_call / _tokens(batches))


def _interval(estimate: Estimate, digits: str = ".2f") -> str:
    return f"{estimate.low:{digits}} to {estimate.high:{digits}}"


def speed_rows(label: str, measured: Rounds[str]) -> list[list]:
    """Rows of the speed table: each path's tokens/s and one call / this path."""
    rows = []
    for name in measured.arms:
        speed = Estimate.median_interval([1 / t for t in measured.of(name)])
        ratio = Estimate.median_interval(measured.ratios(name, ONE))
        rows.append(
            [label, name, speed.value, _interval(speed, ",.0f"), ratio.value, _interval(ratio)]
        )
    return rows


def arithmetic_row(run: Run, peak: float) -> list:
    """One row of the goal table: GFLOPs per 1,000 training tokens (per token, and as the one
    call multiplies), one call / stepped against the goal, stepped / the least time (the
    bound on one call / stepped for implementations multiplying per token) against the goal,
    and the one call's share of the peak rate over its own products."""
    least = run.flops_per_token / peak  # seconds per token
    actual = Estimate.median_interval(run.measured.ratios(STEPPED, ONE))
    bound = Estimate.median_interval([t / least for t in run.measured.of(STEPPED)])
    own = run.one_call_flops_per_token / peak
    share = Estimate.median_interval([own / t for t in run.measured.of(ONE)])
    return [
        run.label,
        run.flops_per_token * 1000 / 1e9,
        run.one_call_flops_per_token * 1000 / 1e9,
        f"{actual.value:.2f} ({_interval(actual)})",
        _possible(actual),
        f"{bound.value:.2f} ({_interval(bound)})",
        _possible(bound),
        _percent(share),
    ]


def _possible(ratio: Estimate) -> str:
    return "yes" if ratio.low >= GOAL else "no" if ratio.high < GOAL else "undecided"


def _percent(estimate: Estimate) -> str:
    return f"{estimate.value:.0%} ({estimate.low:.0%} to {estimate.high:.0%})"


GOAL = 3.0  # one call / stepped, training tokens per second


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--size", choices=[*SIZES, "all"], default="all")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCK),
        default="wall",
        help="cpu: process time (all threads), for a machine busy with other work",
    )
    parser.add_argument("--threads", type=int, help="torch threads (default: 1 with --clock cpu)")
    return parser.parse_args()


def _setup(args: argparse.Namespace) -> torch.device:
    global clock
    clock = CLOCK[args.clock]
    threads = args.threads or (1 if args.clock == "cpu" else None)
    if threads:
        torch.set_num_threads(threads)
    device = torch.device(bench_device())
    print(
        f"torch {torch.__version__} on {device}, {torch.get_num_threads()} threads, "
        f"{args.clock} clock"
    )
    for name, size in SIZES.items():
        print(
            f"{name}: hidden {size.hidden}, embedding {size.embedding}, batch {size.batch}, "
            f"targets of {size.lengths[0]}-{size.lengths[1]} tokens"
        )
    return device


def main() -> None:
    args = _parse()
    device = _setup(args)
    peak = peak_matmul_rate(clock) if device.type == "cpu" else None
    runs = [
        bench(name, kind, args.rounds, device)
        for name in (SIZES if args.size == "all" else [args.size])
        for kind in SIZES[name].kinds
    ]
    print_table(
        f"Training tokens per second, median of {args.rounds} interleaved rounds",
        ["model", "path", "tokens/s", "95% interval", "one call / this", "95% interval"],
        [row for run in runs for row in speed_rows(run.label, run.measured)],
    )
    if peak is not None:  # measured before and after the rounds, the higher kept
        _print_arithmetic(runs, max(peak, peak_matmul_rate(clock)))


def _print_arithmetic(runs: list[Run], peak: float) -> None:
    print_table(
        f"Goal: one call / stepped >= {GOAL:g}; the arithmetic bound: the step's matrix "
        f"products per token at this machine's best matmul rate, {peak / 1e9:.0f} GFLOP/s",
        [
            "model",
            "GFLOP per 1,000 tokens",
            "as the one call multiplies",
            "one call / stepped (95%)",
            f">= {GOAL:g}",
            "bound: stepped / least time (95%)",
            f">= {GOAL:g} possible multiplying per token",
            "one call, share of the best rate (95%)",
        ],
        [arithmetic_row(run, peak) for run in runs],
    )


if __name__ == "__main__":
    main()
