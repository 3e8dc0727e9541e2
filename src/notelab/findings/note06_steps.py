"""Finding 6: epoch, batch size and step, checked against the optimizer steps of a real loop."""

from __future__ import annotations

import itertools
from typing import Any

from notelab._util.estimate import Estimate
from notelab._util.numbers import count, sig
from notelab.findings._plot import log_log, new_axes
from notelab.findings._threads import one_thread
from notelab.findings.model import Claim, Figure, Finding, Table
from notelab.findings.registry import note_title
from notelab.findings.stats import at_most, between
from notelab.training.loop import count_training_loop
from notelab.training.schedule import ACCUMULATION_MODES, schedule

TITLE = note_title(6)  # the registry is the titles' one home

# (samples, batch size, epochs): the note's 1,000 images and note 1's 89,000 examples.
NOTE_CASES = [(1000, 100, 1), (1000, 100, 5), (89_000, 1, 1), (89_000, 2, 1)]
GRID_SAMPLES = {"quick": (1000, 1003), "full": (1000, 1003, 4097, 10_000)}
GRID_BATCH = {"quick": (7, 100, 128, 333), "full": (1, 7, 100, 128, 333, 1000)}
GRID_ACCUMULATE = (1, 3, 4)

# "About 45,000 steps": within this share of 45,000.
ABOUT = 0.02
# N / B against the counted steps per epoch: exact, or off by less than the partial last batch.
FORMULA_HOLDS, FORMULA_PARTLY = at_most(0.0), at_most(1.0)
# Runs whose optimizer steps or samples differ from the arithmetic.
MISMATCH_HOLDS = at_most(0.0)

COLUMNS = {
    "samples": "samples",
    "batch_size": "batch size",
    "epochs": "epochs",
    "drop_last": "drop last batch",
    "accumulate": "batches per step",
    "mode": "leftover batches",
    "predicted_steps": "predicted steps",
    "counted_steps": "counted steps",
    "match": "match",
}


def _check(samples: int, batch: int, epochs: int, drop: bool, k: int, mode: str) -> dict[str, Any]:
    predicted = schedule(
        samples, batch, epochs=epochs, drop_last=drop, accumulate=k, accumulation_mode=mode
    )
    counted = count_training_loop(
        samples, batch, epochs=epochs, drop_last=drop, accumulate=k, accumulation_mode=mode
    )
    return {
        "samples": samples,
        "batch_size": batch,
        "epochs": epochs,
        "drop_last": drop,
        "accumulate": k,
        "mode": mode,
        "predicted_steps": predicted.total_steps,
        "counted_steps": counted.optimizer_steps,
        "predicted_samples": predicted.samples_seen,
        "counted_samples": counted.samples_seen,
        "match": predicted.total_steps == counted.optimizer_steps
        and predicted.samples_seen == counted.samples_seen,
    }


def _grid(scale: str) -> list[dict[str, Any]]:
    rows = []
    for n, b, drop, k, mode in itertools.product(
        GRID_SAMPLES[scale], GRID_BATCH[scale], (False, True), GRID_ACCUMULATE, ACCUMULATION_MODES
    ):
        if k == 1 and mode != "flush":
            continue  # without accumulation the three modes are the same loop
        rows.append(_check(n, b, 2, drop, k, mode))
    return rows


def measure(scale: str) -> dict[str, Any]:
    """The note's examples and a grid of loops, each predicted and counted."""
    with one_thread():  # a linear model of 4 weights: threads would only add overhead
        return {
            "note_examples": [_check(n, b, e, False, 1, "flush") for n, b, e in NOTE_CASES],
            "grid": _grid(scale),
        }


def _exact_claim(text: str, counted: int, expected: int, what: str) -> Claim:
    return Claim.judged(
        text,
        Estimate.exact(counted, method=f"{what} counted in a real loop"),
        holds=between(expected, expected),
        evidence=f"A real DataLoader loop counted {count(counted)} {what}.",
    )


def _note_claims(note_rows: list[dict[str, Any]]) -> list[Claim]:
    case = {(r["samples"], r["batch_size"], r["epochs"]): r for r in note_rows}
    one, five = case[(1000, 100, 1)], case[(1000, 100, 5)]
    b1, b2 = case[(89_000, 1, 1)], case[(89_000, 2, 1)]
    return [
        _exact_claim(
            "An epoch is one pass over all 1,000 examples.",
            one["counted_samples"],
            1000,
            "samples in one epoch",
        ),
        _exact_claim(
            "With batch size 100, one epoch of 1,000 images is 10 steps.",
            one["counted_steps"],
            10,
            "optimizer steps in one epoch",
        ),
        _exact_claim(
            "5 epochs at batch size 100 are 50 steps.",
            five["counted_steps"],
            50,
            "optimizer steps in 5 epochs",
        ),
        _exact_claim(
            "Note 1: 89,000 examples at batch size 1 are 89,000 steps per epoch.",
            b1["counted_steps"],
            89_000,
            "optimizer steps in one epoch",
        ),
        Claim.judged(
            "Note 1: at batch size 2 an epoch is about 45,000 steps.",
            Estimate.exact(b2["counted_steps"], method="optimizer steps counted in a real loop"),
            holds=between(45_000 * (1 - ABOUT), 45_000 * (1 + ABOUT)),
            evidence=f"Exactly {count(b2['counted_steps'])} steps were counted (predicted "
            f"{count(b2['predicted_steps'])}): "
            f"{sig(100 * abs(b2['counted_steps'] - 45_000) / 45_000, 2)}% from the note's "
            "rounded 45,000.",
        ),
    ]


def _formula_claim(grid: list[dict[str, Any]]) -> Claim:
    plain = [r for r in grid if r["accumulate"] == 1]
    off = [
        abs(r["counted_steps"] - r["epochs"] * r["samples"] / r["batch_size"]) / r["epochs"]
        for r in plain
    ]
    exact = sum(x == 0 for x in off)
    return Claim.judged(
        "Steps per epoch = number of examples / batch size.",
        Estimate.exact(max(off), count=len(plain), method=f"largest error over {len(plain)} runs"),
        holds=FORMULA_HOLDS,
        partly=FORMULA_PARTLY,
        evidence=f"N / B equalled the counted steps per epoch in {exact} of {len(plain)} runs; "
        f"otherwise it was off by up to {sig(max(off))} steps: with a partial last batch the "
        "count is ceil(N / B), or floor(N / B) with drop_last.",
    )


def _arithmetic_claim(grid: list[dict[str, Any]]) -> Claim:
    mismatches = [r for r in grid if not r["match"]]
    return Claim.judged(
        "The arithmetic (drop_last, gradient accumulation, every flush/drop/carry "
        "convention) predicts a real loop's optimizer steps exactly.",
        Estimate.exact(len(mismatches), count=len(grid), method=f"mismatches in {len(grid)} runs"),
        holds=MISMATCH_HOLDS,
        evidence=f"{len(grid) - len(mismatches)} of {len(grid)} runs matched in steps and samples"
        + ("." if not mismatches else f"; first mismatch: {mismatches[0]}."),
    )


def run(scale: str = "quick", seed: int = 0) -> Finding:
    """Check note 6's arithmetic against the optimizer steps of real PyTorch loops."""
    m = measure(scale)
    return Finding(
        note=6,
        title=TITLE,
        claims=[
            *_note_claims(m["note_examples"]),
            _formula_claim(m["grid"]),
            _arithmetic_claim(m["grid"]),
        ],
        tables=[
            Table.from_records(
                "The note's examples, counted in a real loop", m["note_examples"], COLUMNS
            ),
            Table.from_records(
                f"Grid of {len(m['grid'])} runs (2 epochs each)", m["grid"], COLUMNS
            ),
        ],
        figures=[_figure()],
        data={**m, "seed": seed},
        workload=f"{len(m['note_examples'])} of the note's examples and a grid of "
        f"{len(m['grid'])} loops: a linear model trained with PyTorch's DataLoader and SGD.",
    )


def _figure() -> Figure:
    figure, axes = new_axes()
    sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    for n in (1000, 89_000):
        axes.plot(
            sizes, [schedule(n, b).batches_per_epoch for b in sizes], "o-", label=f"N={count(n)}"
        )
    log_log(
        axes, xlabel="batch size", ylabel="steps per epoch", title="Steps per epoch = ceil(N / B)"
    )
    axes.legend()
    return Figure("note06-steps", "Steps per epoch against batch size (log-log).", figure)
