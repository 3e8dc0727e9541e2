"""What ``notelab norm compare`` is asked to do, and the checks that refuse what cannot run, in
a module without torch: the command line checks its options before torch loads.

Examples
--------
>>> check_spec(CompareSpec(batch_sizes=(2, 8)))
>>> check_spec(CompareSpec(batch_sizes=(1, 8)))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
notelab._util.errors.InputError: expected batch sizes >= 2 for batch norm in training, ...
"""

from __future__ import annotations

from dataclasses import dataclass

from notelab._util import InputError

NORMS = ("batch", "layer", "group", "none")


@dataclass(frozen=True)
class CompareSpec:
    """What to compare: batch sizes, normalisations, training length, seeds."""

    batch_sizes: tuple[int, ...]
    norms: tuple[str, ...] = NORMS
    epochs: int = 1
    seeds: int = 3
    first_seed: int = 0
    groups: int = 8
    held_out: float = 0.2
    samples: int = 2000  # passed to a factory that takes ``samples``
    device: str = "cpu"
    threads: int = 0  # torch's CPU threads while comparing; 0 leaves them as they are
    eval_batch: int = 256
    gap_samples: int = 256  # held-out samples the train/eval gap is measured on, batch by batch


def check_spec(spec: CompareSpec) -> None:
    """Refuse what cannot run, with the reason, before anything trains."""
    unknown = [n for n in spec.norms if n not in NORMS]
    if unknown or not spec.norms:
        raise InputError(
            f"--norms from {', '.join(NORMS)}", ",".join(unknown) or "none", "e.g. batch,layer"
        )
    if not spec.batch_sizes or min(spec.batch_sizes) < 1:
        raise InputError("batch sizes >= 1", str(list(spec.batch_sizes)), "e.g. 2,4,8,32,128")
    if "batch" in spec.norms and 1 in spec.batch_sizes:
        raise InputError(
            "batch sizes >= 2 for batch norm in training",
            "batch size 1",
            "a batch of one sample has variance 0 over the batch: every feature of a linear "
            "layer normalises to 0 (and a conv layer's to its own spatial statistics), so "
            "batch norm cannot train; drop 1 from --batch-sizes or compare layer,group,none",
        )
    for name, value in (("--epochs", spec.epochs), ("--seeds", spec.seeds)):
        if value < 1:
            raise InputError(f"{name} >= 1", str(value))
    if not 0 < spec.held_out < 1:
        raise InputError("a held-out share in (0, 1)", str(spec.held_out), "e.g. 0.2")
