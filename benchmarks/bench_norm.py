"""Forward + backward time of notelab's normalisation layers (hand-written backward), of the same
formulas left to autograd, and of PyTorch's native kernels, on (256, 1024) and (32, 64, 32, 32).

Goal (issue 14): the hand-written backward faster than autograd through the operations, and
within 2x of the native kernels on the CPU. Rounds are interleaved (ours, autograd, native,
ours, ...) so a drift in the machine's speed hits all three alike; medians with their 95%
interval. In each round each implementation runs twice and the second run is timed: the
first after another implementation pays for the pages that one's temporaries handed back to
the system (glibc trims its heap), which is a cost of the neighbour, not of the layer.

With one thread, times are this process's CPU time by default: on a shared machine it leaves
out the time spent waiting for a core. With several threads (where OpenMP's spinning workers
would count as CPU time) and on a GPU (synchronised) they are elapsed time; ``--clock`` chooses.
The load average is printed in the title: elapsed times are only meaningful when it is low.

Run: .venv/bin/python -m benchmarks.bench_norm [--rounds 30] [--threads N] [--device cpu|cuda]
     [--clock cpu|wall]
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from benchmarks._timing import bench_device, print_table
from notelab.findings.stats import Estimate
from notelab.nn.norm import BatchNorm, GroupNorm, LayerNorm, RMSNorm

SHAPES = [(256, 1024), (32, 64, 32, 32)]
GROUPS = 32
EPS = 1e-5


def formula(
    view: torch.Tensor, weight: torch.Tensor | None, bias: torch.Tensor | None, dims, center: bool
) -> torch.Tensor:
    """The forward of notelab's layers as plain operations, for autograd to differentiate."""
    mean = view.mean(dims, keepdim=True) if center else 0.0
    centred = view - mean
    xhat = centred * torch.rsqrt(centred.square().mean(dims, keepdim=True) + EPS)
    if weight is None:
        return xhat
    return xhat * weight if bias is None else torch.addcmul(bias, xhat, weight)


class Autograd(nn.Module):
    """One normalisation written as :func:`formula` on the view notelab's layer uses."""

    def __init__(self, kind: str, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.kind, self.channels = kind, shape[1]
        features = shape[1] if kind == "batch" or kind == "group" else math.prod(shape[1:])
        self.weight = nn.Parameter(torch.ones(features))
        self.bias = nn.Parameter(torch.zeros(features)) if kind != "rms" else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c = x.shape[0], self.channels
        dims: tuple[int, ...]
        affine: tuple[int, ...]
        if self.kind == "batch":
            view, dims, affine = x.reshape(n, c, -1), (0, 2), (1, c, 1)
        elif self.kind == "group":
            view, dims, affine = x.reshape(n, GROUPS, c // GROUPS, -1), (2, 3), (1, GROUPS, -1, 1)
        else:
            view, dims, affine = x.reshape(n, -1), (1,), (1, -1)
        bias = None if self.bias is None else self.bias.reshape(affine)
        y = formula(view, self.weight.reshape(affine), bias, dims, self.kind != "rms")
        return y.reshape(x.shape)


def layers(kind: str, shape: tuple[int, ...]) -> dict[str, nn.Module]:
    """notelab's layer, the autograd formula and torch's native layer for ``kind`` on ``shape``."""
    c, trailing = shape[1], shape[1:]
    native_batch = nn.BatchNorm1d(c) if len(shape) < 4 else nn.BatchNorm2d(c)
    ours, native = {
        "batch": (BatchNorm(c), native_batch),
        "layer": (LayerNorm(trailing), nn.LayerNorm(trailing)),
        "group": (GroupNorm(GROUPS, c), nn.GroupNorm(GROUPS, c)),
        "rms": (RMSNorm(trailing, eps=EPS), nn.RMSNorm(trailing, eps=EPS)),
    }[kind]
    return {"notelab": ours, "autograd": Autograd(kind, shape), "native": native}


def step(
    layer: nn.Module, x: torch.Tensor, upstream: torch.Tensor, clock: Callable[[], float]
) -> Callable[[], float]:
    """A timed forward + backward of ``layer`` on a fresh leaf copy of ``x``."""

    def run() -> float:
        leaf = x.clone().requires_grad_(True)
        _sync(x)
        start = clock()
        layer(leaf).backward(upstream)
        _sync(x)
        return clock() - start

    return run


def clock_for(name: str, device: str) -> Callable[[], float]:
    """``cpu``: this process's CPU time (all its threads), which a busy machine does not
    inflate with waiting for a core; ``wall``: elapsed time (always, on a GPU)."""
    return time.process_time if name == "cpu" and device == "cpu" else time.perf_counter


def _sync(x: torch.Tensor) -> None:
    if x.is_cuda:
        torch.cuda.synchronize()


def measure(
    kind: str, shape: tuple[int, ...], rounds: int, device: str, clock: str = "cpu"
) -> dict[str, Estimate]:
    """Interleaved rounds of the three implementations: median seconds with intervals."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=generator).to(device)
    upstream = torch.randn(shape, generator=generator).to(device)
    timer = clock_for(clock, device)
    runs = {
        name: step(layer.to(device), x, upstream, timer)
        for name, layer in layers(kind, shape).items()
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(rounds + 3):
        for name, run in runs.items():
            run()  # the allocator left as this implementation's own last step leaves it
            seconds = run()
            if round_ >= 3:  # three warm-up rounds
                times[name].append(seconds)
    return {name: Estimate.median_interval(t, unit="s") for name, t in times.items()}


def _ms_interval(estimate: Estimate) -> str:
    """``0.83 (0.78-0.91)``: the median and its 95% interval in milliseconds."""
    return f"{estimate.value * 1e3:.2f} ({estimate.low * 1e3:.2f}-{estimate.high * 1e3:.2f})"


def rows_for(shape: tuple[int, ...], kind: str, est: dict[str, Estimate]) -> list[Any]:
    """One table row: shape, norm, the three medians and the two ratios."""
    ours, auto, native = (est[n].value for n in ("notelab", "autograd", "native"))
    return [
        "x".join(map(str, shape)),
        kind,
        _ms_interval(est["notelab"]),
        f"{auto * 1e3:.2f}",
        f"{native * 1e3:.2f}",
        auto / ours,
        ours / native,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--device", default=bench_device(), help="cpu or cuda")
    parser.add_argument(
        "--clock", choices=["cpu", "wall"], help="default: cpu with one thread, else wall"
    )
    args = parser.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error(f"--device {args.device}: no CUDA device here (torch {torch.__version__})")
    torch.set_num_threads(args.threads)
    args.clock = args.clock or ("cpu" if args.threads == 1 and args.device == "cpu" else "wall")
    rows = [
        rows_for(shape, kind, measure(kind, shape, args.rounds, args.device, args.clock))
        for shape in SHAPES
        for kind in ("batch", "layer", "group", "rms")
    ]
    clock = "wall" if args.device != "cpu" else args.clock
    print_table(
        f"Forward + backward, float32, {args.device}, {args.threads} thread(s), {clock} time, "
        f"load {os.getloadavg()[0]:.1f}, "
        f"median of {args.rounds} interleaved rounds (ms; notelab's 95% interval)",
        COLUMNS,
        rows,
    )
    print(f"\nhand-written vs autograd: at least {min(r[5] for r in rows):.2f}x faster (goal > 1)")
    print(f"notelab vs native kernels: at most {max(r[6] for r in rows):.2f}x the time (goal <= 2)")
    print(f"(torch {torch.__version__})")


COLUMNS = [
    "shape",
    "norm",
    "notelab ms",
    "autograd ms",
    "torch native ms",
    "autograd / notelab",
    "notelab / native",
]


if __name__ == "__main__":
    main()
