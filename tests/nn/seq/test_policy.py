import pytest
import torch

from notelab._util import InputError
from notelab.nn.seq import (
    FeedingPolicy,
    ModelConfig,
    Schedule,
    collate,
    decode,
    free_running,
    scheduled,
    seeded_model,
    stepped,
    teacher_forcing,
)
from notelab.nn.seq.schedules import Linear


def _batch(size=64, length=9):
    g = torch.Generator().manual_seed(1)
    rows = [
        (
            [*torch.randint(5, 12, (length,), generator=g).tolist(), 3],
            torch.randint(5, 12, (length,), generator=g).tolist(),
        )
        for _ in range(size)
    ]
    return collate(rows)


def _model():
    return seeded_model(ModelConfig(vocabulary=12, hidden_size=16, embedding_dim=8), 0)


@pytest.mark.parametrize("per", ["token", "sequence"])
@pytest.mark.parametrize("own", ["argmax", "sample"])
def test_policy_feeds_exactly_the_recorded_mix(per, own):
    batch, model = _batch(), _model()
    policy = teacher_forcing(0.3, per=per, own=own)
    with torch.no_grad():
        record = decode(model, batch, policy, generator=torch.Generator().manual_seed(7))
    # the mask is the policy's own draw: the same generator state gives the same mask
    expected = policy.truth_mask(0, *batch.target_in.shape, torch.Generator().manual_seed(7))
    assert torch.equal(record.truth, expected)
    truth_fed = record.fed[record.truth]
    assert torch.equal(truth_fed, batch.target_in[record.truth])
    if own == "argmax":  # where not the truth: the model's previous argmax
        previous = torch.cat([record.predicted[:, :1], record.predicted[:, :-1]], 1)
        assert torch.equal(record.fed[~record.truth], previous[~record.truth])
    n_truth, n_model = record.feed_counts(batch.mask)
    decided = int(batch.mask.sum()) - batch.size
    assert n_truth + n_model == decided
    assert int(record.truth[:, 1:].sum()) == int(expected[:, 1:].sum())
    assert 0.2 < n_truth / decided < 0.4  # 0.3 of 576 draws (or of 64 rows per sequence)
    if per == "sequence":
        assert bool((record.truth[:, 1:] == record.truth[:, 1:2]).all())


def test_teacher_forcing_runs_in_one_call_and_free_running_steps():
    batch, model = _batch(8), _model()
    taught = decode(model, batch, teacher_forcing())
    assert taught.one_call and bool(taught.truth.all())
    free = decode(model, batch, free_running())
    assert not free.one_call
    assert not bool(free.truth[:, 1:].any()) and bool(free.truth[:, 0].all())
    assert torch.equal(free.fed[:, 1:], free.predicted[:, :-1])


def test_wrong_prediction_is_followed_by_the_truth(bigram):
    # the note's example: the model predicts a wrong token, teacher forcing feeds the truth
    from tests.nn.seq.conftest import ids

    batch = collate([([3], ids("A", "C", "B"))])
    record = stepped(bigram, batch, torch.ones_like(batch.target_in, dtype=torch.bool))
    assert record.predicted[0].tolist() == ids("A", "B", "C", "<eos>")  # B is wrong at step 2
    assert record.fed[0].tolist() == ids("<bos>", "A", "C", "B")  # ... and C came next anyway
    free = stepped(bigram, batch, torch.tensor([[True, False, False, False]]))
    assert free.fed[0].tolist() == ids("<bos>", "A", "B", "<eos>")


def test_scheduled_policy_follows_its_schedule():
    policy = scheduled(Linear(k=1.0, c=0.1))
    assert policy.all_truth(0) and not policy.all_truth(1)
    masks = [policy.truth_mask(i, 2000, 2, torch.Generator().manual_seed(i)) for i in (2, 8)]
    assert masks[0][:, 1].float().mean() == pytest.approx(0.8, abs=0.04)
    assert masks[1][:, 1].float().mean() == pytest.approx(0.2, abs=0.04)


@pytest.mark.parametrize(("field", "value"), [("per", "batch"), ("own", "beam")])
def test_bad_policy_options(field, value):
    with pytest.raises(InputError):
        FeedingPolicy(Schedule(), **{field: value})
