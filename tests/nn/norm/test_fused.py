"""The compiled CPU kernels (``_kernels``) and the torch operations they stand in for: both
paths against ``torch.nn`` within 1e-10 in float64 with gradcheck, and which inputs go where."""

import os
import signal

import pytest
import torch

from notelab.nn.norm import BatchNorm, GroupNorm, LayerNorm, RMSNorm, _fused
from notelab.nn.norm._function import Spec
from tests.nn.norm.conftest import close
from tests.nn.norm.test_against_torch import run_both

F64 = torch.float64
LAYERS = [
    (lambda: BatchNorm(4), lambda: torch.nn.BatchNorm2d(4), (3, 4, 5, 2)),
    (lambda: BatchNorm(6), lambda: torch.nn.BatchNorm1d(6), (5, 6)),
    (lambda: LayerNorm((3, 4)), lambda: torch.nn.LayerNorm((3, 4)), (2, 3, 4)),
    (lambda: GroupNorm(2, 4), lambda: torch.nn.GroupNorm(2, 4), (3, 4, 6)),
    (lambda: GroupNorm(3, 6), lambda: torch.nn.GroupNorm(3, 6), (4, 6)),
    (
        lambda: GroupNorm(2, 4, affine=False),
        lambda: torch.nn.GroupNorm(2, 4, affine=False),
        (3, 4, 3, 3),
    ),
    (lambda: RMSNorm(5), lambda: torch.nn.RMSNorm(5), (7, 5)),
]
IDS = ["batch-2d", "batch-1d", "layer", "group", "group-2d", "group-plain", "rms"]


@pytest.fixture(params=[True, False], ids=["kernels", "torch-ops"])
def fused(request, monkeypatch):
    monkeypatch.setattr(_fused, "ENABLED", request.param)
    return request.param


@pytest.mark.parametrize(("ours", "theirs", "shape"), LAYERS, ids=IDS)
def test_both_paths_match_torch(fused, ours, theirs, shape):
    x = torch.randn(*shape, dtype=F64, generator=torch.Generator().manual_seed(3))
    run_both(ours().double(), theirs().double(), x, steps=3)


@pytest.mark.parametrize(("ours", "theirs", "shape"), LAYERS, ids=IDS)
def test_both_paths_pass_gradcheck(fused, ours, theirs, shape):
    layer = ours().double()
    generator = torch.Generator().manual_seed(4)
    with torch.no_grad():
        for p in layer.parameters():
            p.uniform_(0.5, 1.5, generator=generator)
    x = torch.randn(*shape, dtype=F64, generator=generator).requires_grad_(True)
    params = tuple(layer.parameters())

    def function(x, *values):
        return torch.func.functional_call(
            layer, dict(zip(["weight", "bias"], values, strict=False)), (x,)
        )

    assert torch.autograd.gradcheck(
        function, (x, *(p.detach().clone().requires_grad_(True) for p in params))
    )


def test_a_constant_feature_without_eps_gives_nan_as_torch(fused):
    x = torch.ones(4, 3, dtype=F64)
    ours, theirs = LayerNorm(3, eps=0.0).double(), torch.nn.LayerNorm(3, eps=0.0).double()
    close(ours(x), theirs(x))
    assert ours(x).isnan().all()


def spec(view, dims, stats=False):
    return Spec(
        view, dims, tuple(1 if d in dims else s for d, s in enumerate(view)), 1e-5, True, stats
    )


@pytest.mark.parametrize(
    ("x", "mask", "fixed", "spec_", "expected"),
    [
        (torch.zeros(4, 6), None, False, spec((4, 6), (1,)), "rows"),
        (torch.zeros(4, 6), None, False, spec((4, 6), (0,), True), "batch"),
        (torch.zeros(4, 6, 5), None, False, spec((4, 6, 5), (0, 2), True), "batch"),
        (torch.zeros(4, 6, 5), None, False, spec((4, 2, 3, 5), (2, 3)), "groups"),
        (torch.zeros(4, 6, 5), None, False, spec((4, 5, 2, 3), (1, 3)), None),  # channels last
        (torch.zeros(4, 6), torch.ones(4, 1), False, spec((4, 6), (0,)), None),  # masked
        (torch.zeros(4, 6), None, True, spec((4, 6), (0,)), None),  # eval: fixed statistics
        (torch.zeros(6, 4).t(), None, False, spec((4, 6), (1,)), None),  # not contiguous
        (torch.zeros(4, 6, dtype=torch.float16), None, False, spec((4, 6), (1,)), None),
        (torch.zeros(0, 6), None, False, spec((0, 6), (1,)), None),  # empty
    ],
)
def test_which_inputs_the_kernels_take(x, mask, fixed, spec_, expected):
    assert _fused.kind(x, (None, None), mask, fixed, spec_) == expected


def test_kernels_are_switched_off_by_enabled(monkeypatch):
    monkeypatch.setattr(_fused, "ENABLED", False)
    assert _fused.kind(torch.zeros(4, 6), (None, None), None, False, spec((4, 6), (1,))) is None


def test_parameters_of_another_dtype_are_left_to_torch():
    weight = torch.ones(6, dtype=F64)
    assert _fused.kind(torch.zeros(4, 6), (weight, None), None, False, spec((4, 6), (1,))) is None


@pytest.fixture
def two_threads(monkeypatch):
    """Torch set to two threads and every input large enough for the kernels' threads."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    monkeypatch.setattr(_fused, "PARALLEL_MIN", 0)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize(
    ("ours", "theirs", "shape"),
    [LAYERS[i] for i in (2, 3, 4, 6)],
    ids=["layer", "group", "group-2d", "rms"],
)
def test_threads_split_the_rows_with_the_same_results(two_threads, ours, theirs, shape):
    x = torch.randn(5, *shape[1:], dtype=F64, generator=torch.Generator().manual_seed(5))
    run_both(ours().double(), theirs().double(), x, steps=2)
    assert _fused._runs("rows", x, 5) == 2


def test_a_forked_child_runs_the_kernels_on_one_thread(two_threads):
    """numba's threads are GNU OpenMP's, which abort a forked child that uses them once the
    parent has: a child (a DataLoader worker) runs the serial kernels, with the same result."""
    layer, x = LayerNorm(8).double(), torch.randn(6, 8, dtype=F64)
    expected = layer(x)  # the parent's threads have started
    assert _fused._runs("rows", x, 6) == 2
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        signal.alarm(30)  # a child stuck on the parent's threads ends here, and fails the test
        ok = torch.equal(layer(x), expected) and _fused._runs("rows", x, 6) == 1
        os.write(writer, b"1" if ok else b"0")
        os._exit(0)
    os.close(writer)
    os.waitpid(pid, 0)
    assert os.read(reader, 1) == b"1"
