"""The teacher-forced loss in one autograd node against PyTorch's graph of the same model
(``nn.GRU`` on the packed sequence, ``nn.Linear``, cross-entropy), float64."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from notelab.nn.seq import (
    ModelConfig,
    collate,
    seeded_model,
    sequence_loss,
    teacher_forced,
    teacher_forced_loss,
    teacher_forcing,
    train,
)
from notelab.nn.seq import models as seq_models
from notelab.nn.seq.fused import add_gradients, applies, loss_and_logits


def _model(kind: str, layers: int, seed: int = 0, dtype=torch.float64):
    attention = kind == "attention"
    config = ModelConfig(
        kind="seq2seq" if attention else kind,
        attention=attention,
        vocabulary=12,
        embedding_dim=5,
        hidden_size=7,
        num_layers=layers,
    )
    return seeded_model(config, seed).to(dtype)


def _reference(model, batch, monkeypatch):
    """Loss, logits and every parameter's gradient through PyTorch's own operations."""
    monkeypatch.setattr(seq_models, "COMPILED_GRU", False)
    logits = teacher_forced(model, batch).logits
    loss = sequence_loss(logits, batch)
    grads = torch.autograd.grad(loss, list(model.parameters()))
    monkeypatch.setattr(seq_models, "COMPILED_GRU", True)
    return loss, logits, grads


_pairs = st.lists(
    st.tuples(
        st.lists(st.integers(3, 11), min_size=0, max_size=6),
        st.lists(st.integers(3, 11), min_size=0, max_size=6),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=30, deadline=None)
@given(kind=st.sampled_from(["lm", "seq2seq", "attention"]), layers=st.integers(1, 2), pairs=_pairs)
def test_loss_logits_and_gradients_match_pytorch_in_float64(kind, layers, pairs):
    with pytest.MonkeyPatch.context() as monkeypatch:
        model = _model(kind, layers)
        batch = collate([([*source, 3], target) for source, target in pairs])  # 3: <sep>
        loss, logits = loss_and_logits(model, batch)
        grads = torch.autograd.grad(loss, list(model.parameters()))
        ref_loss, ref_logits, ref_grads = _reference(model, batch, monkeypatch)
        torch.testing.assert_close(loss, ref_loss, atol=1e-12, rtol=0)
        torch.testing.assert_close(logits[batch.mask], ref_logits[batch.mask], atol=1e-12, rtol=0)
        for ours, theirs in zip(grads, ref_grads, strict=True):
            torch.testing.assert_close(ours, theirs, atol=1e-10, rtol=0)


@pytest.mark.parametrize("kind", ["seq2seq", "attention"])
def test_float32_within_rounding_of_pytorch(kind, monkeypatch):
    model = _model(kind, 2, dtype=torch.float32)
    batch = collate([([5, 6, 7, 8, 3], [9, 10, 4]), ([4, 3], [5]), ([6, 6, 3], [7, 8, 9, 10])])
    loss, _ = loss_and_logits(model, batch)
    grads = torch.autograd.grad(loss, list(model.parameters()))
    ref_loss, _, ref_grads = _reference(model, batch, monkeypatch)
    torch.testing.assert_close(loss, ref_loss, atol=1e-6, rtol=1e-6)
    for ours, theirs in zip(grads, ref_grads, strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=1e-5)


def test_padding_gets_the_bias_and_pad_embedding_no_gradient():
    model = _model("lm", 1)
    batch = collate([([5, 6, 3], [7, 8, 9]), ([5, 3], [9])])
    loss, logits = loss_and_logits(model, batch)
    loss.backward()
    assert not logits.requires_grad
    torch.testing.assert_close(logits[1, 2], model.output.bias.detach())
    assert model.embedding.weight.grad[0].abs().sum() == 0
    assert model.embedding.weight.grad[5].abs().sum() > 0


@pytest.mark.parametrize(
    ("attention", "dtype", "compiled", "expected"),
    [
        (False, torch.float32, True, True),
        (False, torch.float64, True, True),
        (True, torch.float32, True, True),
        (False, torch.bfloat16, True, False),
        (False, torch.float32, False, False),
    ],
)
def test_applies_only_where_the_kernels_run(attention, dtype, compiled, expected, monkeypatch):
    monkeypatch.setattr(seq_models, "COMPILED_GRU", compiled)
    config = ModelConfig(vocabulary=9, hidden_size=6, attention=attention)
    assert applies(seeded_model(config, 0).to(dtype)) is expected


@pytest.mark.parametrize("attention", [False, True])
def test_teacher_forced_loss_gives_the_record_of_the_one_call_path(attention):
    model = seeded_model(ModelConfig(vocabulary=12, hidden_size=6, attention=attention), 0)
    batch = collate([([5, 6, 3], [7, 8]), ([5, 3], [9])])
    record, loss = teacher_forced_loss(model, batch)
    reference = teacher_forced(model, batch)
    torch.testing.assert_close(loss, sequence_loss(reference.logits, batch))
    assert record.one_call and bool(record.truth.all())
    assert torch.equal(record.fed, reference.fed)
    assert torch.equal(record.predicted[batch.mask], reference.predicted[batch.mask])


def test_training_follows_the_same_path_as_pytorch(monkeypatch):
    """Three teacher-forced Adam steps, fused and through PyTorch's graph: the same weights."""
    data = [([5, 6, 3], [6, 5]), ([7, 3], [7]), ([8, 9, 10, 3], [10, 9, 8])] * 4
    trained = []
    for compiled in (True, False):
        monkeypatch.setattr(seq_models, "COMPILED_GRU", compiled)
        model = _model("lm", 1)
        history = train(model, data, data[:2], teacher_forcing(), epochs=1, batch_size=4)
        trained.append(model.state_dict())
    assert history.one_call_steps == history.steps == 3
    for name, value in trained[0].items():
        torch.testing.assert_close(value, trained[1][name], atol=1e-10, rtol=0)


@pytest.mark.parametrize("fused", [True, False])
def test_weights_changed_before_backward_is_an_error(fused, monkeypatch):
    """As in PyTorch's own graph: the saved weights are checked for in-place changes."""
    from notelab.nn.seq import gru_sequence

    model = _model("lm", 1)
    batch = collate([([5, 6, 3], [7, 8])])
    if fused:
        loss, _ = loss_and_logits(model, batch)
    else:
        embedded = model.embedding(batch.source)
        loss = gru_sequence(model.gru, embedded, batch.source_lengths)[0].sum()
    with torch.no_grad():
        model.gru.weight_hh_l0.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_backward_twice_with_retain_graph_adds_the_same_gradients():
    model = _model("seq2seq", 2)
    batch = collate([([5, 6, 3], [7, 8]), ([4, 3], [9, 9, 9])])
    loss, _ = loss_and_logits(model, batch)
    once = torch.autograd.grad(loss, list(model.parameters()), retain_graph=True)
    again = torch.autograd.grad(loss, list(model.parameters()))
    for a, b in zip(once, again, strict=True):
        torch.testing.assert_close(a, b, atol=0, rtol=0)


@settings(max_examples=20, deadline=None)
@given(kind=st.sampled_from(["lm", "seq2seq", "attention"]), layers=st.integers(1, 2), pairs=_pairs)
def test_add_gradients_gives_the_loss_and_gradients_of_pytorch_in_float64(kind, layers, pairs):
    """Training's path without autograd: the same loss and gradients as PyTorch's graph."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        model = _model(kind, layers)
        batch = collate([([*source, 3], target) for source, target in pairs])
        loss = add_gradients(model, batch)
        grads = [p.grad.clone() for p in model.parameters()]
        ref_loss, _, ref_grads = _reference(model, batch, monkeypatch)
        assert loss == pytest.approx(ref_loss.item(), abs=1e-12)
        for ours, theirs in zip(grads, ref_grads, strict=True):
            torch.testing.assert_close(ours, theirs, atol=1e-10, rtol=0)


def test_add_gradients_adds_to_existing_gradients_as_backward_does():
    model = _model("attention", 1)
    batch = collate([([5, 6, 3], [7, 8]), ([4, 3], [9, 9, 9])])
    add_gradients(model, batch)
    once = [p.grad.clone() for p in model.parameters()]
    add_gradients(model, batch)
    for p, g in zip(model.parameters(), once, strict=True):
        torch.testing.assert_close(p.grad, 2 * g, atol=1e-12, rtol=0)


def test_the_language_model_reads_prompt_and_target_as_one_packed_sequence():
    """Hand layout: prompts [5 3] and [6 7 3], target inputs [1 8 9] and [1]; joined lengths 5
    and 4, packed step by step longest first."""
    from notelab.nn.seq._gru_kernels import joined
    from notelab.nn.seq.gru import Packing

    batch = collate([([5, 3], [8, 9]), ([6, 7, 3], [])])
    lengths = batch.source_lengths + batch.target_lengths
    packing = Packing.of(lengths, 5)
    ids, rows, at = joined(
        batch.source.numpy(),
        batch.source_lengths.numpy(),
        batch.target_in.numpy(),
        batch.target_lengths.numpy(),
        packing.index.numpy(),
        5,
    )
    assert ids.tolist() == [5, 6, 3, 7, 1, 3, 8, 1, 9]
    assert rows.tolist() == [4, 6, 8, 7]  # the packed rows that read 1, 8, 9, then 1
    assert at.tolist() == [0, 1, 2, 3]  # their places in the padded (2, 3) target


@pytest.mark.parametrize("copies", [1, 6])  # fewer tokens than vocabulary entries, and more
@pytest.mark.parametrize("kind", ["lm", "seq2seq"])
def test_first_layer_per_token_or_per_vocabulary_entry_gives_pytorchs_gradients(
    kind, copies, monkeypatch
):
    from notelab.nn.seq import fused

    model = _model(kind, 2)
    batch = collate([([5, 6, 3], [7, 8]), ([4, 3], [9])] * copies)
    for lengths in (batch.source_lengths, batch.target_lengths):  # each pass's tokens
        tokens = range(int(lengths.sum()))
        assert fused._per_entry(model.embedding.weight, tokens) is (copies > 1)
    add_gradients(model, batch)
    grads = [p.grad for p in model.parameters()]
    _, _, ref_grads = _reference(model, batch, monkeypatch)
    for ours, theirs in zip(grads, ref_grads, strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-10, rtol=0)


def test_add_gradients_leaves_frozen_parameters_without_a_gradient(monkeypatch):
    """As ``backward``: a parameter that does not require a gradient gets none, so the
    optimizer leaves it as it is; the others get PyTorch's."""
    model = _model("seq2seq", 1)
    model.encoder_embedding.weight.requires_grad_(False)
    batch = collate([([5, 6, 3], [7, 8]), ([4, 3], [9])] * 4)
    add_gradients(model, batch)
    assert model.encoder_embedding.weight.grad is None
    trainable = [p for p in model.parameters() if p.requires_grad]
    grads = [p.grad for p in trainable]
    monkeypatch.setattr(seq_models, "COMPILED_GRU", False)
    loss = sequence_loss(teacher_forced(model, batch).logits, batch)
    for ours, theirs in zip(grads, torch.autograd.grad(loss, trainable), strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-10, rtol=0)
