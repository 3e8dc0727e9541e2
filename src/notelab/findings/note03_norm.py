"""Finding 3: batch normalisation vs layer normalisation, each sentence of the note measured.

Measure (plain data) -> one claim function per sentence -> Finding. Everything runs on the
normalisation layers of :mod:`notelab.nn.norm` (hand-written forward and backward), with one
torch thread, seeded; the finding's ``seed`` picks a disjoint set of training seeds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from notelab._util.estimate import Estimate, error_bars
from notelab.findings._plot import PALETTE, finish, new_axes
from notelab.findings._threads import one_thread
from notelab.findings.model import Claim, Figure, Finding, Table
from notelab.findings.registry import note_title
from notelab.findings.stats import at_least, at_most

TITLE = note_title(3)  # the registry is the titles' one home
NORMS = ("batch", "layer", "group", "none")
SCALES: dict[str, dict[str, Any]] = {
    "quick": {
        "batch_sizes": (2, 8),
        "seeds": 5,
        "train": 400,
        "epochs": 1,
        "gap_samples": 64,
        "mode_sizes": (2, 4, 8, 16, 32, 64, 128),
        "rounds": 40,
        "lrs": (0.01, 0.1, 1.0),
        "lr_steps": 100,
    },
    "full": {
        "batch_sizes": (2, 4, 8, 16, 32, 64),
        "seeds": 5,
        "train": 1200,
        "epochs": 2,
        "gap_samples": 256,
        "mode_sizes": (2, 4, 8, 16, 32, 64, 128, 256),
        "rounds": 200,
        "lrs": (0.003, 0.01, 0.03, 0.1, 0.3, 1.0),
        "lr_steps": 300,
    },
}

# 1. The note's example agrees with PyTorch: largest |ours - torch| over both outputs.
EXAMPLE_HOLDS, EXAMPLE_PARTLY = at_most(1e-12), at_most(1e-6)
# 2. eps guards a zero variance: share of degenerate cases that eps=0 breaks and eps fixes.
EPS_HOLDS, EPS_PARTLY = at_least(1.0), at_least(0.5)
# 3. Batch size: how much more held-out accuracy batch norm loses from batch 8 to batch 2
#    than group norm does (Wu and He: batch norm's error rises below 8, group norm's stays flat).
BATCH_SMALL, BATCH_REFERENCE = 2, 8
BATCH_SIZE_HOLDS, BATCH_SIZE_PARTLY = at_least(0.05), at_least(0.0)
# 4. Train vs eval: RMS gap between the two modes' outputs, in standard deviations, at batch 32.
MODES_BATCH = 32
MODES_HOLDS, MODES_PARTLY = at_least(0.05), at_least(0.005)
# 5. Variable length: RMS shift of real positions' outputs that padding causes (std units).
PADDING_HOLDS, PADDING_PARTLY = at_least(0.05), at_least(0.005)
# 6. Layer norm is batch-independent: largest |one sample alone - inside a batch|.
ALONE_HOLDS, ALONE_PARTLY = at_most(1e-12), at_most(1e-6)
ALONE_SIZES, ALONE_TRIES = (2, 3, 5, 8, 16, 32, 64, 128), 5
# 7. Performance: best held-out loss without normalisation / with it, across learning rates.
SPEED_HOLDS, SPEED_PARTLY = at_least(1.5), at_least(1.0)
DIVERGED_LOSS = 10.0  # a run whose loss is not finite counts as this


def _digits(seed: int, dtype: Any = None) -> tuple[Any, Any, Any, Any]:
    """Digits' 64 pixels as rows (train, held-out halves, shuffled by ``seed``) and labels."""
    import torch

    from notelab.nn.norm.workloads import digits_data

    images, labels = digits_data()
    x = images.reshape(len(labels), -1).to(dtype or torch.float32)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    half = len(order) // 2
    return x[order[:half]], labels[order[:half]], x[order[half:]], labels[order[half:]]


# ---- 1 and 2: the note's example and eps ---------------------------------------------------


def measure_example() -> dict[str, Any]:
    """The note's example (:func:`notelab.nn.norm.example.note_example`) as plain values."""
    from notelab.nn.norm.example import note_example

    return note_example().as_dict()


def _degenerate(kind: str, constant: float, dtype: Any) -> tuple[Any, Any]:
    """The example with one zero-variance unit for ``kind``, and where that unit is."""
    import torch

    from notelab.nn.norm.example import VALUES

    x = torch.tensor(VALUES, dtype=dtype)
    where: dict[str, tuple[Any, Any]] = {
        "batch": (slice(None), 3),
        "layer": (0, slice(None)),
        "rms": (0, slice(None)),
    }
    index = where.get(kind, (0, slice(0, 2)))  # group: sample 0's first group of 2 features
    x[index] = constant
    return x, index


def _normalise(kind: str, x: Any, eps: float) -> Any:
    from notelab.nn.norm import functional as F

    if kind == "batch":
        return F.batch_norm(x, None, None, training=True, eps=eps)
    if kind == "layer":
        return F.layer_norm(x, x.shape[1], eps=eps)
    if kind == "rms":
        return F.rms_norm(x, x.shape[1], eps=eps)
    return F.group_norm(x, 2, eps=eps)


def measure_eps() -> list[dict[str, Any]]:
    """Each normalisation on a zero-variance unit, with ``eps = 0`` and the default ``1e-5``."""
    import torch

    rows = []
    for kind in ("batch", "layer", "group", "rms"):
        for dtype in (torch.float32, torch.float64):
            for constant in (0.0,) if kind == "rms" else (0.0, 5.0, -3.7):
                x, index = _degenerate(kind, constant, dtype)
                bare = _normalise(kind, x, 0.0)[index]
                guarded = _normalise(kind, x, 1e-5)[index]
                rows.append(
                    {
                        "norm": kind,
                        "dtype": str(dtype).removeprefix("torch."),
                        "constant": constant,
                        "eps0_nonfinite": int((~torch.isfinite(bare)).sum()),
                        "eps0_largest": float(bare.nan_to_num(0.0).abs().max()),
                        "guarded_largest": float(guarded.abs().max()),
                        "guarded_finite": bool(torch.isfinite(guarded).all()),
                    }
                )
    return rows


def _eps_fixed(row: dict[str, Any]) -> bool:
    """eps=0 gave NaN/inf or rounding noise blown up to order 1; eps gave a finite ~0."""
    broken = row["eps0_nonfinite"] > 0 or row["eps0_largest"] >= 0.5
    return bool(broken and row["guarded_finite"] and row["guarded_largest"] < 0.01)


def example_claim(example: dict[str, Any]) -> Claim:
    batch, layer = example["batch"], example["layer"]
    worst = max(batch["torch_difference"], layer["torch_difference"])
    estimate = Estimate.exact(worst, method="largest |notelab - torch| over 24 outputs")
    fmt = ", ".join
    return Claim.judged(
        "Batch norm normalises each feature over the batch, layer norm each sample over its "
        "features (the note's red, blue and green samples with features A-D).",
        estimate,
        holds=EXAMPLE_HOLDS,
        partly=EXAMPLE_PARTLY,
        evidence=f"Batch norm's means per feature were {fmt(f'{m:g}' for m in batch['mean'])} "
        f"(columns A-D); layer norm's per sample {fmt(f'{m:g}' for m in layer['mean'])} "
        f"(red, blue, green); both outputs matched torch.nn.functional's to within "
        f"{worst:.2g}.",
    )


def eps_claim(rows: list[dict[str, Any]]) -> Claim:
    fixed = sum(_eps_fixed(r) for r in rows)
    nan = sum(r["eps0_nonfinite"] > 0 for r in rows)
    noise = sum(r["eps0_nonfinite"] == 0 and r["eps0_largest"] >= 0.5 for r in rows)
    estimate = Estimate.exact(
        fixed / len(rows), method=f"{fixed} of {len(rows)} cases", count=len(rows)
    )
    largest = max(r["guarded_largest"] for r in rows)
    return Claim.judged(
        "eps guards a zero variance: with eps = 0 a constant feature gives inf/NaN, with the "
        "default eps a finite output.",
        estimate,
        holds=EPS_HOLDS,
        partly=EPS_PARTLY,
        evidence=f"Over {len(rows)} zero-variance cases (batch, layer, group and RMS norm; "
        f"float32 and float64; constants 0, 5 and -3.7), eps = 0 gave NaN in {nan} and "
        f"rounding noise blown up to order 1 in {noise}; eps = 1e-5 gave finite outputs no "
        f"larger than {largest:.2g} in {fixed} (PyTorch refuses eps = 0 for batch norm "
        f"in training).",
    )


# ---- 3: batch size ---------------------------------------------------------------------------


def measure_batch_sizes(scale: str, seed: int) -> dict[str, Any]:
    """Held-out accuracy of the digits CNN with each normalisation at each batch size."""
    from dataclasses import asdict

    from notelab.nn.norm.compare import compare_norms
    from notelab.nn.norm.spec import CompareSpec
    from notelab.nn.norm.workloads import digits_data

    cfg = SCALES[scale]
    total = len(digits_data()[1])
    spec = CompareSpec(
        batch_sizes=cfg["batch_sizes"],
        norms=NORMS,
        epochs=cfg["epochs"],
        seeds=cfg["seeds"],
        first_seed=seed * cfg["seeds"],
        held_out=1 - cfg["train"] / total,
        samples=0,
        gap_samples=cfg["gap_samples"],
    )
    result = compare_norms("digits-cnn", None, spec)
    return {
        "train_size": result.train_size,
        "held_out_size": result.held_out_size,
        "runs": [asdict(r) for r in result.runs],
        "rows": [asdict(r) for r in result.rows],
    }


def _accuracy(runs: list[dict[str, Any]], norm: str, batch: int) -> dict[int, float]:
    return {
        r["seed"]: r["held_out"] for r in runs if r["norm"] == norm and r["batch_size"] == batch
    }


def _direction(estimate: Estimate) -> str:
    """Whether the interval puts batch norm's extra loss above 0 (the paper's direction)."""
    side = (estimate.low > 0) - (estimate.high < 0)
    return {1: "the paper's direction", 0: "no clear direction", -1: "against the paper"}[side]


def batch_size_claim(data: dict[str, Any]) -> Claim:
    runs = data["runs"]
    small = {n: _accuracy(runs, n, BATCH_SMALL) for n in ("batch", "group")}
    ref = {n: _accuracy(runs, n, BATCH_REFERENCE) for n in ("batch", "group")}
    extra = [
        (ref["batch"][s] - small["batch"][s]) - (ref["group"][s] - small["group"][s])
        for s in small["batch"]
    ]
    estimate = Estimate.mean_interval(extra, method=f"mean over {len(extra)} seeds")
    mean = {
        k: sum(v.values()) / len(v)
        for k, v in (
            ("b2", small["batch"]),
            ("g2", small["group"]),
            ("b8", ref["batch"]),
            ("g8", ref["group"]),
        )
    }
    return Claim.judged(
        "Batch norm depends on the batch size (Wu and He: its error rises steeply below "
        "batch 8 while group norm's stays flat).",
        estimate,
        holds=BATCH_SIZE_HOLDS,
        partly=BATCH_SIZE_PARTLY,
        evidence=f"On the digits CNN ({data['train_size']} training samples, held-out "
        f"{data['held_out_size']}), batch norm's held-out accuracy went from "
        f"{mean['b8']:.3f} at batch {BATCH_REFERENCE} to {mean['b2']:.3f} at batch "
        f"{BATCH_SMALL}, group norm's from {mean['g8']:.3f} to {mean['g2']:.3f}: batch norm "
        f"lost {estimate.text()} more accuracy: {_direction(estimate)}.",
    )


# ---- 4: training vs inference ----------------------------------------------------------------


def measure_modes(scale: str, seed: int) -> list[dict[str, Any]]:
    """RMS difference between batch norm's train-mode and eval-mode outputs of the same
    held-out digits, per batch size; running statistics from one pass over the training half."""
    import torch

    from notelab.nn.norm import BatchNorm, LayerNorm
    from notelab.nn.norm import functional as F

    train, _, held, _ = _digits(seed, torch.float64)
    varying = train.std(0) > 0.05
    train, held = train[:, varying], held[:, varying]
    bn = BatchNorm(train.shape[1], momentum=None, dtype=torch.float64)
    for batch in train.split(64):
        bn(batch)  # training mode: cumulative running mean and variance
    running = (bn.running_mean, bn.running_var)
    ln, rows = LayerNorm(train.shape[1], dtype=torch.float64), []
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for size in SCALES[scale]["mode_sizes"]:
            gaps, ln_gaps = [], []
            for _ in range(SCALES[scale]["rounds"]):
                x = held[torch.randperm(len(held), generator=generator)[:size]]
                batch_stats = F.batch_norm(x, None, None, training=True)
                gaps.append(_rms(batch_stats - F.batch_norm(x, *running, training=False)))
                ln_gaps.append(float((ln.train()(x) - ln.eval()(x)).abs().max()))
            est = Estimate.mean_interval(gaps, method=f"mean of {len(gaps)} batches")
            rows.append({"batch_size": size, "gap": est.as_dict(), "layer_gap": max(ln_gaps)})
    return rows


def _rms(t: Any) -> float:
    return float(t.square().mean().sqrt())


def modes_claim(rows: list[dict[str, Any]], data: dict[str, Any]) -> Claim:
    at = next(r for r in rows if r["batch_size"] == MODES_BATCH)
    estimate = Estimate(**at["gap"])
    first, last = rows[0], rows[-1]
    model_gap = [r for r in data["rows"] if r["norm"] == "batch" and r["batch_size"] == BATCH_SMALL]
    return Claim.judged(
        "Batch norm behaves differently in training and inference.",
        estimate,
        holds=MODES_HOLDS,
        partly=MODES_PARTLY,
        evidence=f"The same held-out digits through batch norm in training mode (batch "
        f"statistics) and eval mode (running statistics) differed by {estimate.text()} standard "
        f"deviations (RMS) at batch {MODES_BATCH}, {first['gap']['value']:.2f} at batch "
        f"{first['batch_size']} and {last['gap']['value']:.3f} at {last['batch_size']}; layer "
        f"norm's largest difference was {max(r['layer_gap'] for r in rows):.1g}; for the "
        f"digits CNN trained at batch {BATCH_SMALL}, held-out accuracy in training mode minus "
        f"eval mode was {model_gap[0]['gap']['value']:+.3f}.",
    )


# ---- 5: variable-length sequences ------------------------------------------------------------


def _padded_batches(seed: int, rounds: int, size: int = 16) -> list[tuple[Any, Any]]:

    from notelab.nn.norm.workloads import sequence_data

    data, _ = sequence_data(rounds * size, seed=seed)
    batches = []
    for chunk in data.split(size):  # type: ignore[no-untyped-call]  # torch leaves it untyped
        width = int(chunk[..., -1].sum(1).max())  # pad to the batch's longest sequence
        batches.append((chunk[:, :width, :-1].double(), chunk[:, :width, -1].double()))
    return batches


def measure_padding(scale: str, seed: int) -> dict[str, Any]:
    """Batch norm of padded sequences with and without the mask, and layer norm, per batch."""
    import torch

    from notelab.nn.norm import functional as F

    shifts, extra_shift, masked_extra, layer_extra, thin_steps, padding = [], [], [], [], [], []
    for x, mask in _padded_batches(seed, SCALES[scale]["rounds"]):
        real = mask.bool()
        longer = torch.cat([x, torch.zeros_like(x)], dim=1)  # the same batch, twice the padding
        longer_mask = torch.cat([mask, torch.zeros_like(mask)], dim=1)
        plain = F.batch_norm(x, None, None, training=True, channels_last=True)
        masked = F.batch_norm(x, None, None, training=True, mask=mask, channels_last=True)
        plain2 = F.batch_norm(longer, None, None, training=True, channels_last=True)
        masked2 = F.batch_norm(
            longer, None, None, training=True, mask=longer_mask, channels_last=True
        )
        width = x.shape[1]
        shifts.append(_rms((plain - masked)[real]))
        extra_shift.append(_rms((plain2[:, :width] - plain)[real]))
        masked_extra.append(float((masked2[:, :width] - masked)[real].abs().max()))
        layer_extra.append(
            float((F.layer_norm(longer, 4)[:, :width] - F.layer_norm(x, 4))[real].abs().max())
        )
        thin_steps.append(float((mask.sum(0) < 2).double().mean()))
        padding.append(1 - float(mask.mean()))
    return {
        "shift": Estimate.mean_interval(shifts, method=f"mean of {len(shifts)} batches").as_dict(),
        "extra_padding_shift": sum(extra_shift) / len(extra_shift),
        "masked_extra_padding": max(masked_extra),
        "layer_extra_padding": max(layer_extra),
        "thin_steps": sum(thin_steps) / len(thin_steps),
        "padding": sum(padding) / len(padding),
        "batches": len(shifts),
    }


def padding_claim(data: dict[str, Any]) -> Claim:
    estimate = Estimate(**data["shift"])
    return Claim.judged(
        "Batch norm is awkward for recurrent and variable-length models.",
        estimate,
        holds=PADDING_HOLDS,
        partly=PADDING_PARTLY,
        evidence=f"In batches of 16 padded sequences ({data['padding']:.0%} padding), batch "
        f"norm counting the padding moved the real steps' outputs by {estimate.text()} standard "
        f"deviations from batch norm with the mask, and doubling the padding moved them "
        f"another {data['extra_padding_shift']:.2f}; with the mask and with layer norm, doubling "
        f"the padding moved them by at most {data['masked_extra_padding']:.1g} and "
        f"{data['layer_extra_padding']:.1g}; per-step statistics, as "
        f"a recurrent net needs, would rest on fewer than 2 sequences at "
        f"{data['thin_steps']:.0%} of the steps.",
    )


# ---- 6: layer norm and the batch --------------------------------------------------------------


def measure_alone(seed: int) -> list[dict[str, Any]]:
    """One digit alone and inside batches of other digits: layer and batch norm outputs."""
    import torch

    from notelab.nn.norm import functional as F

    _, _, held, _ = _digits(seed, torch.float64)
    generator, rows = torch.Generator().manual_seed(seed), []
    sample = held[:1]
    alone = F.layer_norm(sample, 64)[0]
    for size in ALONE_SIZES:
        ln_diff, bn_outputs = 0.0, []
        for _ in range(ALONE_TRIES):
            others = held[1 + torch.randperm(len(held) - 1, generator=generator)[: size - 1]]
            at = int(torch.randint(size, (1,), generator=generator))
            batch = torch.cat([others[:at], sample, others[at:]])
            ln_diff = max(ln_diff, float((F.layer_norm(batch, 64)[at] - alone).abs().max()))
            bn_outputs.append(F.batch_norm(batch, None, None, training=True)[at])
        spread = float((torch.stack(bn_outputs).amax(0) - torch.stack(bn_outputs).amin(0)).max())
        rows.append({"batch_size": size, "layer_difference": ln_diff, "batch_spread": spread})
    return rows


def alone_claim(rows: list[dict[str, Any]]) -> Claim:
    worst = max(r["layer_difference"] for r in rows)
    tries = ALONE_TRIES * len(rows)
    estimate = Estimate.exact(worst, method=f"largest of {tries} differences", count=tries)
    return Claim.judged(
        "Layer norm does not depend on the batch.",
        estimate,
        holds=ALONE_HOLDS,
        partly=ALONE_PARTLY,
        evidence=f"One digit's layer-norm output alone and inside {tries} batches of "
        f"{rows[0]['batch_size']} to {rows[-1]['batch_size']} digits: largest difference "
        f"{worst:.2g}; its batch-norm output moved by up to "
        f"{max(r['batch_spread'] for r in rows):.2f} with the company it kept.",
    )


# ---- 7: normalisation and training ------------------------------------------------------------


def _mlp(normalised: bool, depth: int = 4, width: int = 32) -> Any:
    from torch import nn

    from notelab.nn.norm import BatchNorm

    layers: list[nn.Module] = []
    features = 64
    for _ in range(depth):
        layers += [nn.Linear(features, width), BatchNorm(width) if normalised else nn.Identity()]
        layers.append(nn.ReLU())
        features = width
    return nn.Sequential(*layers, nn.Linear(features, 10))


def _train_mlp(data: tuple[Any, ...], normalised: bool, lr: float, steps: int, seed: int) -> float:
    import torch

    train_x, train_y, held_x, held_y = data
    torch.manual_seed(seed)
    model = _mlp(normalised)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        pick = torch.randint(len(train_x), (32,), generator=generator)
        loss = torch.nn.functional.cross_entropy(model(train_x[pick]), train_y[pick])
        optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]  # torch leaves it untyped
        optimizer.step()
    with torch.no_grad():
        held = float(torch.nn.functional.cross_entropy(model.eval()(held_x), held_y))
    return held if math.isfinite(held) else DIVERGED_LOSS


def measure_learning_rates(scale: str, seed: int) -> list[dict[str, Any]]:
    """Held-out loss of a 4-layer MLP on the digits after a fixed number of SGD steps."""
    cfg, rows = SCALES[scale], []
    for k in range(cfg["seeds"]):
        run_seed = seed * cfg["seeds"] + k
        data = _digits(run_seed)
        for lr in cfg["lrs"]:
            for normalised in (True, False):
                loss = _train_mlp(data, normalised, lr, cfg["lr_steps"], run_seed)
                rows.append({"seed": run_seed, "lr": lr, "normalised": normalised, "loss": loss})
    return rows


def speed_claim(rows: list[dict[str, Any]], steps: int) -> Claim:
    seeds = sorted({r["seed"] for r in rows})

    def best(seed: int, normalised: bool) -> float:
        return float(
            min(r["loss"] for r in rows if r["seed"] == seed and r["normalised"] == normalised)
        )

    ratios = [best(s, False) / best(s, True) for s in seeds]
    estimate = Estimate.mean_interval(ratios, unit="ratio", method=f"mean over {len(seeds)} seeds")
    with_norm = sum(best(s, True) for s in seeds) / len(seeds)
    without = sum(best(s, False) for s in seeds) / len(seeds)
    lrs = sorted({r["lr"] for r in rows})
    return Claim.judged(
        "Normalisation is a performance-improvement technique: training gets further in the "
        "same number of steps.",
        estimate,
        holds=SPEED_HOLDS,
        partly=SPEED_PARTLY,
        evidence=f"After {steps} SGD steps of batch 32 on the digits, a 4-layer MLP's best "
        f"held-out loss over learning rates {', '.join(f'{lr:g}' for lr in lrs)} was "
        f"{with_norm:.3f} with batch norm and {without:.3f} without: {estimate.text()} times "
        f"lower with it.",
    )


# ---- tables, figures, run ---------------------------------------------------------------------


def _numbers(values: list[float]) -> str:
    return "  ".join(f"{v:+.3f}" if math.isfinite(v) else str(v) for v in values)


def _example_table(ex: dict[str, Any]) -> Table:
    rows = [
        [name, _numbers(x), _numbers(b), _numbers(ln)]
        for name, x, b, ln in zip(
            ex["samples"], ex["values"], ex["batch"]["output"], ex["layer"]["output"], strict=True
        )
    ]
    return Table(
        "The note's example: inputs A-D and outputs (eps 1e-5)",
        ["sample", "input A  B  C  D", "batch norm A-D", "layer norm A-D"],
        rows,
    )


def _eps_table(eps: list[dict[str, Any]]) -> Table:
    rows = [
        [
            r["norm"],
            r["dtype"],
            r["constant"],
            r["eps0_nonfinite"],
            f"{r['eps0_largest']:.3g}",
            f"{r['guarded_largest']:.3g}",
        ]
        for r in eps
    ]
    columns = [
        "normalisation",
        "dtype",
        "constant value",
        "eps = 0: non-finite outputs",
        "eps = 0: largest finite |output|",
        "eps = 1e-5: largest |output|",
    ]
    return Table("A zero-variance unit with eps = 0 and eps = 1e-5", columns, rows)


def _compare_table(rows: list[dict[str, Any]]) -> Table:
    cells = [
        [
            r["norm"],
            r["batch_size"],
            r["steps"],
            Estimate(**r["metric"]).brief(),
            Estimate(**r["gap"]).brief(),
            f"{r['step_seconds'] * 1e3:.2f}",
        ]
        for r in rows
    ]
    columns = [
        "normalisation",
        "batch size",
        "steps",
        "held-out accuracy",
        "accuracy in training mode minus eval mode",
        "time per step (ms)",
    ]
    title = (
        "Digits CNN: held-out accuracy by normalisation and batch size (mean over seeds ± half "
        "its 95% interval)"
    )
    return Table(title, columns, cells)


def _modes_table(modes: list[dict[str, Any]]) -> Table:
    rows = [[r["batch_size"], Estimate(**r["gap"]).brief(), f"{r['layer_gap']:.2g}"] for r in modes]
    columns = [
        "batch size",
        "RMS difference (standard deviations)",
        "layer norm: largest difference",
    ]
    return Table("Batch norm: training-mode vs eval-mode outputs of the same digits", columns, rows)


def _alone_table(alone: list[dict[str, Any]]) -> Table:
    rows = [
        [r["batch_size"], f"{r['layer_difference']:.2g}", f"{r['batch_spread']:.3f}"] for r in alone
    ]
    columns = [
        "batch size",
        "layer norm: largest difference",
        "batch norm: largest spread over 5 batches",
    ]
    return Table("One digit alone and inside batches", columns, rows)


def _lr_table(rows: list[dict[str, Any]]) -> Table:
    cells = [
        [f"{lr:g}", *(_loss(rows, lr, normalised).brief() for normalised in (True, False))]
        for lr in sorted({r["lr"] for r in rows})
    ]
    return Table(
        "4-layer MLP: held-out loss after a fixed number of SGD steps (mean over seeds ± half "
        "its 95% interval)",
        ["learning rate", "loss with batch norm", "loss without normalisation"],
        cells,
    )


def _tables(m: dict[str, Any]) -> list[Table]:
    return [
        _example_table(m["example"]),
        _eps_table(m["eps"]),
        _compare_table(m["batch_sizes"]["rows"]),
        _modes_table(m["modes"]),
        _alone_table(m["alone"]),
        _lr_table(m["learning_rates"]),
    ]


def _loss(rows: list[dict[str, Any]], lr: float, normalised: bool) -> Estimate:
    losses = [r["loss"] for r in rows if r["lr"] == lr and r["normalised"] == normalised]
    return Estimate.mean_interval(losses)


def _with_intervals(axes: Any, x: list[float], estimates: list[Estimate], **style: Any) -> None:
    """Points joined by lines, each with its 95% interval as an error bar."""
    values, spread = error_bars(estimates)
    axes.errorbar(x, values, yerr=spread, marker="o", capsize=3, **style)


def _finished(figure: Any, name: str, caption: str, **labels: str) -> Figure:
    """A log-x figure with its labels and legend, in the house style."""
    axes = figure.axes[0]
    axes.set(xscale="log", **labels)
    axes.legend()
    return Figure(name, caption, finish(figure))


def _accuracy_figure(rows: list[dict[str, Any]]) -> Figure:
    figure, axes = new_axes()
    for colour, norm in zip(PALETTE, NORMS, strict=False):
        mine = [r for r in rows if r["norm"] == norm]
        sizes = [r["batch_size"] for r in mine]
        label = "no normalisation" if norm == "none" else f"{norm} norm"
        _with_intervals(
            axes, sizes, [Estimate(**r["metric"]) for r in mine], color=colour, label=label
        )
    low, high = axes.get_ylim()
    axes.set_ylim(max(0.0, low), min(1.01, high))  # accuracy: intervals drawn within [0, 1]
    return _finished(
        figure,
        "note03-accuracy",
        "Held-out accuracy of the digits CNN against batch size for each normalisation, mean "
        "over seeds with 95% intervals.",
        xlabel="batch size",
        ylabel="held-out accuracy",
        title="Digits CNN: accuracy against batch size",
    )


def _modes_figure(rows: list[dict[str, Any]]) -> Figure:
    figure, axes = new_axes()
    sizes = [r["batch_size"] for r in rows]
    layer = max(r["layer_gap"] for r in rows)
    _with_intervals(axes, sizes, [Estimate(**r["gap"]) for r in rows], label="batch norm")
    axes.plot([], [], " ", label=f"layer norm: {layer:g} at every batch size")
    axes.set_yscale("log")
    return _finished(
        figure,
        "note03-train-eval-gap",
        "RMS difference between batch norm's training-mode and eval-mode outputs of the same "
        "digits against batch size (95% intervals); layer norm's is 0.",
        xlabel="batch size",
        ylabel="train vs eval output gap (std, RMS)",
        title="Batch statistics vs running statistics",
    )


def _lr_figure(rows: list[dict[str, Any]]) -> Figure:
    figure, axes = new_axes()
    lrs = sorted({r["lr"] for r in rows})
    for normalised, label in ((True, "with batch norm"), (False, "without normalisation")):
        _with_intervals(axes, lrs, [_loss(rows, lr, normalised) for lr in lrs], label=label)
    axes.set_ylim(bottom=max(0.0, axes.get_ylim()[0]))  # a loss is not negative
    return _finished(
        figure,
        "note03-learning-rate",
        "Held-out loss of a 4-layer MLP on the digits after a fixed number of SGD steps "
        "against the learning rate, with and without batch norm (mean over seeds, 95% "
        "intervals).",
        xlabel="learning rate",
        ylabel="held-out loss",
        title="Loss after a fixed number of steps",
    )


def measure(scale: str = "quick", seed: int = 0) -> dict[str, Any]:
    """Every measurement of the finding, as plain data (with the seconds each took)."""
    parts: dict[str, Callable[[], Any]] = {
        "example": measure_example,
        "eps": measure_eps,
        "batch_sizes": lambda: measure_batch_sizes(scale, seed),
        "modes": lambda: measure_modes(scale, seed),
        "padding": lambda: measure_padding(scale, seed),
        "alone": lambda: measure_alone(seed),
        "learning_rates": lambda: measure_learning_rates(scale, seed),
    }
    import torch  # imported before one_thread(), which limits the libraries already loaded

    data: dict[str, Any] = {"seconds": {}, "torch_threads": 1, "torch": torch.__version__}
    with one_thread():
        for name, part in parts.items():
            start = time.perf_counter()
            data[name] = part()
            data["seconds"][name] = round(time.perf_counter() - start, 2)
    return data


def claims(m: dict[str, Any], scale: str) -> list[Claim]:
    """One claim per sentence of the note, each graded from its measurement."""
    return [
        example_claim(m["example"]),
        eps_claim(m["eps"]),
        batch_size_claim(m["batch_sizes"]),
        modes_claim(m["modes"], m["batch_sizes"]),
        padding_claim(m["padding"]),
        alone_claim(m["alone"]),
        speed_claim(m["learning_rates"], SCALES[scale]["lr_steps"]),
    ]


def run(scale: str = "quick", seed: int = 0) -> Finding:
    """Measure note 3's seven sentences on this machine and grade each."""
    if scale not in SCALES:
        raise ValueError(f"expected a scale from {', '.join(SCALES)}, got {scale!r}")
    m = measure(scale, seed)
    return Finding(
        note=3,
        title=TITLE,
        claims=claims(m, scale),
        tables=_tables(m),
        figures=[
            _accuracy_figure(m["batch_sizes"]["rows"]),
            _modes_figure(m["modes"]),
            _lr_figure(m["learning_rates"]),
        ],
        data={**m, "seed": seed, "scale": scale, "settings": SCALES[scale]},
    )
