"""The hand-written whole-sequence GRU against ``nn.GRU`` on the packed sequence (float64)."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from notelab.nn.seq import ModelConfig, gru_sequence, seeded_model


def _reference(gru, x, lengths, hidden):
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, last = gru(packed, hidden)
    padded, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    return padded, last


def _case(layers: int, lengths: list[int], seed: int):
    torch.manual_seed(seed)
    gru = nn.GRU(5, 7, num_layers=layers, batch_first=True).double()
    x = torch.randn(len(lengths), max(lengths), 5, dtype=torch.float64, requires_grad=True)
    hidden = torch.randn(layers, len(lengths), 7, dtype=torch.float64, requires_grad=True)
    return gru, x, torch.tensor(lengths), hidden


def _outputs_and_grads(run, gru, x, lengths, hidden, weights):
    out, last = run(gru, x, lengths, hidden)
    loss = (out * weights[0]).sum() + (last * weights[1]).sum()
    return [out, last, *torch.autograd.grad(loss, [x, hidden, *gru.parameters()])]


@settings(max_examples=15, deadline=None)
@given(
    layers=st.integers(1, 3),
    lengths=st.lists(st.integers(1, 6), min_size=1, max_size=5),
    seed=st.integers(0, 1000),
)
def test_outputs_and_gradients_match_nn_gru_in_float64(layers, lengths, seed):
    gru, x, lengths_t, hidden = _case(layers, lengths, seed)
    weights = (
        torch.randn(len(lengths), max(lengths), 7, dtype=torch.float64),
        torch.randn(layers, len(lengths), 7, dtype=torch.float64),
    )
    ours = _outputs_and_grads(gru_sequence, gru, x, lengths_t, hidden, weights)
    theirs = _outputs_and_grads(_reference, gru, x, lengths_t, hidden, weights)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=0)


def test_no_initial_state_is_zeros():
    gru, x, lengths, _ = _case(2, [4, 2, 3], 0)
    out, last = gru_sequence(gru, x, lengths)
    ref_out, ref_last = _reference(gru, x, lengths, None)
    torch.testing.assert_close(out, ref_out, atol=1e-10, rtol=0)
    torch.testing.assert_close(last, ref_last, atol=1e-10, rtol=0)


def test_gradcheck_against_finite_differences():
    gru, x, lengths, hidden = _case(2, [3, 1, 2], 1)

    def run(x, hidden, *params):  # gradcheck perturbs the parameters in place
        return gru_sequence(gru, x, lengths, hidden)

    assert torch.autograd.gradcheck(run, (x, hidden, *gru.parameters()), atol=1e-8)


@pytest.mark.parametrize("kind", ["seq2seq", "lm"])
def test_state_dict_keeps_nn_gru_names(kind):
    model = seeded_model(ModelConfig(kind=kind, vocabulary=9, hidden_size=6), 0)
    names = {n for n in model.state_dict() if ".weight_" in n or ".bias_" in n}
    assert "gru.weight_ih_l0" in names and "gru.bias_hh_l0" in names
    assert all(isinstance(m, nn.GRU) for n, m in model.named_children() if n in ("gru", "encoder"))


def _layer_nodes(model, batch) -> set[str]:
    from notelab.nn.seq import sequence_loss, teacher_forced

    loss = sequence_loss(teacher_forced(model, batch).logits, batch)
    nodes, stack = set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in nodes:
            nodes.add(node)
            stack.extend(n for n, _ in node.next_functions)
    return {type(n).__name__ for n in nodes}


@pytest.mark.parametrize(("hidden", "compiled"), [(8, True), (200, True), (8, False)])
def test_one_call_uses_the_compiled_gru_on_the_cpu_at_any_hidden_size(
    hidden, compiled, monkeypatch
):
    from notelab.nn.seq import collate
    from notelab.nn.seq import models as seq_models

    monkeypatch.setattr(seq_models, "COMPILED_GRU", compiled)
    model = seeded_model(ModelConfig(kind="lm", vocabulary=9, hidden_size=hidden), 0)
    batch = collate([([5, 6, 3], [7, 8]), ([5, 3], [6])])
    assert ("_GRULayerBackward" in _layer_nodes(model, batch)) == compiled


@pytest.mark.parametrize(
    ("dtype", "expected"), [(torch.float32, True), (torch.float64, True), (torch.bfloat16, False)]
)
def test_whole_sequence_only_for_the_kernels_dtypes(dtype, expected):
    from notelab.nn.seq.models import whole_sequence

    assert whole_sequence(torch.zeros(2, 3, dtype=dtype)) is expected


def test_float32_matches_nn_gru_over_long_sequences():
    """The float32 kernels (a rational tanh) stay within float32 rounding of nn.GRU: no drift
    over 60 steps, outputs and every gradient."""
    torch.manual_seed(0)
    gru = nn.GRU(6, 32, num_layers=2, batch_first=True)
    x = torch.randn(5, 60, 6, requires_grad=True)
    hidden = torch.randn(2, 5, 32, requires_grad=True)
    lengths = torch.tensor([60, 17, 60, 1, 33])
    weights = (torch.randn(5, 60, 32), torch.randn(2, 5, 32))
    ours = _outputs_and_grads(gru_sequence, gru, x, lengths, hidden, weights)
    theirs = _outputs_and_grads(_reference, gru, x, lengths, hidden, weights)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, atol=2e-5, rtol=1e-4)


def test_float32_tanh_within_its_stated_error_and_nan_stays_nan():
    import numba
    import numpy as np

    from notelab.nn.seq import _gru_kernels

    @numba.njit
    def apply(a, out):
        for i in range(a.size):
            out[i] = _gru_kernels.tanh(a[i])

    special = [np.inf, -np.inf, 0.0, -0.0, 1e-30, 3e38, -3e38]
    x = np.concatenate([np.linspace(-12, 12, 200_001), special]).astype(np.float32)
    out = np.empty_like(x)
    apply(x, out)
    assert np.abs(out - np.tanh(x.astype(np.float64))).max() < 3.5e-7
    assert out[-5] == 0.0 and np.signbit(out[-4]) and abs(out[-3] - 1e-30) < 1e-36
    nan = np.array([np.nan, 1.0], np.float32)
    apply(nan, out[:2])
    assert np.isnan(out[0]) and abs(out[1] - np.tanh(1.0)) < 3.5e-7
    exact = np.linspace(-30, 30, 1001)
    out64 = np.empty_like(exact)
    apply(exact, out64)  # float64: the C library's tanh
    np.testing.assert_allclose(out64, np.tanh(exact), rtol=1e-15, atol=0)


@settings(max_examples=60, deadline=None)
@given(lengths=st.lists(st.integers(1, 7), min_size=1, max_size=9), extra=st.integers(0, 2))
def test_packing_matches_a_brute_force_layout(lengths, extra):
    """Longest first (ties in order), then step by step: every real (sequence, step) once."""
    from notelab.nn.seq.gru import Packing

    steps = max(lengths) + extra
    packing = Packing.of(torch.tensor(lengths), steps)
    order = sorted(range(len(lengths)), key=lambda b: -lengths[b])  # sorted() is stable
    layout = [(b, t) for t in range(max(lengths)) for b in order if lengths[b] > t]
    assert packing.order.tolist() == order
    sizes = [sum(n > t for n in lengths) for t in range(max(lengths))]
    assert packing.batch_sizes.tolist() == sizes
    assert packing.index.tolist() == [b * steps + t for b, t in layout]
    assert packing.last.tolist() == [layout.index((b, n - 1)) for b, n in enumerate(lengths)]


@pytest.mark.parametrize("lengths", [[], [0, 2], [2, 4]])
def test_packing_refuses_lengths_outside_one_to_steps(lengths):
    from notelab.nn.seq.gru import Packing

    with pytest.raises(ValueError, match="lengths from 1 to 3"):
        Packing.of(torch.tensor(lengths, dtype=torch.long), 3)
