"""Swapping normalisation layers, and the comparison across batch sizes (counting clock, tiny
factories, so nothing depends on the machine's speed)."""

import itertools

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Subset, TensorDataset

from notelab._util import InputError
from notelab.nn.norm import BatchNorm, GroupNorm, LayerNorm
from notelab.nn.norm._batches import batches
from notelab.nn.norm.compare import (
    CompareSpec,
    Comparison,
    Interval,
    Row,
    best_per_batch,
    check_spec,
    compare_norms,
    norms_in_train_mode,
)
from notelab.nn.norm.swap import find_slots, group_count, swap_norms
from notelab.nn.norm.workloads import DigitsCNN, SequenceGRU, load_workload, sequence_data

MLP = "tests.nn.norm.factories:small_mlp"


def counting_clock():
    ticks = itertools.count()
    return lambda: float(next(ticks))


def test_slots_of_the_built_in_models():
    cnn = find_slots(DigitsCNN())
    assert [(s.kind, s.channels, s.channels_last) for s in cnn] == [
        ("BatchNorm2d", 16, False),
        ("BatchNorm2d", 32, False),
        ("BatchNorm1d", 64, False),
    ]
    assert [(s.kind, s.channels_last) for s in find_slots(SequenceGRU())] == [("LayerNorm", True)]


@pytest.mark.parametrize("norm", ["batch", "layer", "group", "none"])
def test_every_swap_keeps_the_model_working(norm):
    torch.manual_seed(0)
    x = torch.rand(4, 1, 8, 8)
    cnn = swap_norms(DigitsCNN(), norm, groups=8)
    assert cnn(x).shape == (4, 10)
    sequences, _ = sequence_data(4)
    gru = swap_norms(SequenceGRU(), norm)
    assert gru(sequences).shape == (4, 4)
    kinds = {type(m) for m in cnn.modules()}
    expected = {"batch": BatchNorm, "layer": GroupNorm, "group": GroupNorm, "none": nn.Identity}
    assert expected[norm] in kinds and nn.BatchNorm2d not in kinds


def test_layer_norm_for_a_channel_slot_is_layer_norm_over_channels_and_positions():
    x = torch.randn(3, 4, 5, 5, dtype=torch.float64)
    swapped = swap_norms(nn.Sequential(nn.BatchNorm2d(4)), "layer").double()
    expected = torch.nn.functional.layer_norm(x, (4, 5, 5))
    torch.testing.assert_close(swapped(x), expected, rtol=0, atol=1e-10)


def test_batch_norm_for_a_features_last_slot_takes_statistics_over_samples_and_steps():
    model = swap_norms(nn.Sequential(nn.LayerNorm(6)), "batch")
    assert isinstance(model[0], BatchNorm) and model[0].channels_last
    x = torch.randn(4, 7, 6)
    expected = torch.nn.functional.batch_norm(x.reshape(-1, 6), None, None, training=True)
    torch.testing.assert_close(model(x), expected.reshape(4, 7, 6))


def test_group_count_and_refusals():
    assert group_count(32, 8) == 8 and group_count(12, 8) == 6 and group_count(7, 8) == 1
    assert group_count(8, 8) == 4  # two channels per group at least
    with pytest.raises(InputError, match="BatchNorm, LayerNorm"):
        swap_norms(nn.Sequential(nn.Linear(2, 2)), "layer")
    with pytest.raises(InputError, match="LayerNorm over one axis"):
        swap_norms(nn.Sequential(nn.LayerNorm((2, 3))), "batch")
    assert isinstance(swap_norms(nn.Sequential(nn.LayerNorm((2, 3))), "layer")[0], LayerNorm)


def test_batches_are_what_a_data_loader_yields():
    data = TensorDataset(torch.arange(23.0), torch.arange(23) * 2)
    subset = Subset(data, list(range(3, 20)))
    for drop_last in (False, True):
        ours = list(batches(subset, 4, drop_last=drop_last))
        loader = list(DataLoader(subset, 4, drop_last=drop_last))
        assert len(ours) == len(loader) == (4 if drop_last else 5)
        for a, b in zip(ours, loader, strict=True):
            assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
        shuffled = list(
            batches(subset, 4, generator=torch.Generator().manual_seed(5), drop_last=drop_last)
        )
        assert [len(b[0]) for b in shuffled] == [len(b[0]) for b in loader]
        seen = torch.cat([b[0] for b in shuffled])
        assert len(set(seen.tolist())) == len(seen) and set(seen.tolist()) <= set(range(3, 20))
        assert torch.equal(torch.cat([b[1] for b in shuffled]), seen.long() * 2)


def test_compare_trains_every_setting_for_the_same_samples():
    spec = CompareSpec(
        batch_sizes=(4, 16), norms=("batch", "group", "none"), seeds=2, epochs=2, samples=96
    )
    result = compare_norms(None, MLP, spec, clock=counting_clock())
    assert result.metric == "accuracy" and (result.train_size, result.held_out_size) == (77, 19)
    assert len(result.runs) == 2 * 3 * 2
    steps = {(r.norm, r.batch_size): r.steps for r in result.runs}
    assert steps[("batch", 4)] == 2 * (77 // 4) and steps[("none", 16)] == 2 * (77 // 16)
    assert all(r.step_seconds == 1.0 for r in result.runs)  # one tick per timed step
    assert all(r.gap == 0 for r in result.runs if r.norm != "batch")  # no batch statistics
    assert [(r.norm, r.batch_size) for r in result.rows][:2] == [("batch", 4), ("batch", 16)]
    again = compare_norms(None, MLP, spec, clock=counting_clock())
    assert [r.held_out for r in again.runs] == [r.held_out for r in result.runs]


def test_compare_reports_the_loss_for_a_regression_model():
    spec = CompareSpec(batch_sizes=(8,), norms=("layer", "batch"), seeds=1, samples=64)
    result = compare_norms(None, "tests.nn.norm.factories:regression", spec)
    assert result.metric == "loss"
    assert all(r.held_out > 0 for r in result.runs)


def test_compare_on_the_built_in_digits():
    spec = CompareSpec(batch_sizes=(64,), norms=("group",), seeds=1, samples=300, held_out=0.5)
    result = compare_norms("digits-cnn", None, spec, clock=counting_clock())
    assert (result.train_size, result.held_out_size) == (150, 150)
    assert result.runs[0].steps == 2 and 0 <= result.runs[0].held_out <= 1


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (CompareSpec(batch_sizes=(1, 4)), "batch sizes >= 2 for batch norm"),
        (CompareSpec(batch_sizes=(4,), norms=("batch", "rms")), "--norms from"),
        (CompareSpec(batch_sizes=(4,), held_out=1.0), "held-out share"),
        (CompareSpec(batch_sizes=(4,), seeds=0), "--seeds >= 1"),
    ],
)
def test_check_spec_refuses(spec, message):
    with pytest.raises(InputError, match=message):
        check_spec(spec)


def test_batch_one_is_fine_without_batch_norm_and_too_large_a_batch_is_refused():
    check_spec(CompareSpec(batch_sizes=(1, 4), norms=("layer", "group")))
    with pytest.raises(InputError, match="up to the 77 training samples"):
        compare_norms(
            None, MLP, CompareSpec(batch_sizes=(128,), norms=("none",), seeds=1, samples=96)
        )
    with pytest.raises(InputError, match="factory exploded"):
        load_workload(None, "tests.nn.norm.factories:fails", samples=8)


def test_norms_in_train_mode_restores_the_running_statistics():
    model = nn.Sequential(nn.Linear(3, 4), BatchNorm(4)).eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with norms_in_train_mode(model):
        assert model[1].training and not model[0].training
        model(torch.randn(8, 3))
    assert not model[1].training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_best_per_batch_names_the_ties():
    def row(norm, mean, half):
        return Row(
            norm, 8, 10, Interval(mean, mean - half, mean + half, 3), Interval(0, 0, 0, 3), 0.1
        )

    result = Comparison("w", "accuracy", CompareSpec(batch_sizes=(8,)), [], 10, 5)
    result.rows = [row("batch", 0.80, 0.01), row("group", 0.90, 0.02), row("layer", 0.89, 0.02)]
    (best,) = best_per_batch(result)
    assert (best.norm, best.tied) == ("group", ["layer"])
    result.metric = "loss"
    assert best_per_batch(result)[0].norm == "batch"
