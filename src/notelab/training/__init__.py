"""Notes 1 and 6: epoch/batch/step arithmetic, a counting training loop, the batch-size profiler."""

from notelab.training.schedule import (
    ACCUMULATION_MODES,
    Schedule,
    last_batch_size,
    optimizer_steps,
    schedule,
    steps_per_epoch,
)

__all__ = [
    "ACCUMULATION_MODES",
    "Schedule",
    "last_batch_size",
    "optimizer_steps",
    "schedule",
    "steps_per_epoch",
]
