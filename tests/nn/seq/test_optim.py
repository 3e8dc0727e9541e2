"""The compiled clip-then-Adam against ``clip_grad_norm_`` and ``torch.optim.Adam``."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from notelab._util import InputError
from notelab.nn.seq import optim
from notelab.nn.seq.optim import ClippedAdam, adam, clipped_step


def _pairs(dtype, seed=0):
    torch.manual_seed(seed)
    shapes = [(5, 3), (4,), (2, 2, 2)]
    values = [torch.randn(*s, dtype=dtype) for s in shapes]
    ours = [torch.nn.Parameter(v.clone()) for v in values]
    theirs = [torch.nn.Parameter(v.clone()) for v in values]
    return ours, theirs


def _set_grads(params, grads):
    for p, g in zip(params, grads, strict=True):
        p.grad = None if g is None else g.clone()


@settings(max_examples=20, deadline=None)
@given(
    max_norm=st.one_of(st.none(), st.floats(0.01, 100.0)),
    lr=st.floats(1e-4, 0.5),
    steps=st.integers(1, 6),
    seed=st.integers(0, 100),
)
def test_matches_clip_then_torch_adam_in_float64(max_norm, lr, steps, seed):
    ours, theirs = _pairs(torch.float64, seed)
    mine, reference = ClippedAdam(ours, lr=lr), torch.optim.Adam(theirs, lr=lr)
    for _ in range(steps):
        grads = [torch.randn_like(p) * 3 for p in ours]
        _set_grads(ours, grads)
        _set_grads(theirs, grads)
        norm = mine.step(max_norm=max_norm)
        if max_norm is not None:
            expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm)
            assert norm == pytest.approx(float(expected), rel=1e-12)
        reference.step()
        for a, b in zip(ours, theirs, strict=True):
            torch.testing.assert_close(a, b, atol=1e-12, rtol=0)
            torch.testing.assert_close(a.grad, b.grad, atol=1e-12, rtol=0)  # clipped in place


def test_float32_within_rounding_of_torch():
    ours, theirs = _pairs(torch.float32)
    mine, reference = ClippedAdam(ours, lr=0.01), torch.optim.Adam(theirs, lr=0.01, fused=True)
    for _ in range(10):
        grads = [torch.randn_like(p) for p in ours]
        _set_grads(ours, grads)
        _set_grads(theirs, grads)
        mine.step(max_norm=0.5)
        torch.nn.utils.clip_grad_norm_(theirs, 0.5)
        reference.step()
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)


def test_parameters_without_a_gradient_are_skipped_and_counted_apart():
    ours, theirs = _pairs(torch.float64)
    mine, reference = ClippedAdam(ours, lr=0.1), torch.optim.Adam(theirs, lr=0.1)
    for grads_present in ([True, False, True], [True, True, True], [False, True, True]):
        present = zip(ours, grads_present, strict=True)
        grads = [torch.randn_like(p) if keep else None for p, keep in present]
        _set_grads(ours, grads)
        _set_grads(theirs, grads)
        mine.step()
        reference.step()
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=0)
    assert [mine.state[p]["step"] for p in ours] == [2, 2, 3]
    assert [int(reference.state[p]["step"]) for p in theirs] == [2, 2, 3]


def test_no_gradients_at_all_is_a_no_op():
    ours, _ = _pairs(torch.float64)
    before = [p.detach().clone() for p in ours]
    assert ClippedAdam(ours).step(max_norm=1.0) == 0.0
    assert all(torch.equal(a, b) for a, b in zip(ours, before, strict=True))


def test_non_contiguous_gradient_is_stepped_right():
    ours, theirs = _pairs(torch.float64)
    grads = [torch.randn(3, 5).t(), torch.randn(4), torch.randn(2, 2, 2)]
    grads = [g.to(torch.float64) for g in grads]
    _set_grads(ours, grads)
    ours[0].grad = grads[0]  # transposed: not contiguous
    _set_grads(theirs, grads)
    ClippedAdam(ours, lr=0.1).step()
    torch.optim.Adam(theirs, lr=0.1).step()
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=0)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_refuses_parameters_it_cannot_step(dtype):
    with pytest.raises(InputError, match="float32 or float64 parameters on the CPU"):
        ClippedAdam([torch.nn.Parameter(torch.zeros(2, dtype=dtype))])


@pytest.mark.parametrize(
    ("dtype", "compiled", "expected"),
    [
        (torch.float32, True, ClippedAdam),
        (torch.float64, True, ClippedAdam),
        (torch.bfloat16, True, torch.optim.Adam),
        (torch.float32, False, torch.optim.Adam),
    ],
)
def test_adam_picks_the_compiled_one_where_it_runs(dtype, compiled, expected, monkeypatch):
    monkeypatch.setattr(optim, "COMPILED_ADAM", compiled)
    assert type(adam(torch.nn.Linear(2, 2).to(dtype), 1e-3)) is expected


@pytest.mark.parametrize("compiled", [True, False])
def test_clipped_step_clips_then_steps_either_optimizer(compiled, monkeypatch):
    monkeypatch.setattr(optim, "COMPILED_ADAM", compiled)
    torch.manual_seed(0)
    layer = torch.nn.Linear(4, 3).double()
    reference = torch.nn.Linear(4, 3).double()
    reference.load_state_dict(layer.state_dict())
    optimizer, expected = adam(layer, 0.1), torch.optim.Adam(reference.parameters(), lr=0.1)
    x = torch.randn(5, 4, dtype=torch.float64) * 10
    for model in (layer, reference):
        model(x).pow(2).sum().backward()
    clipped_step(layer, optimizer, 0.5)
    torch.nn.utils.clip_grad_norm_(reference.parameters(), 0.5)
    expected.step()
    for a, b in zip(layer.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=0)


def test_state_dict_round_trip_continues_the_same_run():
    ours, theirs = _pairs(torch.float64)
    steady = ClippedAdam(ours, lr=0.05)
    resumed = ClippedAdam(theirs, lr=0.05)
    torch.manual_seed(1)
    grads = [[torch.randn_like(p) for p in ours] for _ in range(4)]
    for step, g in enumerate(grads):
        _set_grads(ours, g)
        _set_grads(theirs, g)
        steady.step(max_norm=1.0)
        resumed.step(max_norm=1.0)
        if step == 1:  # save and load mid-run
            saved = resumed.state_dict()
            assert all(
                isinstance(v, torch.Tensor | int)
                for s in saved["state"].values()
                for v in s.values()
            )
            resumed = ClippedAdam(theirs, lr=0.05)
            resumed.load_state_dict(saved)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=0)


def test_new_parameter_data_and_a_loaded_state_are_picked_up():
    """The flat views are cached; they follow ``p.data = ...`` and ``load_state_dict``."""
    ours, theirs = _pairs(torch.float64)
    mine, reference = ClippedAdam(ours, lr=0.05), torch.optim.Adam(theirs, lr=0.05)
    torch.manual_seed(2)
    for step in range(4):
        grads = [torch.randn_like(p) for p in ours]
        _set_grads(ours, grads)
        _set_grads(theirs, grads)
        mine.step()
        reference.step()
        if step == 1:
            for p in ours:
                p.data = p.data.clone()  # new storage behind the parameter
        if step == 2:  # a saved state with new tensors
            saved = mine.state_dict()
            for state in saved["state"].values():
                state.update({k: v.clone() for k, v in state.items() if k != "step"})
            mine.load_state_dict(saved)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=0)
        for name in ("exp_avg", "exp_avg_sq"):  # the state steps where it is kept
            torch.testing.assert_close(
                mine.state[a][name], reference.state[b][name], atol=1e-12, rtol=0
            )


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_as_pytorch(set_to_none):
    ours, _ = _pairs(torch.float64)
    _set_grads(ours, [torch.ones_like(p) for p in ours])
    ClippedAdam(ours).zero_grad(set_to_none=set_to_none)
    for p in ours:
        assert p.grad is None if set_to_none else not p.grad.any()
