"""Sequence models in PyTorch where the feeding policy is a first-class choice (note 5).

Teacher forcing feeds the true previous token whatever the model predicted; free running feeds
the model's own output; scheduled sampling (Bengio et al., 2015) moves from one to the other
over training. Every policy is recorded token by token, and the held-out metrics measure the
exposure-bias gap and how errors compound.

Importing the package imports nothing heavy: each name loads its module (and torch) on first
use, so options, tasks and schedules are checked before torch is imported.

Examples
--------
>>> from notelab.nn.seq import TrainOptions, train_run
>>> report = train_run(TrainOptions(task="reverse", schedule="linear", examples=64,
...                                 heldout=16, epochs=1, hidden_size=8, device="cpu"))
>>> 0.0 <= report.metrics.free_running_accuracy <= 1.0
True
"""

from __future__ import annotations

from notelab._util.lazy import lazy_exports

# public name -> the module that defines it
_LAZY = {
    "Batch": "notelab.nn.seq.batch",
    "Checkpoint": "notelab.nn.seq.training",
    "Compounding": "notelab.nn.seq.metrics",
    "Constant": "notelab.nn.seq.schedules",
    "DecodeRecord": "notelab.nn.seq.decoding",
    "EvalReport": "notelab.nn.seq.evaluation",
    "Exponential": "notelab.nn.seq.schedules",
    "FeedingPolicy": "notelab.nn.seq.policy",
    "GRULanguageModel": "notelab.nn.seq.models",
    "InverseSigmoid": "notelab.nn.seq.schedules",
    "Linear": "notelab.nn.seq.schedules",
    "MODEL_KINDS": "notelab.nn.seq.models",
    "ModelConfig": "notelab.nn.seq.models",
    "OWN": "notelab.nn.seq.options",
    "PER": "notelab.nn.seq.options",
    "PreparedRun": "notelab.nn.seq.pipeline",
    "SCHEDULES": "notelab.nn.seq.schedules",
    "SavedModel": "notelab.nn.seq.checkpoint",
    "Schedule": "notelab.nn.seq.schedules",
    "Seq2SeqGRU": "notelab.nn.seq.models",
    "SeqMetrics": "notelab.nn.seq.metrics",
    "SequenceModel": "notelab.nn.seq.models",
    "ShowReport": "notelab.nn.seq.evaluation",
    "ShowStep": "notelab.nn.seq.evaluation",
    "TASKS": "notelab.nn.seq.tasks",
    "TrainHistory": "notelab.nn.seq.training",
    "TrainOptions": "notelab.nn.seq.options",
    "TrainReport": "notelab.nn.seq.pipeline",
    "UNKNOWN_POLICIES": "notelab.nn.seq.vocab",
    "Vocabulary": "notelab.nn.seq.vocab",
    "build_model": "notelab.nn.seq.models",
    "collate": "notelab.nn.seq.batch",
    "compounding": "notelab.nn.seq.metrics",
    "decode": "notelab.nn.seq.decoding",
    "detokenize": "notelab.nn.seq.vocab",
    "edit_distance": "notelab.nn.seq.metrics",
    "encode_pairs": "notelab.nn.seq.batch",
    "eval_run": "notelab.nn.seq.evaluation",
    "evaluate": "notelab.nn.seq.metrics",
    "free_running": "notelab.nn.seq.policy",
    "generate": "notelab.nn.seq.decoding",
    "generate_pairs": "notelab.nn.seq.tasks",
    "gru_sequence": "notelab.nn.seq.gru",
    "gru_step": "notelab.nn.seq.models",
    "iterate_batches": "notelab.nn.seq.batch",
    "load_model": "notelab.nn.seq.checkpoint",
    "make_schedule": "notelab.nn.seq.schedules",
    "parse_pairs": "notelab.nn.seq.pairs",
    "plot_positions": "notelab.nn.seq.plot",
    "prepare_run": "notelab.nn.seq.pipeline",
    "read_pairs": "notelab.nn.seq.pairs",
    "save_model": "notelab.nn.seq.checkpoint",
    "scheduled": "notelab.nn.seq.policy",
    "seeded_model": "notelab.nn.seq.pipeline",
    "sequence_loss": "notelab.nn.seq.decoding",
    "show_run": "notelab.nn.seq.evaluation",
    "spell_number": "notelab.nn.seq.tasks",
    "stepped": "notelab.nn.seq.decoding",
    "task_spec": "notelab.nn.seq.tasks",
    "task_split": "notelab.nn.seq.tasks",
    "task_target": "notelab.nn.seq.tasks",
    "teacher_forced": "notelab.nn.seq.decoding",
    "teacher_forced_loss": "notelab.nn.seq.decoding",
    "teacher_forcing": "notelab.nn.seq.policy",
    "tokenize": "notelab.nn.seq.vocab",
    "train": "notelab.nn.seq.training",
    "train_run": "notelab.nn.seq.pipeline",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = sorted(_LAZY)
