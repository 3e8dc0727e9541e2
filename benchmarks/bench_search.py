"""The largest batch under a memory limit: notelab's search against PyTorch Lightning's own
batch-size finder (``Tuner.scale_batch_size(mode="binsearch")``), same model, same limits.

Every batch size is measured once, in its own worker process (peak resident memory of a short
trial, no limit), and judged against each limit; both searches draw on that one table, so they
see the same memory curve, noise and bumps included, and differ only in their algorithm.
Lightning runs its real tuner (``init_val=2``, ``steps_per_trial=1``): its
training step asks the table and raises the CPU allocator's out-of-memory error where the size
does not fit, which is what Lightning itself catches. Trials are counted per search: a size the
other search measured first still counts, and notelab's re-check of its answer (on the CPU it
runs the answer a second time) is a fresh measurement, counted too. Each answer is then
re-run three times in fresh workers, measured as the table is: whether its peak stays under the
limit in the next run.
Two passes: no safety margin, then each tool's default 5% (notelab takes it off the memory
limit, Lightning off the batch).

On the CPU the peak resident memory is neither monotone in the batch size nor the same from run
to run: glibc's malloc raises its mmap threshold as large blocks are freed, so which tensors live
in the heap, and how fragmented it gets, varies. ``--fixed-malloc`` starts the workers with
``MALLOC_MMAP_THRESHOLD_`` fixed at 128 KiB: every peak is then the same in every run and lies on
a line, as CUDA's allocator peaks do, so that pass compares the two algorithms on a
deterministic real curve (the steps run slower there; only memory is used).
Run: .venv/bin/python -m benchmarks.bench_search [--fixed-malloc]   (needs ``pip install
lightning``; NOTELAB_BENCH_DEVICE=cuda on a GPU)
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import warnings
from dataclasses import replace

import torch
from torch.utils.data import DataLoader, TensorDataset

from benchmarks._timing import bench_device, print_table
from notelab.training.profiler import Profiler
from notelab.training.runner import run_in_worker
from notelab.training.trial import TrialResult, TrialSpec

MiB = 2**20
CASES = {"transformer": (500, 700, 900, 1200), "cnn": (450, 550, 650)}
MAX_BATCH = 8192
REFITS = 3
MARGINS = (0.0, 0.05)  # none; then each tool's default
FIXED_MALLOC_CASES = {"transformer": (450, 600, 800, 1000), "cnn": (450, 500, 550, 600)}


class MeasuredCurve:
    """Peak memory per batch size of one workload, each size measured once on first use."""

    def __init__(self, workload: str) -> None:
        self.spec = TrialSpec(
            1, workload=workload, device=bench_device(), steps=2, warmup=1, dataset_size=8192
        )
        self.results: dict[int, TrialResult] = {}

    def measure(self, size: int) -> TrialResult:
        """A fresh trial of ``size`` (no limit: the whole peak is measured)."""
        return run_in_worker(replace(self.spec, batch_size=size))

    def result(self, size: int) -> TrialResult:
        if size not in self.results:
            self.results[size] = self.measure(size)
        return self.results[size]

    def fits(self, size: int, limit: int) -> bool:
        return under(self.result(size), limit)

    def refits(self, size: int, limit: int, times: int = REFITS) -> str:
        """How many of ``times`` fresh trials of ``size``, measured as the table is, peak under
        ``limit``: whether the answer holds up in the next run (peak RSS varies between runs)."""
        return f"{sum(under(self.measure(size), limit) for _ in range(times))}/{times}"

    def runner(self, calls: list[int]):
        """A trial runner for notelab's profiler that reads the table."""

        def run(spec: TrialSpec) -> TrialResult:
            size = spec.batch_size
            again = size in calls  # the profiler re-checking its answer: a fresh measurement
            calls.append(size)
            result = self.measure(size) if again else self.result(size)
            return replace(result, fits=under(result, spec.memory_limit))

        return run


def under(result: TrialResult, limit: int) -> bool:
    """Whether a trial ran and peaked at most ``limit`` bytes."""
    return result.fits and result.peak_bytes <= limit


def lightning_search(curve: MeasuredCurve, limit: int, margin: float) -> tuple[int, list[int]]:
    """Lightning's batch-size finder on a module whose steps consult the table."""
    import lightning as L
    from lightning.pytorch.tuner import Tuner

    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)  # set at import, so after it
    tried: list[int] = []

    class TableModule(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.batch_size = 2
            self.layer = torch.nn.Linear(1, 1)

        def train_dataloader(self) -> DataLoader:
            return DataLoader(TensorDataset(torch.zeros(10 * MAX_BATCH, 1)), self.batch_size)

        def training_step(self, batch, index):
            tried.append(self.batch_size)
            if not curve.fits(self.batch_size, limit):
                raise RuntimeError("DefaultCPUAllocator: can't allocate memory: (the table)")
            return self.layer(batch[0]).sum()

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.0)

    with tempfile.TemporaryDirectory() as root:
        trainer = L.Trainer(
            accelerator="cpu",
            max_epochs=1,
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            default_root_dir=root,
        )
        size = Tuner(trainer).scale_batch_size(
            TableModule(), mode="binsearch", steps_per_trial=1, init_val=2, margin=margin
        )
    return size, tried


def compare(workload: str, curve: MeasuredCurve, limit_mib: int, margin: float) -> list[object]:
    """Both searches under one limit; each applies ``margin`` its own way (notelab: to the
    memory limit; Lightning: to the batch it found); re-runs are judged at the full limit."""
    limit = limit_mib * MiB
    calls: list[int] = []
    spec = replace(curve.spec, memory_limit=limit)
    ours = Profiler(10**6, spec, margin=margin, runner=curve.runner(calls)).search(MAX_BATCH)
    theirs, tried = lightning_search(curve, limit, margin)

    def boundary(size):  # does the next size fail? (measured if neither search did)
        return "yes" if not curve.fits(size + 1, limit) else "no"

    return [
        workload,
        limit_mib,
        f"{margin:.0%}",
        ours.largest_fit,
        len(calls),
        boundary(ours.largest_fit),
        curve.refits(ours.largest_fit, limit),
        theirs,
        len(tried),
        boundary(theirs),
        curve.refits(theirs, limit),
    ]


def main() -> None:
    warnings.filterwarnings("ignore")
    cases = CASES
    if "--fixed-malloc" in sys.argv[1:]:  # read by glibc when the worker server starts
        os.environ["MALLOC_MMAP_THRESHOLD_"] = str(128 * 1024)
        cases = FIXED_MALLOC_CASES
    rows = []
    for workload, limits in cases.items():
        curve = MeasuredCurve(workload)
        for margin in MARGINS:
            for limit in limits:
                rows.append(compare(workload, curve, limit, margin))
                print(*rows[-1], flush=True)
        print(f"{workload}: {len(curve.results)} sizes measured in all")
    print_table(
        "Largest batch under a CPU memory limit (same measurements for both)",
        [
            "workload",
            "limit MiB",
            "margin",
            "notelab batch",
            "notelab trials",
            "next fails",
            "re-runs fit",
            "Lightning batch",
            "Lightning trials",
            "next fails",
            "re-runs fit",
        ],
        rows,
    )
    for margin in MARGINS:
        part = [r for r in rows if r[2] == f"{margin:.0%}"]
        ours, theirs = sum(r[4] for r in part), sum(r[8] for r in part)
        held = [sum(int(r[k].split("/")[0]) for r in part) for k in (6, 10)]
        # Lightning's answer counts against notelab only if it held up in every re-run
        lasting = sum(r[3] >= r[7] or r[10] != f"{REFITS}/{REFITS}" for r in part)
        print(
            f"margin {margin:.0%}: trials notelab {ours}, Lightning {theirs} "
            f"({theirs / ours:.2f}x); fewer or equal in {sum(r[4] <= r[8] for r in part)}/"
            f"{len(part)}; batch >= Lightning's in {sum(r[3] >= r[7] for r in part)}/{len(part)}"
            f" (>= every Lightning answer that held up in all re-runs: {lasting}/{len(part)});"
            f" re-runs under the limit: notelab {held[0]}/{REFITS * len(part)}, Lightning "
            f"{held[1]}/{REFITS * len(part)}"
        )


if __name__ == "__main__":
    main()
