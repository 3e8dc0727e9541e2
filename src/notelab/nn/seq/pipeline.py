"""What the ``notelab seq`` commands do, as library calls: train, evaluate, show.

Each takes plain options, reads what it needs (a built-in task or a TSV file, a saved model),
runs, and returns a result with ``as_dict()`` for JSON; the command line only renders it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from notelab._util import InputError
from notelab.nn.seq.batch import Encoded, encode_pairs
from notelab.nn.seq.checkpoint import SavedModel, save_model
from notelab.nn.seq.metrics import SeqMetrics
from notelab.nn.seq.models import ModelConfig, SequenceModel, build_model
from notelab.nn.seq.pairs import read_pairs
from notelab.nn.seq.policy import FeedingPolicy
from notelab.nn.seq.schedules import make_schedule
from notelab.nn.seq.tasks import Pair, generate_pairs, task_spec
from notelab.nn.seq.train import Checkpoint, TrainHistory, steps_per_epoch, train
from notelab.nn.seq.vocab import Vocabulary


@dataclass(frozen=True)
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
        policy_of(self, steps=100)  # an unknown schedule or a k out of range fails here


@dataclass
class TrainReport:
    """A trained model, its history and its final held-out metrics."""

    options: TrainOptions
    saved: SavedModel
    history: TrainHistory
    metrics: SeqMetrics
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain values for ``--json``."""
        return {
            "options": asdict(self.options),
            "data": self.data,
            "model": self.saved.model.config.as_dict(),
            "parameters": sum(p.numel() for p in self.saved.model.parameters()),
            "training": self.history.as_dict(),
            "metrics": self.metrics.as_dict(),
        }


def pick_device(name: str) -> torch.device:
    """``"auto"`` is CUDA when present, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InputError("a device that exists", name, "use --device cpu or auto")
    return torch.device(name)


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


def policy_of(options: TrainOptions, steps: int) -> FeedingPolicy:
    """The feeding policy the options describe, for a run of ``steps`` optimizer steps."""
    schedule = make_schedule(
        options.schedule,
        steps=steps,
        k=options.k,
        c=options.c,
        floor=options.floor,
        ratio=options.ratio,
    )
    return FeedingPolicy(schedule, per=options.per, own=options.own)


@dataclass
class PreparedRun:
    """Data, vocabulary, policy and untrained model: everything checked before training."""

    options: TrainOptions
    fit: list[Pair]
    held: list[Pair]
    data: dict[str, Any]
    vocab: Vocabulary
    train_ids: list[Encoded]
    held_ids: list[Encoded]
    policy: FeedingPolicy
    model: SequenceModel


def prepare_run(options: TrainOptions) -> PreparedRun:
    """Read or generate the data and build the policy and model (every input error is raised
    here, before any training)."""
    fit, held, data = load_data(options)
    vocab = Vocabulary.build([s for s, _ in fit] + [t for _, t in fit])
    train_ids, held_ids = encode_pairs(fit, vocab), encode_pairs(held, vocab, options.unknown)
    policy = policy_of(options, options.epochs * steps_per_epoch(len(fit), options.batch_size))
    config = ModelConfig(
        kind=options.model,
        vocabulary=len(vocab),
        embedding_dim=options.embedding_dim,
        hidden_size=options.hidden_size,
        num_layers=options.num_layers,
        attention=options.attention,
    )
    model = seeded_model(config, options.seed).to(pick_device(options.device))
    return PreparedRun(options, fit, held, data, vocab, train_ids, held_ids, policy, model)


def train_run(
    options: TrainOptions | PreparedRun,
    on_checkpoint: Callable[[Checkpoint], None] | None = None,
) -> TrainReport:
    """Train, evaluate on the held-out pairs after every epoch, and save when asked.

    Examples
    --------
    >>> report = train_run(TrainOptions(task="copy", examples=64, heldout=16, epochs=1,
    ...                                 hidden_size=8, device="cpu"))
    >>> report.history.steps, report.metrics.examples
    (1, 16)
    """
    run = options if isinstance(options, PreparedRun) else prepare_run(options)
    opts = run.options
    history = train(
        run.model,
        run.train_ids,
        run.held_ids,
        run.policy,
        epochs=opts.epochs,
        batch_size=opts.batch_size,
        learning_rate=opts.learning_rate,
        seed=opts.seed,
        on_checkpoint=on_checkpoint,
    )
    policy = run.policy
    training = {"schedule": policy.schedule.name, **asdict(policy.schedule), "per": policy.per}
    training |= {"own": policy.own, "history": history.as_dict()}
    saved = SavedModel(run.model, run.vocab, run.data, run.held, training)
    if opts.save:
        save_model(opts.save, saved)
    counts = {"training_pairs": len(run.fit), "heldout_pairs": len(run.held)}
    return TrainReport(opts, saved, history, history.checkpoints[-1].metrics, run.data | counts)


def seeded_model(config: ModelConfig, seed: int) -> SequenceModel:
    """The untrained model of ``config``, its weights drawn from ``seed`` (global RNG untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build_model(config)
