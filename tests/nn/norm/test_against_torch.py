"""Every layer against the ``torch.nn`` layer it mirrors: outputs, gradients for input, weight
and bias, and running statistics, within 1e-10 in float64, for random shapes (hypothesis)."""

import math

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from notelab.nn.norm import BatchNorm, GroupNorm, LayerNorm, RMSNorm
from tests.nn.norm.conftest import DEVICES, close

F64 = torch.float64
SETTINGS = settings(max_examples=25, deadline=None)
shapes = st.lists(st.integers(1, 4), min_size=0, max_size=2)


def run_both(ours, theirs, x, steps=1, seed=0):
    """Same parameters in both layers; outputs and gradients after ``steps`` forward passes."""
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(-2, 2, generator=torch.Generator().manual_seed(seed))
    ours.load_state_dict(theirs.state_dict())
    generator = torch.Generator().manual_seed(seed + 1)
    for step in range(steps):
        xs = x * (1 + step) + step
        upstream = torch.randn(xs.shape, generator=generator, dtype=F64).to(x.device)
        results = []
        for layer in (ours, theirs):
            xi = xs.clone().requires_grad_(True)
            layer.zero_grad()
            y = layer(xi)
            y.backward(upstream)
            grads = [xi.grad] + [p.grad for p in layer.parameters()]
            results.append((y.detach(), grads))
        close(results[0][0], results[1][0])
        for a, b in zip(results[0][1], results[1][1], strict=True):
            close(a, b)
    for (name, a), (_, b) in zip(
        ours.state_dict().items(), theirs.state_dict().items(), strict=True
    ):
        close(a.to(F64), b.to(F64)), name


def torch_batch_norm(dims, channels, **kw):
    cls = {0: torch.nn.BatchNorm1d, 1: torch.nn.BatchNorm1d, 2: torch.nn.BatchNorm2d}[dims]
    return cls(channels, dtype=F64, **kw)


@SETTINGS
@given(
    batch=st.integers(2, 6),
    channels=st.integers(1, 5),
    spatial=shapes,
    momentum=st.sampled_from([0.1, 0.5, None]),
    affine=st.booleans(),
    train=st.booleans(),
)
def test_batch_norm_matches_torch(batch, channels, spatial, momentum, affine, train):
    x = torch.randn(batch, channels, *spatial, dtype=F64)
    kw = {"momentum": momentum, "affine": affine}
    ours = BatchNorm(channels, dtype=F64, **kw)
    theirs = torch_batch_norm(len(spatial), channels, **kw)
    ours.train(train), theirs.train(train)
    run_both(ours, theirs, x, steps=4)


@pytest.mark.parametrize("device", DEVICES)
def test_running_statistics_after_many_steps(device):
    ours = BatchNorm(6, momentum=None, dtype=F64, device=device)
    theirs = torch.nn.BatchNorm2d(6, momentum=None, dtype=F64, device=device)
    run_both(ours, theirs, torch.randn(3, 6, 4, 5, dtype=F64, device=device), steps=30)
    assert int(ours.num_batches_tracked) == 30
    ours.eval(), theirs.eval()
    run_both(ours, theirs, torch.randn(2, 6, 4, 5, dtype=F64, device=device))


@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_without_running_statistics(train):
    ours = BatchNorm(3, track_running_stats=False, dtype=F64).train(train)
    theirs = torch.nn.BatchNorm1d(3, track_running_stats=False, dtype=F64).train(train)
    run_both(ours, theirs, torch.randn(5, 3, 7, dtype=F64))
    assert ours.running_mean is None and "running_mean" not in ours.state_dict()


@SETTINGS
@given(
    lead=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    normalized=st.lists(st.integers(1, 5), min_size=1, max_size=2),
    affine=st.booleans(),
    bias=st.booleans(),
    eps=st.sampled_from([1e-5, 1e-3, 0.5]),
)
def test_layer_norm_matches_torch(lead, normalized, affine, bias, eps):
    x = torch.randn(*lead, *normalized, dtype=F64)
    kw = {"eps": eps, "elementwise_affine": affine, "bias": bias}
    run_both(
        LayerNorm(normalized, dtype=F64, **kw), torch.nn.LayerNorm(normalized, dtype=F64, **kw), x
    )


@SETTINGS
@given(
    lead=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    normalized=st.lists(st.integers(1, 5), min_size=1, max_size=2),
    affine=st.booleans(),
    eps=st.sampled_from([None, 1e-6, 0.25]),
)
def test_rms_norm_matches_torch(lead, normalized, affine, eps):
    x = torch.randn(*lead, *normalized, dtype=F64)
    kw = {"eps": eps, "elementwise_affine": affine}
    run_both(RMSNorm(normalized, dtype=F64, **kw), torch.nn.RMSNorm(normalized, dtype=F64, **kw), x)


@SETTINGS
@given(
    batch=st.integers(1, 4),
    groups=st.integers(1, 4),
    per_group=st.integers(1, 3),
    spatial=shapes,
    affine=st.booleans(),
)
def test_group_norm_matches_torch(batch, groups, per_group, spatial, affine):
    channels = groups * per_group
    assume(per_group * math.prod(spatial) > 1)  # torch refuses one value per group, as we do
    x = torch.randn(batch, channels, *spatial, dtype=F64)
    ours = GroupNorm(groups, channels, affine=affine, dtype=F64)
    theirs = torch.nn.GroupNorm(groups, channels, affine=affine, dtype=F64)
    run_both(ours, theirs, x)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    ("ours", "theirs", "shape"),
    [
        (lambda **k: BatchNorm(4, **k), lambda **k: torch.nn.BatchNorm2d(4, **k), (3, 4, 5, 2)),
        (
            lambda **k: LayerNorm((3, 4), **k),
            lambda **k: torch.nn.LayerNorm((3, 4), **k),
            (2, 3, 4),
        ),
        (lambda **k: GroupNorm(2, 4, **k), lambda **k: torch.nn.GroupNorm(2, 4, **k), (3, 4, 6)),
        (lambda **k: RMSNorm(4, **k), lambda **k: torch.nn.RMSNorm(4, **k), (5, 4)),
    ],
)
def test_each_layer_on_each_device(device, ours, theirs, shape):
    x = torch.randn(*shape, dtype=F64, device=device)
    run_both(ours(dtype=F64, device=device), theirs(dtype=F64, device=device), x, steps=2)


def test_state_dicts_load_either_way():
    pairs = [
        (BatchNorm(5), torch.nn.BatchNorm2d(5)),
        (LayerNorm((2, 3), bias=False), torch.nn.LayerNorm((2, 3), bias=False)),
        (GroupNorm(2, 6), torch.nn.GroupNorm(2, 6)),
        (RMSNorm(7), torch.nn.RMSNorm(7)),
    ]
    for ours, theirs in pairs:
        with torch.no_grad():
            for p in theirs.parameters():
                p.normal_()
        ours.load_state_dict(theirs.state_dict())
        theirs.load_state_dict(ours.state_dict())
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for a, b in zip(ours.state_dict().values(), theirs.state_dict().values(), strict=True):
            assert torch.equal(a, b)


def test_one_value_per_channel_in_training_is_refused_as_torch_does():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        torch.nn.BatchNorm1d(3)(torch.randn(1, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm(3)(torch.randn(1, 3))
    BatchNorm(3).eval()(torch.randn(1, 3))  # running statistics: one sample is fine
