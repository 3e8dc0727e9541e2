"""Notes 1 and 6: epoch/batch/step arithmetic, a counting training loop, the batch-size profiler.

The arithmetic imports nothing heavy; the torch-based names load on first use.
"""

import importlib

from notelab.training.schedule import (
    ACCUMULATION_MODES,
    Schedule,
    last_batch_size,
    optimizer_steps,
    schedule,
    steps_per_epoch,
)

_LAZY = {
    "count_training_loop": "notelab.training.loop",
    "LoopCount": "notelab.training.loop",
    "Profiler": "notelab.training.profiler",
    "Profile": "notelab.training.profiler",
    "MemoryModel": "notelab.training.profiler",
    "TrialSpec": "notelab.training.trial",
    "TrialResult": "notelab.training.trial",
    "run_in_worker": "notelab.training.runner",
    "parse_size": "notelab.training.sizes",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'notelab.training' has no attribute {name!r}")


__all__ = [
    "ACCUMULATION_MODES",
    "LoopCount",
    "MemoryModel",
    "Profile",
    "Profiler",
    "Schedule",
    "TrialResult",
    "TrialSpec",
    "count_training_loop",
    "last_batch_size",
    "optimizer_steps",
    "parse_size",
    "run_in_worker",
    "schedule",
    "steps_per_epoch",
]
