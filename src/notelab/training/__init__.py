"""Notes 1 and 6: epoch/batch/step arithmetic, a counting training loop, the batch-size profiler.

The arithmetic imports nothing heavy; the torch-based names load on first use.
"""

from notelab._util.lazy import lazy_exports
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
    "TrialRow": "notelab.training.profiler",
    "MemoryModel": "notelab.training.profiler",
    "Bracket": "notelab.training.profiler",
    "next_size": "notelab.training.profiler",
    "ProfileOptions": "notelab.training.options",
    "profile_batch_sizes": "notelab.training.options",
    "TrialSpec": "notelab.training.trial",
    "TrialResult": "notelab.training.trial",
    "ModelError": "notelab.training.trial",
    "time_rounds": "notelab.training.trial",
    "run_in_worker": "notelab.training.runner",
    "time_rounds_in_worker": "notelab.training.runner",
    "parse_size": "notelab.training.sizes",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "ACCUMULATION_MODES",
    "Bracket",
    "LoopCount",
    "MemoryModel",
    "ModelError",
    "Profile",
    "ProfileOptions",
    "Profiler",
    "Schedule",
    "TrialResult",
    "TrialRow",
    "TrialSpec",
    "count_training_loop",
    "last_batch_size",
    "next_size",
    "optimizer_steps",
    "parse_size",
    "profile_batch_sizes",
    "run_in_worker",
    "schedule",
    "steps_per_epoch",
    "time_rounds",
    "time_rounds_in_worker",
]
