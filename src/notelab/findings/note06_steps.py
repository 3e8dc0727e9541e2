"""Finding 6: epoch, batch size and step, checked against the optimizer steps of a real loop."""

from __future__ import annotations

import itertools

from notelab.findings._plot import new_axes
from notelab.findings.model import Claim, Figure, Finding, Table, Verdict
from notelab.training.loop import count_training_loop
from notelab.training.schedule import ACCUMULATION_MODES, schedule

# (samples, batch size, epochs): the note's 1,000 images and note 1's 89,000 examples.
NOTE_CASES = [(1000, 100, 1), (1000, 100, 5), (89_000, 1, 1), (89_000, 2, 1)]
GRID_SAMPLES = {"quick": (1000, 1003), "full": (1000, 1003, 4097, 10_000)}
GRID_BATCH = {"quick": (7, 100, 128, 333), "full": (1, 7, 100, 128, 333, 1000)}
GRID_ACCUMULATE = (1, 3, 4)


def _check(samples: int, batch: int, epochs: int, drop: bool, k: int, mode: str) -> dict:
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


def _grid(scale: str) -> list[dict]:
    rows = []
    for n, b, drop, k, mode in itertools.product(
        GRID_SAMPLES[scale], GRID_BATCH[scale], (False, True), GRID_ACCUMULATE, ACCUMULATION_MODES
    ):
        if k == 1 and mode != "flush":
            continue  # without accumulation the three modes are the same loop
        rows.append(_check(n, b, 2, drop, k, mode))
    return rows


def _note_claims(note_rows: list[dict]) -> list[Claim]:
    by_case = {(r["samples"], r["batch_size"], r["epochs"]): r for r in note_rows}
    one, five = by_case[(1000, 100, 1)], by_case[(1000, 100, 5)]
    b1, b2 = by_case[(89_000, 1, 1)], by_case[(89_000, 2, 1)]
    about = abs(b2["counted_steps"] - 45_000) / 45_000
    return [
        Claim(
            "An epoch is one pass over all 1,000 examples.",
            Verdict.of(one["counted_samples"] == 1000),
            f"A real DataLoader loop consumed {one['counted_samples']} samples in one epoch.",
        ),
        Claim(
            "With batch size 100, one epoch of 1,000 images is 10 steps.",
            Verdict.of(one["counted_steps"] == 10),
            f"The optimizer stepped {one['counted_steps']} times in one epoch.",
        ),
        Claim(
            "5 epochs at batch size 100 are 50 steps.",
            Verdict.of(five["counted_steps"] == 50),
            f"The optimizer stepped {five['counted_steps']} times in 5 epochs.",
        ),
        Claim(
            "Note 1: 89,000 examples at batch size 1 are 89,000 steps per epoch.",
            Verdict.of(b1["counted_steps"] == 89_000),
            f"The optimizer stepped {b1['counted_steps']:,} times in one epoch.",
        ),
        Claim(
            "Note 1: at batch size 2 an epoch is about 45,000 steps.",
            Verdict.of(about <= 0.02 and b2["counted_steps"] == b2["predicted_steps"]),
            f"Exactly {b2['counted_steps']:,} steps were counted: "
            f"{about:.1%} from the note's rounded 45,000.",
        ),
    ]


def _formula_claim(grid: list[dict]) -> list[Claim]:
    plain = [r for r in grid if r["accumulate"] == 1 and r["epochs"] >= 1]
    exact = [r for r in plain if r["counted_steps"] == r["epochs"] * r["samples"] / r["batch_size"]]
    mismatches = [r for r in grid if not r["match"]]
    return [
        Claim(
            "Steps per epoch = number of examples / batch size.",
            Verdict.from_checks(len(exact), len(plain)),
            f"N / B equalled the counted steps in {len(exact)} of {len(plain)} runs; with a "
            "partial last batch the count is ceil(N / B), or floor(N / B) with drop_last.",
        ),
        Claim(
            "The arithmetic (drop_last, gradient accumulation, every flush/drop/carry "
            "convention) predicts a real loop's optimizer steps exactly.",
            Verdict.from_checks(len(grid) - len(mismatches), len(grid)),
            f"{len(grid) - len(mismatches)} of {len(grid)} runs matched"
            + ("." if not mismatches else f"; first mismatch: {mismatches[0]}."),
        ),
    ]


def _figure() -> Figure:
    figure, axes = new_axes()
    sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    for n in (1000, 89_000):
        axes.plot(sizes, [schedule(n, b).batches_per_epoch for b in sizes], "o-", label=f"N={n:,}")
    axes.set(
        xscale="log",
        yscale="log",
        xlabel="batch size",
        ylabel="steps per epoch",
        title="Steps per epoch = ceil(N / B)",
    )
    axes.legend()
    return Figure("note06-steps", "Steps per epoch against batch size (log-log).", figure)


def run(scale: str = "quick", seed: int = 0) -> Finding:
    """Check note 6's arithmetic against the optimizer steps of real PyTorch loops."""
    note_rows = [_check(n, b, e, False, 1, "flush") for n, b, e in NOTE_CASES]
    grid = _grid(scale)
    columns = [
        "samples",
        "batch_size",
        "epochs",
        "drop_last",
        "accumulate",
        "mode",
        "predicted_steps",
        "counted_steps",
        "match",
    ]
    return Finding(
        note=6,
        title="Epoch, batch size, step",
        claims=_note_claims(note_rows) + _formula_claim(grid),
        tables=[
            Table(
                "The note's examples, counted in a real loop",
                columns,
                [[r[c] for c in columns] for r in note_rows],
            ),
            Table(
                f"Grid of {len(grid)} runs (2 epochs each)",
                columns,
                [[r[c] for c in columns] for r in grid],
            ),
        ],
        figures=[_figure()],
        data={"note_examples": note_rows, "grid": grid, "seed": seed},
    )
