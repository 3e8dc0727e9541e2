"""Sequence training: the one-call teacher-forced path against the same model stepped.

Training tokens per second (forward, backward, clipping and the fused Adam step, as
``notelab.nn.seq.train`` does) of

- one call: every input is the truth, the decoder runs over the whole sequence at once
  (``notelab.nn.seq.gru.gru_sequence``, compiled kernels, on the CPU);
- one call on ``nn.GRU``: the same with PyTorch's GRU over the packed sequence (what the
  library runs on CUDA and in other dtypes; on the CPU, the reference for the kernels);
- stepped: the same inputs (all the truth) fed token by token, the path scheduled sampling needs;
- scheduled sampling at eps = 0.5: stepped, half the inputs the model's own argmax;
- the PyTorch seq2seq tutorial's way: ``nn.GRU`` called once per token (the peer);
- ceiling: the one-call step with the decoder's recurrence made free (:class:`FreeDecoder`):
  the decoder GRU's output is a cached tensor joined to the graph at almost no cost; the
  source or encoder pass, attention, output layer, loss, backward, clipping and Adam stay real.
  Ceiling / stepped is the most any one-call decoder could gain over the stepped path with
  everything else in the step unchanged; 1 - one call / ceiling is the share of the one-call
  step that the decoder's recurrence takes; (stepped - ceiling) / (one call - ceiling), in
  seconds per token, is how much faster the one call runs the decoder part alone;
- arithmetic bound (``benchmarks._seq_arithmetic``): the step's matrix products over the real
  tokens, forward and backward, at the best rate ``torch.mm`` reaches on this machine (measured
  before and after the rounds, the higher kept): a time no implementation of the step can beat,
  one-call or stepped. Stepped / that time bounds one call / stepped for any implementation;
  one call's share of it is how close the one call already runs to the machine's matmul rate.
  The FLOP count is checked against PyTorch's FlopCounterMode on each model first.

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
import statistics
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
    teacher_forced,
    teacher_forcing,
)
from notelab.nn.seq import decode as decode_policy
from notelab.nn.seq.batch import Batch
from notelab.nn.seq.decoding import DecodeRecord
from notelab.nn.seq.models import DecoderState, SequenceModel
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


class FreeDecoder:
    """The one-call path with the decoder's recurrence made free: its output is a cached tensor.

    The cache holds, per batch, the decoder GRU's real output from the first call (detached).
    Later calls return ``cached + 0 * (embedded.sum() + hidden.sum() + weights)``, so the
    decoder's embeddings, the encoder (through the starting state) and the decoder GRU's
    weights still get gradients: backward, clipping and Adam touch every parameter, as in the
    real step. The source or encoder pass runs its real GRU.
    """

    def __init__(self) -> None:
        self.cache: dict[int, torch.Tensor] = {}

    def __call__(self, model: SequenceModel, batch: Batch) -> DecodeRecord:
        state = model.begin(batch)
        embedded = model.embedding(batch.target_in)
        key = id(batch.target_in)
        if key not in self.cache:
            with torch.no_grad():
                out, _ = models._run_packed(model.gru, embedded, batch.target_lengths, state.hidden)
            self.cache[key] = out
        weights = sum(p.sum() for p in model.gru.parameters())
        out = self.cache[key] + 0 * (embedded.sum() + state.hidden.sum() + weights)
        logits = model._project(out, state)
        truth = torch.ones_like(batch.target_in, dtype=torch.bool)
        return DecodeRecord(logits, batch.target_in, logits.argmax(-1), truth, True)


def nn_gru_one_call(model: SequenceModel, batch: Batch) -> DecodeRecord:
    """The one-call path with ``nn.GRU`` over the packed sequence in place of the kernels."""
    models.COMPILED_GRU = False
    try:
        return teacher_forced(model, batch)
    finally:
        models.COMPILED_GRU = True


ONE, STEPPED = "one call (teacher forced)", "stepped (teacher forced)"
CEILING = "ceiling: one call, decoder recurrence free"


def paths(generator: torch.Generator) -> dict[str, Callable]:
    """Name -> function(model, batch) -> DecodeRecord."""
    half = teacher_forcing(0.5)
    return {
        ONE: teacher_forced,
        "one call on nn.GRU (teacher forced)": nn_gru_one_call,
        STEPPED: lambda m, b: stepped(m, b, torch.ones_like(b.target_in, dtype=torch.bool)),
        CEILING: FreeDecoder(),
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


# Training tokens in one measurement: small sizes pass over their batches several times, so
# that a measurement lasts long enough (0.1 to 0.3 s) for the clock and a busy machine.
TOKENS_PER_ROUND = 10_000


def _round(model, optimizer, batches, path) -> float:
    """Seconds per training token of passes over ``batches`` (about ``TOKENS_PER_ROUND``)."""
    tokens = sum(int(b.target_lengths.sum()) for b in batches)
    passes = max(1, round(TOKENS_PER_ROUND / tokens))
    _sync()
    start = clock()
    for batch in batches * passes:
        loss = sequence_loss(path(model, batch).logits, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clipped_step(model, optimizer, 1.0)  # as notelab.nn.seq.train does
    _sync()
    return (clock() - start) / (tokens * passes)


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


def check_ceiling(model, batch) -> tuple[float, int]:
    """The ceiling against the one-call path on one batch: the loss difference (its cached
    output is the real one here, so ~0) and how many parameters get no gradient (should be 0)."""
    free = FreeDecoder()
    losses = [sequence_loss(path(model, batch).logits, batch) for path in (teacher_forced, free)]
    model.zero_grad(set_to_none=True)
    free_loss = sequence_loss(free(model, batch).logits, batch)  # from the cache
    free_loss.backward()
    missing = sum(p.grad is None for p in model.parameters())
    model.zero_grad(set_to_none=True)
    return abs(losses[0].item() - losses[1].item()) + abs(
        free_loss.item() - losses[0].item()
    ), missing


@dataclass(frozen=True)
class Run:
    """One model's interleaved rounds and the matrix arithmetic per training token of its
    batches (real tokens only)."""

    label: str
    measured: Rounds[str]
    flops_per_token: float


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
    ceiling_difference, no_gradient = check_ceiling(model, batches[0])
    measured = interleave(
        list(named),
        lambda name: _round(model, optimizer, batches, named[name]),
        rounds=rounds,
        warmup_rounds=1,  # also fills the ceiling's cache
    )
    label = f"{size_name}: {LABELS[kind]}"
    formula, counted = counter_check(model, batches[0])
    print(
        f"{label}: largest loss difference between teacher-forced paths {difference:.1e}; "
        f"ceiling against one call {ceiling_difference:.1e}, parameters without a gradient "
        f"in the ceiling {no_gradient}; step FLOPs counted {formula:,}, by PyTorch {counted:,}"
    )
    flops = sum(matmul_flops(config, real_tokens(b)) for b in batches)
    tokens = sum(int(b.target_lengths.sum()) for b in batches)
    return Run(label, measured, flops / tokens)


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


def ceiling_row(label: str, measured: Rounds[str]) -> list:
    """One row of the ceiling table: stepped, one call and ceiling tokens/s, the two ratios to
    the stepped path against the goal, the decoder recurrence's share of the one-call step, and
    how much faster the one call runs the decoder part alone: (stepped - ceiling) / (one call -
    ceiling), times per token (each path's time beyond the work the ceiling keeps)."""
    speed = {name: statistics.median(1 / t for t in measured.of(name)) for name in measured.arms}
    actual = Estimate.median_interval(measured.ratios(STEPPED, ONE))
    ceiling = Estimate.median_interval(measured.ratios(STEPPED, CEILING))
    share = Estimate.median_interval([1 - r for r in measured.ratios(CEILING, ONE)])
    rest = measured.of(CEILING)  # per token: everything but the decoder's recurrence
    decoder = Estimate.median_interval(
        [
            (s - r) / (o - r)
            for s, o, r in zip(measured.of(STEPPED), measured.of(ONE), rest, strict=True)
        ]
    )
    return [
        label,
        speed[STEPPED],
        speed[ONE],
        speed[CEILING],
        f"{actual.value:.2f} ({_interval(actual)})",
        f"{ceiling.value:.2f} ({_interval(ceiling)})",
        _possible(ceiling),
        _percent(share),
        f"{decoder.value:.2f} ({_interval(decoder)})",
    ]


def arithmetic_row(run: Run, peak: float) -> list:
    """One row of the arithmetic table: GFLOPs per 1,000 training tokens, the least time per
    token at ``peak`` FLOPs/s, stepped / that time (the bound on one call / stepped for any
    implementation) against the goal, and the one call's share of the peak rate."""
    least = run.flops_per_token / peak  # seconds per token
    bound = Estimate.median_interval([t / least for t in run.measured.of(STEPPED)])
    share = Estimate.median_interval([least / t for t in run.measured.of(ONE)])
    return [
        run.label,
        run.flops_per_token * 1000 / 1e9,
        1 / least,
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
    peaks = [peak_matmul_rate(clock)] if device.type == "cpu" else []
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
    print_table(
        f"Ceiling: the decoder's recurrence made free (goal: one call / stepped >= {GOAL:g})",
        [
            "model",
            "stepped tokens/s",
            "one call tokens/s",
            "ceiling tokens/s",
            "one call / stepped (95%)",
            "ceiling / stepped (95%)",
            f">= {GOAL:g} possible",
            "decoder recurrence share of one call (95%)",
            "decoder part alone: stepped / one call (95%)",
        ],
        [ceiling_row(run.label, run.measured) for run in runs],
    )
    if peaks:
        _print_arithmetic(runs, max(peaks[0], peak_matmul_rate(clock)))


def _print_arithmetic(runs: list[Run], peak: float) -> None:
    print_table(
        f"Arithmetic bound: the step's matrix products at this machine's best matmul rate, "
        f"{peak / 1e9:.0f} GFLOP/s (goal: one call / stepped >= {GOAL:g})",
        [
            "model",
            "GFLOP per 1,000 tokens",
            "tokens/s at the best rate",
            "bound: stepped / least time (95%)",
            f">= {GOAL:g} possible for any implementation",
            "one call, share of the best rate (95%)",
        ],
        [arithmetic_row(run, peak) for run in runs],
    )


if __name__ == "__main__":
    main()
