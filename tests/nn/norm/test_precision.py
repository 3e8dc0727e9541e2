"""Rounding in float32: the layers' outputs and gradients, on inputs whose mean is 50 standard
deviations from zero (where an uncentred formula loses digits), against a float64 reference,
are as close as torch's own float32 kernels (within 10x their error, plus 2e-6)."""

import pytest
import torch

from notelab.nn.norm import BatchNorm, GroupNorm, LayerNorm, RMSNorm

F64 = torch.float64
OFFSET = 50.0
FACTOR, FLOOR = 10.0, 2e-6


def outputs_and_grads(layer, x, upstream):
    x = x.clone().requires_grad_(True)
    layer.zero_grad()
    y = layer(x)
    y.backward(upstream)
    return [y.detach(), x.grad] + [p.grad for p in layer.parameters()]


def relative_errors(values, reference):
    return [
        float((v.to(F64) - r).abs().max() / r.abs().max())
        for v, r in zip(values, reference, strict=True)
    ]


@pytest.mark.parametrize(
    ("ours", "theirs", "shape"),
    [
        (BatchNorm(8), torch.nn.BatchNorm1d(8), (64, 8, 16)),
        (BatchNorm(8), torch.nn.BatchNorm1d(8), (256, 8)),
        (LayerNorm(64), torch.nn.LayerNorm(64), (32, 64)),
        (GroupNorm(4, 8), torch.nn.GroupNorm(4, 8), (16, 8, 32)),
        (RMSNorm(64), torch.nn.RMSNorm(64), (32, 64)),
    ],
    ids=["batch", "batch-2d", "layer", "group", "rms"],
)
def test_float32_error_is_torchs(ours, theirs, shape):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=generator, dtype=F64) + OFFSET
    upstream = torch.randn(shape, generator=generator, dtype=F64)
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(0.5, 1.5, generator=generator)
    ours.load_state_dict(theirs.state_dict())
    reference = outputs_and_grads(theirs.double(), x, upstream)
    theirs.float(), ours.float()
    mine = relative_errors(outputs_and_grads(ours, x.float(), upstream.float()), reference)
    torchs = relative_errors(outputs_and_grads(theirs, x.float(), upstream.float()), reference)
    for a, b in zip(mine, torchs, strict=True):
        assert a <= FACTOR * b + FLOOR, (mine, torchs)
