"""What the ``notelab seq`` commands do, as library calls: train, evaluate, show.

Each takes plain options, reads what it needs (a built-in task or a TSV file, a saved model),
runs, and returns a result with ``as_dict()`` for JSON; the command line only renders it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from notelab._util import InputError
from notelab.nn.seq.batch import Encoded, encode_pairs
from notelab.nn.seq.checkpoint import SavedModel, save_model
from notelab.nn.seq.metrics import SeqMetrics
from notelab.nn.seq.models import ModelConfig, SequenceModel, build_model
from notelab.nn.seq.options import TrainOptions, load_data
from notelab.nn.seq.policy import FeedingPolicy
from notelab.nn.seq.tasks import Pair
from notelab.nn.seq.training import Checkpoint, TrainHistory, steps_per_epoch, train
from notelab.nn.seq.vocab import Vocabulary


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


def policy_of(options: TrainOptions, steps: int) -> FeedingPolicy:
    """The feeding policy the options describe, for a run of ``steps`` optimizer steps."""
    return FeedingPolicy(options.schedule_for(steps), per=options.per, own=options.own)


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
