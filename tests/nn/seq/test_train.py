import pytest
import torch

from notelab.nn.seq import (
    ModelConfig,
    Vocabulary,
    encode_pairs,
    free_running,
    iterate_batches,
    load_model,
    save_model,
    scheduled,
    seeded_model,
    sequence_loss,
    task_split,
    teacher_forced,
    teacher_forcing,
    train,
)
from notelab.nn.seq.checkpoint import SavedModel
from notelab.nn.seq.schedules import Linear


def _data(n=256):
    fit, held = task_split("reverse", n, 32, seed=0, min_length=3, max_length=5)
    vocab = Vocabulary.build([s for s, _ in fit] + [t for _, t in fit])
    return vocab, encode_pairs(fit, vocab), encode_pairs(held, vocab)


def _model(vocab, **kw):
    return seeded_model(
        ModelConfig(vocabulary=len(vocab), hidden_size=16, embedding_dim=8, **kw), 0
    )


def test_teacher_forced_training_matches_a_plain_pytorch_loop():
    vocab, fit, held = _data()
    ours, theirs = _model(vocab), _model(vocab)
    train(ours, fit, held, teacher_forcing(), epochs=2, batch_size=64, learning_rate=1e-2, seed=5)
    optimizer = torch.optim.Adam(theirs.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(5)
    for _ in range(2):
        for batch in iterate_batches(fit, 64, generator=generator):
            loss = sequence_loss(teacher_forced(theirs, batch).logits, batch)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0)
            optimizer.step()
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def test_feeding_counts_add_up():
    vocab, fit, held = _data()
    taught = train(_model(vocab), fit, held, teacher_forcing(), epochs=1, batch_size=64)
    free = train(_model(vocab), fit, held, free_running(), epochs=1, batch_size=64)
    decisions = sum(len(t) for _, t in fit)  # inputs after <bos>: one per target token
    assert (taught.truth_inputs, taught.model_inputs, taught.one_call_steps) == (decisions, 0, 4)
    assert (free.truth_inputs, free.model_inputs, free.one_call_steps) == (0, decisions, 0)
    mixed = train(
        _model(vocab), fit, held, scheduled(Linear(k=1.0, c=0.25)), epochs=1, batch_size=64
    )
    assert mixed.one_call_steps == 1 and mixed.truth_inputs + mixed.model_inputs == decisions
    assert [c.step for c in mixed.checkpoints] == [4]


def test_training_learns_and_checkpoints():
    vocab, fit, held = _data(512)
    model = _model(vocab, attention=True)
    seen = []
    history = train(
        model,
        fit,
        held,
        teacher_forcing(),
        epochs=4,
        batch_size=32,
        learning_rate=1e-2,
        eval_every=8,
        on_checkpoint=seen.append,
    )
    assert [c.step for c in history.checkpoints] == list(range(8, 65, 8))
    assert seen == history.checkpoints
    losses = [c.metrics.teacher_forced_loss for c in history.checkpoints]
    assert losses[-1] < 0.7 * losses[0]


def test_checkpoint_round_trip(tmp_path):
    vocab, _fit, _held = _data(64)
    model = _model(vocab, attention=True)
    path = tmp_path / "m.pt"
    save_model(path, SavedModel(model, vocab, {"task": "reverse"}, [(["A"], ["A"])], {"x": 1}))
    loaded = load_model(path)
    assert loaded.vocabulary == vocab and loaded.heldout == [(["A"], ["A"])]
    assert loaded.training == {"x": 1} and loaded.model.config == model.config
    for a, b in zip(model.state_dict().values(), loaded.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("content", [b"not a model", None])
def test_bad_model_file(tmp_path, content):
    from notelab._util import InputError

    path = tmp_path / "bad.pt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match="a model file"):
        load_model(path)


@pytest.mark.parametrize("policy", [teacher_forcing(), scheduled(Linear(k=1.0, c=0.5))])
def test_backward_without_autograd_gives_what_autograd_gives(policy, monkeypatch):
    """``training.backward``: the fused path (no autograd) and PyTorch's graph agree on the
    loss, the gradients and the feeding counts, for the same draws."""
    from notelab.nn.seq import models
    from notelab.nn.seq.batch import collate
    from notelab.nn.seq.training import backward

    vocab, fit, _ = _data(32)
    batch = collate(fit[:8])
    results = []
    for compiled in (True, False):
        monkeypatch.setattr(models, "COMPILED_GRU", compiled)
        model = _model(vocab).double()
        generator = torch.Generator().manual_seed(3)
        result = backward(model, batch, policy, step=1, generator=generator)
        results.append((result, [p.grad for p in model.parameters()]))
    (fused, fused_grads), (graph, graph_grads) = results
    assert fused.one_call == graph.one_call == policy.all_truth(1)
    assert (fused.truth_inputs, fused.model_inputs) == (graph.truth_inputs, graph.model_inputs)
    assert fused.loss == pytest.approx(graph.loss, abs=1e-12)
    for a, b in zip(fused_grads, graph_grads, strict=True):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=0)
