"""The hand-written backward: ``torch.autograd.gradcheck`` on every path of the one function
(batch statistics, fixed statistics, RMS, masks, channels last), and the variants torch has no
layer for checked against torch on an equivalent input."""

import pytest
import torch

from notelab.nn.norm import (
    BatchNorm,
    GroupNorm,
    LayerNorm,
    RMSNorm,
    batch_norm,
    group_norm,
    layer_norm,
    rms_norm,
)
from notelab.nn.norm._function import Normalize, Spec
from tests.nn.norm.conftest import close

F64 = torch.float64
RUNNING_MEAN, RUNNING_VAR = (
    torch.tensor([0.5, -1.0, 2.0], dtype=F64),
    torch.tensor([0.5, 2.0, 1.5], dtype=F64),
)


def leaf(*shape, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=F64).requires_grad_(True)


@pytest.mark.parametrize(
    "function",
    [
        lambda x, w, b: batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: batch_norm(x, RUNNING_MEAN, RUNNING_VAR, w, b, training=False),
        lambda x, w, b: batch_norm(
            x,
            None,
            None,
            w,
            b,
            training=True,
            mask=torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]], dtype=F64),
        ),
        lambda x, w, b: layer_norm(x, (3, 4), w.repeat(4).reshape(3, 4), None),
        lambda x, w, b: rms_norm(x, 4, torch.cat([w, b[:1]]), eps=1e-3),
        lambda x, w, b: group_norm(
            x.reshape(3, 4, 3), 2, torch.cat([w, b[:1]]), torch.cat([b, w[:1]])
        ),
        lambda x, w, b: batch_norm(
            x.transpose(1, 2), None, None, w, b, training=True, channels_last=True
        ),
        lambda x, w, b: group_norm(x.transpose(1, 2), 3, w, b, channels_last=True),
    ],
    ids=[
        "batch",
        "batch-eval",
        "batch-masked",
        "layer",
        "rms",
        "group",
        "batch-last",
        "group-last",
    ],
)
def test_gradcheck(function):
    x, w, b = leaf(3, 3, 4), leaf(3, seed=1), leaf(3, seed=2)
    assert torch.autograd.gradcheck(function, (x, w, b))


def test_backward_is_the_hand_written_one():
    x = leaf(4, 3)
    y = Normalize.apply(x, None, None, None, None, None, Spec((4, 3), (0,), (1, 3), 1e-5))
    assert type(y.grad_fn).__name__ == "NormalizeBackward"


def real_positions(t, lengths):
    """``(N, C, T)`` -> ``(real positions, C)``: the values the padding mask keeps."""
    return torch.cat([t[i, :, :n] for i, n in enumerate(lengths)], dim=1).T


def test_masked_batch_norm_equals_batch_norm_of_the_real_positions():
    x, lengths = leaf(3, 2, 5), [5, 3, 1]
    mask = (torch.arange(5) < torch.tensor(lengths)[:, None]).to(F64)
    rm, rv = torch.zeros(2, dtype=F64), torch.ones(2, dtype=F64)
    ours = real_positions(batch_norm(x, rm, rv, training=True, mask=mask), lengths)
    real = real_positions(x, lengths).detach().requires_grad_(True)
    reference = torch.nn.BatchNorm1d(2, dtype=F64)
    theirs = reference(real)
    close(ours, theirs)
    close(rm, reference.running_mean)
    close(rv, reference.running_var)
    upstream = torch.randn(theirs.shape, dtype=F64)
    ours.backward(upstream)
    theirs.backward(upstream)
    close(real_positions(x.grad, lengths), real.grad)


def test_channels_last_equals_torch_on_the_transposed_input():
    x = torch.randn(4, 7, 6, dtype=F64)  # (N, T, C)
    bn = BatchNorm(6, channels_last=True, dtype=F64)
    close(bn(x), torch.nn.BatchNorm1d(6, dtype=F64)(x.transpose(1, 2)).transpose(1, 2))
    gn = GroupNorm(3, 6, channels_last=True, dtype=F64)
    close(gn(x), torch.nn.GroupNorm(3, 6, dtype=F64)(x.transpose(1, 2)).transpose(1, 2))


def test_eps_guards_a_constant_feature():
    x = torch.tensor([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]], dtype=F64)
    guarded = batch_norm(x, None, None, training=True)
    unguarded = batch_norm(x, None, None, training=True, eps=0.0)
    assert torch.isfinite(guarded).all() and torch.equal(guarded[:, 1], torch.zeros(3, dtype=F64))
    assert torch.isnan(unguarded[:, 1]).all()
    with pytest.raises(ValueError, match="eps must be positive"):  # torch refuses eps=0 here
        torch.nn.functional.batch_norm(x, None, None, training=True, eps=0.0)
    close(layer_norm(x.T, 3, eps=0.0), torch.nn.functional.layer_norm(x.T, (3,), eps=0.0))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: BatchNorm(3)(torch.randn(2, 4)), "3 channels"),
        (lambda: GroupNorm(2, 5), "dividing"),
        (lambda: layer_norm(torch.randn(2, 3), (4,)), "last dimensions"),
        (lambda: batch_norm(torch.randn(2, 3), None, None), "running_mean"),
        (
            lambda: BatchNorm(2)(
                torch.randn(3, 2, 4), torch.tensor([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
            ),
            "more than 1",
        ),
    ],
)
def test_bad_shapes_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def noise(*shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(3), dtype=F64)


@pytest.mark.parametrize(
    ("ours", "theirs", "x"),
    [
        (LayerNorm(8), torch.nn.LayerNorm(8), noise(8, 5).T),
        (LayerNorm((4, 8)), torch.nn.LayerNorm((4, 8)), noise(3, 8, 4).mT),
        (
            BatchNorm(4),
            torch.nn.BatchNorm2d(4),
            noise(3, 4, 5, 6).to(memory_format=torch.channels_last),
        ),
        (
            GroupNorm(2, 4),
            torch.nn.GroupNorm(2, 4),
            noise(3, 4, 5, 6).to(memory_format=torch.channels_last),
        ),
        (RMSNorm(8), torch.nn.RMSNorm(8), noise(8, 5).T),
    ],
    ids=["layer-transposed", "layer-2d-transposed", "batch-channels-last", "group", "rms"],
)
def test_strided_inputs_and_an_expanded_upstream_gradient(ours, theirs, x):
    """Inputs that are not contiguous, and the expanded gradient ``y.sum()`` sends back."""
    ours, theirs = ours.double(), theirs.double()
    ours.load_state_dict(theirs.state_dict())
    results = []
    for layer in (ours, theirs):
        xi = x.clone().requires_grad_(True)
        y = layer(xi)
        (y * torch.arange(y.shape[-1], dtype=F64)).sum().backward()
        results.append([y.detach(), xi.grad] + [p.grad for p in layer.parameters()])
    for a, b in zip(*results, strict=True):
        close(a, b)
