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


@pytest.mark.parametrize(("hidden", "whole_sequence"), [(48, True), (49, False)])
def test_one_call_uses_the_whole_sequence_gru_up_to_its_hidden_size(hidden, whole_sequence):
    from notelab.nn.seq import collate, sequence_loss, teacher_forced
    from notelab.nn.seq.models import WHOLE_SEQUENCE_MAX_HIDDEN

    assert WHOLE_SEQUENCE_MAX_HIDDEN == 48
    model = seeded_model(ModelConfig(kind="lm", vocabulary=9, hidden_size=hidden), 0)
    batch = collate([([5, 6, 3], [7, 8]), ([5, 3], [6])])
    loss = sequence_loss(teacher_forced(model, batch).logits, batch)
    nodes, stack = set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in nodes:
            nodes.add(node)
            stack.extend(n for n, _ in node.next_functions)
    names = {type(n).__name__ for n in nodes}
    assert ("_GRULayerBackward" in names) == whole_sequence
