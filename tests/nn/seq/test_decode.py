import pytest
import torch
from torch import nn

from notelab.nn.seq import (
    ModelConfig,
    collate,
    gru_step,
    seeded_model,
    sequence_loss,
    stepped,
    teacher_forced,
)

CONFIGS = [
    ModelConfig(vocabulary=14, hidden_size=16, embedding_dim=8),
    ModelConfig(vocabulary=14, hidden_size=16, embedding_dim=8, attention=True),
    ModelConfig(vocabulary=14, hidden_size=16, embedding_dim=8, attention=True, num_layers=2),
    ModelConfig(kind="lm", vocabulary=14, hidden_size=16, embedding_dim=8),
    ModelConfig(kind="lm", vocabulary=14, hidden_size=16, embedding_dim=8, num_layers=2),
    ModelConfig(vocabulary=14, hidden_size=56, embedding_dim=8, attention=True),
]


def _ragged_batch():
    g = torch.Generator().manual_seed(3)
    rows = []
    for i in range(12):
        s, t = 1 + i % 5, 1 + (i * 7) % 6
        rows.append(
            (
                [*torch.randint(5, 14, (s,), generator=g).tolist(), 3],
                torch.randint(5, 14, (t,), generator=g).tolist(),
            )
        )
    return collate(rows)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled-gru", "nn-gru"])
@pytest.mark.parametrize(
    "config", CONFIGS, ids=lambda c: f"{c.kind}-a{c.attention}-l{c.num_layers}-h{c.hidden_size}"
)
def test_one_call_and_stepped_give_the_same_loss_and_gradients(config, compiled, monkeypatch):
    from notelab.nn.seq import models

    monkeypatch.setattr(models, "COMPILED_GRU", compiled)  # one call on the kernels or nn.GRU
    model, batch = seeded_model(config, 0), _ragged_batch()
    everything = torch.ones_like(batch.target_in, dtype=torch.bool)
    losses, grads = [], []
    for record in (lambda: teacher_forced(model, batch), lambda: stepped(model, batch, everything)):
        model.zero_grad()
        loss = sequence_loss(record().logits, batch)
        loss.backward()
        losses.append(loss.item())
        grads.append([p.grad.clone() for p in model.parameters()])
    assert abs(losses[0] - losses[1]) < 1e-6
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)


def test_padding_does_not_change_an_example():
    model = seeded_model(CONFIGS[1], 0)
    alone = collate([([5, 6, 3], [7, 8])])
    padded = collate([([5, 6, 3], [7, 8]), ([5, 6, 7, 8, 9, 3], [9, 9, 9, 9])])
    a = teacher_forced(model, alone).logits[0]
    b = teacher_forced(model, padded).logits[0, :3]
    torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)


def test_gru_step_is_nn_gru_one_step():
    torch.manual_seed(0)
    gru = nn.GRU(5, 7, num_layers=3, batch_first=True)
    x, h = torch.randn(4, 5), torch.randn(3, 4, 7)
    out, new = gru_step(gru, x, h)
    ref, ref_h = gru(x[:, None], h)
    torch.testing.assert_close(out, ref[:, 0], atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(new, ref_h, atol=1e-6, rtol=1e-5)


def test_loss_is_plain_cross_entropy_over_real_positions():
    model, batch = seeded_model(CONFIGS[0], 1), _ragged_batch()
    logits = teacher_forced(model, batch).logits
    pieces = [
        nn.functional.cross_entropy(logits[i, :n], batch.target_out[i, :n], reduction="sum")
        for i, n in enumerate(batch.target_lengths.tolist())
    ]
    expected = torch.stack(pieces).sum() / batch.target_lengths.sum()
    assert sequence_loss(logits, batch).item() == pytest.approx(expected.item(), abs=1e-6)
