"""Sequence models in PyTorch where the feeding policy is a first-class choice (note 5).

Teacher forcing feeds the true previous token whatever the model predicted; free running feeds
the model's own output; scheduled sampling (Bengio et al., 2015) moves from one to the other
over training. Every policy is recorded token by token, and the held-out metrics measure the
exposure-bias gap and how errors compound.

Examples
--------
>>> from notelab.nn.seq import TrainOptions, train_run
>>> report = train_run(TrainOptions(task="reverse", schedule="linear", examples=64,
...                                 heldout=16, epochs=1, hidden_size=8, device="cpu"))
>>> 0.0 <= report.metrics.free_running_accuracy <= 1.0
True
"""

from notelab.nn.seq.batch import Batch, collate, encode_pairs, iterate_batches
from notelab.nn.seq.checkpoint import SavedModel, load_model, save_model
from notelab.nn.seq.decode import (
    DecodeRecord,
    decode,
    generate,
    sequence_loss,
    stepped,
    teacher_forced,
)
from notelab.nn.seq.evaluation import EvalReport, ShowReport, ShowStep, eval_run, show_run
from notelab.nn.seq.metrics import Compounding, SeqMetrics, compounding, edit_distance, evaluate
from notelab.nn.seq.models import (
    MODEL_KINDS,
    GRULanguageModel,
    ModelConfig,
    Seq2SeqGRU,
    SequenceModel,
    build_model,
    gru_step,
)
from notelab.nn.seq.pairs import parse_pairs, read_pairs
from notelab.nn.seq.pipeline import PreparedRun, TrainOptions, TrainReport, prepare_run, train_run
from notelab.nn.seq.plot import plot_positions
from notelab.nn.seq.policy import (
    OWN,
    PER,
    FeedingPolicy,
    free_running,
    scheduled,
    teacher_forcing,
)
from notelab.nn.seq.schedules import (
    SCHEDULES,
    Constant,
    Exponential,
    InverseSigmoid,
    Linear,
    Schedule,
    make_schedule,
)
from notelab.nn.seq.tasks import (
    TASKS,
    generate_pairs,
    spell_number,
    task_spec,
    task_split,
    task_target,
)
from notelab.nn.seq.train import Checkpoint, TrainHistory, train
from notelab.nn.seq.vocab import UNKNOWN_POLICIES, Vocabulary, detokenize, tokenize

__all__ = [
    "MODEL_KINDS",
    "OWN",
    "PER",
    "SCHEDULES",
    "TASKS",
    "UNKNOWN_POLICIES",
    "Batch",
    "Checkpoint",
    "Compounding",
    "Constant",
    "DecodeRecord",
    "EvalReport",
    "Exponential",
    "FeedingPolicy",
    "GRULanguageModel",
    "InverseSigmoid",
    "Linear",
    "ModelConfig",
    "PreparedRun",
    "SavedModel",
    "Schedule",
    "Seq2SeqGRU",
    "SeqMetrics",
    "SequenceModel",
    "ShowReport",
    "ShowStep",
    "TrainHistory",
    "TrainOptions",
    "TrainReport",
    "Vocabulary",
    "build_model",
    "collate",
    "compounding",
    "decode",
    "detokenize",
    "edit_distance",
    "encode_pairs",
    "eval_run",
    "evaluate",
    "free_running",
    "generate",
    "generate_pairs",
    "gru_step",
    "iterate_batches",
    "load_model",
    "make_schedule",
    "parse_pairs",
    "plot_positions",
    "prepare_run",
    "read_pairs",
    "save_model",
    "scheduled",
    "sequence_loss",
    "show_run",
    "spell_number",
    "stepped",
    "task_spec",
    "task_split",
    "task_target",
    "teacher_forced",
    "teacher_forcing",
    "tokenize",
    "train",
    "train_run",
]
