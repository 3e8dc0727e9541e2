import itertools

import pytest

from notelab._util import InputError
from notelab.nn.seq import (
    TrainOptions,
    eval_run,
    generate_pairs,
    load_model,
    show_run,
    train_run,
)

SMALL = {
    "examples": 96,
    "heldout": 24,
    "epochs": 1,
    "hidden_size": 8,
    "embedding_dim": 8,
    "batch_size": 32,
    "device": "cpu",
}


@pytest.fixture(scope="module")
def copy_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("seq") / "copy.pt"
    report = train_run(TrainOptions(task="copy", schedule="linear", save=str(path), **SMALL))
    return path, report


def test_train_report_adds_up(copy_model):
    path, report = copy_model
    doc = report.as_dict()
    t = doc["training"]
    assert t["steps"] == 3 and len(t["checkpoints"]) == 1
    fit = generate_pairs("copy", 120, seed=0)[:96]
    assert t["truth_inputs"] + t["model_inputs"] == sum(len(target) for _, target in fit)
    assert doc["data"]["training_pairs"] == 96 and doc["data"]["heldout_pairs"] == 24
    assert doc["metrics"]["examples"] == 24
    saved = load_model(path)
    assert saved.training["schedule"] == "linear" and len(saved.heldout) == 24


def test_eval_on_saved_fresh_and_file(copy_model, tmp_path):
    path, report = copy_model
    saved = eval_run(path)
    assert saved.metrics == report.metrics
    fresh = eval_run(path, task="copy", examples=30)
    assert fresh.metrics.examples == 30 and "fresh" in fresh.source
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("A B\tA B\nC\tC\n")
    assert eval_run(path, data=tsv, tokens="word").metrics.examples == 2


def test_show_steps(copy_model):
    path, _ = copy_model
    report = show_run(path, "A B C D E")
    assert report.target == list("ABCDE")
    assert [s.truth for s in report.steps[:6]] == [*"ABCDE", "<eos>"]
    assert [s.teacher_input for s in report.steps[:6]] == ["<bos>", *"ABCDE"]
    free = [s for s in report.steps]
    assert all(b.free_input == a.free_predicted for a, b in itertools.pairwise(free))
    with pytest.raises(InputError, match="unseen"):
        show_run(path, "A B Z")
    assert show_run(path, "A B Z", unknown="map", target="A B C").target == ["A", "B", "C"]


def test_options_are_checked():
    with pytest.raises(InputError, match="exactly one of --task or --data"):
        TrainOptions()
    with pytest.raises(InputError, match="k >= 1"):
        TrainOptions(task="copy", schedule="inverse-sigmoid", k=0.5)
    with pytest.raises(InputError, match="a positive --epochs"):
        TrainOptions(task="copy", epochs=0)
    with pytest.raises(InputError, match="attention with the seq2seq"):
        train_run(TrainOptions(task="copy", model="lm", attention=True, **SMALL))


def test_outputs_never_overwrite_inputs(tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("ab\tba\n")
    with pytest.raises(InputError, match="not an input"):
        TrainOptions(data=str(tsv), save=str(tsv))
    with pytest.raises(InputError, match="a directory"):
        TrainOptions(task="copy", save=str(tmp_path))
