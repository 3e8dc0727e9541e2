"""The options of ``notelab seq train`` and the data they name: checked and read without
importing torch, so bad input is refused at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from notelab._util import InputError
from notelab.nn.seq.pairs import read_pairs
from notelab.nn.seq.schedules import Schedule, make_schedule
from notelab.nn.seq.tasks import Pair, generate_pairs, task_spec
from notelab.nn.seq.vocab import UNKNOWN_POLICIES

PER = ("token", "sequence")
OWN = ("argmax", "sample")


@dataclass(frozen=True, kw_only=True)
class TrainOptions:
    """Everything ``notelab seq train`` takes (see its ``--help``)."""

    task: str | None = None
    data: str | None = None
    tokens: str = "char"
    schedule: str = "teacher"
    k: float | None = None
    c: float | None = None
    floor: float = 0.0
    ratio: float = 0.5
    per: str = "token"
    own: str = "argmax"
    model: str = "seq2seq"
    attention: bool = False
    embedding_dim: int = 32
    hidden_size: int = 64
    num_layers: int = 1
    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 3e-3
    examples: int = 4000
    heldout: int = 400
    holdout_fraction: float = 0.1
    min_length: int = 4
    max_length: int = 10
    symbols: int = 10
    seed: int = 0
    device: str = "auto"
    unknown: str = "error"
    save: str | None = None

    def __post_init__(self) -> None:
        if (self.task is None) == (self.data is None):
            raise InputError("exactly one of --task or --data", "both" if self.task else "neither")
        for name in ("epochs", "batch_size", "examples", "heldout"):
            if getattr(self, name) < 1:
                raise InputError(f"a positive --{name.replace('_', '-')}", str(getattr(self, name)))
        if not 0 < self.holdout_fraction < 1:
            raise InputError("--holdout between 0 and 1", f"{self.holdout_fraction:g}")
        if not self.learning_rate > 0:
            raise InputError("a positive --lr", f"{self.learning_rate:g}")
        if self.task is not None:
            task_spec(self.task)
        for name, allowed in (("per", PER), ("own", OWN), ("unknown", UNKNOWN_POLICIES)):
            if getattr(self, name) not in allowed:
                raise InputError(
                    f"--{name} as one of {', '.join(allowed)}", repr(getattr(self, name))
                )
        self.schedule_for(steps=100)  # an unknown schedule or a k out of range fails here
        if self.save is not None:
            check_output(self.save, [self.data])

    def schedule_for(self, steps: int) -> Schedule:
        """The feeding schedule of a run of ``steps`` optimizer steps."""
        return make_schedule(
            self.schedule, steps=steps, k=self.k, c=self.c, floor=self.floor, ratio=self.ratio
        )


def _split(pairs: list[Pair], fraction: float, seed: int) -> tuple[list[Pair], list[Pair]]:
    if len(pairs) < 2:
        raise InputError("at least 2 pairs (some are held out)", f"{len(pairs)} pair")
    order = np.random.default_rng(seed).permutation(len(pairs))
    held = max(1, round(len(pairs) * fraction))
    return [pairs[i] for i in order[held:]], [pairs[i] for i in order[:held]]


def task_data(options: TrainOptions) -> dict[str, Any]:
    """The data description saved with a model trained on a built-in task."""
    spec = task_spec(str(options.task))
    return {
        "task": spec.name,
        "source_tokens": spec.source_tokens,
        "target_tokens": spec.target_tokens,
        "examples": options.examples,
        "seed": options.seed,
        "min_length": options.min_length,
        "max_length": options.max_length,
        "symbols": options.symbols,
    }


def task_generation(data: dict[str, Any]) -> dict[str, Any]:
    """The :func:`generate_pairs` options of a saved task description."""
    return {k: data[k] for k in ("min_length", "max_length", "symbols")}


def load_data(options: TrainOptions) -> tuple[list[Pair], list[Pair], dict[str, Any]]:
    """Training pairs, held-out pairs and the data description."""
    if options.data is not None:
        pairs = read_pairs(options.data, options.tokens)
        fit, held = _split(pairs, options.holdout_fraction, options.seed)
        description = {"task": None, "file": str(options.data)}
        return (
            fit,
            held,
            description | {"source_tokens": options.tokens, "target_tokens": options.tokens},
        )
    data = task_data(options)
    pairs = generate_pairs(
        data["task"], options.examples + options.heldout, seed=options.seed, **task_generation(data)
    )
    if len(pairs) < options.examples + 1:
        raise InputError(
            f"{options.examples + options.heldout} distinct examples",
            f"only {len(pairs)} exist at these lengths",
            "lower --examples or raise --max-length",
        )
    return pairs[: options.examples], pairs[options.examples :], data


def check_output(path: str | Path, inputs: list[str | Path | None]) -> None:
    """Refuse an output that is a directory or one of the inputs (inputs are never modified)."""
    target = Path(path)
    if target.is_dir():
        raise InputError("an output file", f"{str(target)!r} (a directory)", "name a file")
    for source in inputs:
        if (
            source is not None
            and Path(source).exists()
            and Path(source).resolve() == target.resolve()
        ):
            raise InputError(
                "an output that is not an input", f"{str(target)!r}", "write elsewhere"
            )
