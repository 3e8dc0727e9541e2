import json
import os

import numpy as np
import pytest

from notelab._util import InputError
from notelab.similarity import Deduplicator, MinHashIndex
from notelab.similarity import index as index_module


def test_incremental_dedup_equals_one_run(corpus, tmp_path):
    dedup = Deduplicator(threshold=0.8)
    half = len(corpus) // 2
    first = dedup.run(corpus[:half]).kept
    index = MinHashIndex.build([corpus[i] for i in first], [str(i) for i in first], dedup)
    index.save(tmp_path / "idx")
    loaded = MinHashIndex.load(tmp_path / "idx")
    _outcome = loaded.add(corpus[half:], [str(half + i) for i in range(len(corpus) - half)])
    loaded.save(tmp_path / "idx")
    again = MinHashIndex.load(tmp_path / "idx")
    whole = Deduplicator(threshold=0.8).run(corpus)
    assert len(again.ids) == len(whole.kept)
    counted = _outcome.added + _outcome.left_out + _outcome.empty
    assert sorted(counted) == list(range(len(corpus) - half))
    assert {m.query for m in _outcome.matches} == set(_outcome.left_out)
    assert set(_outcome.empty) == {i for i, t in enumerate(corpus[half:]) if not t.strip("!? ")}


def test_query_finds_indexed_duplicates(corpus):
    dedup = Deduplicator(threshold=0.8)
    index = MinHashIndex.build(corpus[:50], [f"d{i}" for i in range(50)], dedup)
    matches = index.query([corpus[3], "completely new text that matches nothing at all here"])
    assert (matches[0].query, matches[0].match_id, matches[0].jaccard) == (0, "d3", 1.0)
    assert all(m.query == 0 for m in matches)
    assert index.lookup(["", "x y z"])[1] == [0]


def test_loading_with_other_parameters_is_an_error(tmp_path):
    MinHashIndex.build(["a b c"], ["x"], Deduplicator(num_perm=64)).save(tmp_path / "i")
    with pytest.raises(InputError, match="num_perm=64"):
        MinHashIndex.load(tmp_path / "i", {"num_perm": 128})
    with pytest.raises(InputError, match="index directory"):
        MinHashIndex.load(tmp_path / "missing")


def test_adding_an_id_the_index_holds_is_an_error_unless_allowed():
    index = MinHashIndex.build(["a b c d e f"], ["x"], Deduplicator())
    with pytest.raises(InputError, match="'x', which the index already holds"):
        index.add(["other words here now"], ["x"])
    assert index.add(["other words here now"], ["x"], on_duplicate_id="allow").added == [0]


@pytest.fixture
def small_index(tmp_path):
    path = tmp_path / "idx"
    MinHashIndex.build(["a b c d e f g", "v w x y z"], ["a", "b"], Deduplicator()).save(path)
    return path


def test_replaces_only_its_own_index(tmp_path, small_index):
    user = tmp_path / "userdir"
    user.mkdir()
    (user / "precious.txt").write_text("keep me")
    index = MinHashIndex.load(small_index)
    with pytest.raises(InputError, match="folder of other files"):
        index.save(user)
    assert (user / "precious.txt").read_text() == "keep me"
    file = tmp_path / "a.txt"
    file.write_text("mine")
    with pytest.raises(InputError, match="an existing file"):
        index.save(file)
    assert file.read_text() == "mine"
    (tmp_path / "empty").mkdir()
    index.save(tmp_path / "empty")  # an empty folder loses nothing
    index.save(small_index)  # its own index is replaced
    assert MinHashIndex.load(small_index).ids == ["a", "b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "empty", "idx", "userdir"]


def test_current_folder_is_never_replaced(tmp_path, small_index, monkeypatch):
    monkeypatch.chdir(small_index)
    with pytest.raises(InputError, match="current folder"):
        MinHashIndex.load(".").save(".")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: (p / "signatures.npy").write_bytes(b"garbage"), "signatures.npy"),
        (lambda p: np.save(p / "lengths.npy", np.array([object()]), True), "lengths.npy"),
        (lambda p: (p / "ids.json").unlink(), "ids.json"),
        (lambda p: (p / "ids.json").write_text('["a"]'), "disagree"),
        (lambda p: (p / "offsets.npy").unlink(), "offsets.npy"),
        (lambda p: np.save(p / "shingles.npy", np.zeros(3, np.float32)), "dtype"),
        (lambda p: (p / "params.json").write_text("{}"), "params.json"),
    ],
)
def test_corrupt_index_is_a_clear_error(small_index, damage, message):
    damage(small_index)
    with pytest.raises(InputError, match=message) as error:
        MinHashIndex.load(small_index)
    assert "rebuild" in str(error.value) or "build one" in str(error.value)


def test_crash_between_renames_leaves_the_old_index(tmp_path, small_index, monkeypatch):
    """Without an atomic exchange the swap is two renames; a crash between them is undone."""
    monkeypatch.setattr(index_module, "_exchange", lambda a, b: False)
    real_replace = os.replace
    calls = []

    def crash_on_second(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise SystemExit("killed")
        real_replace(src, dst)

    monkeypatch.setattr(index_module.os, "replace", crash_on_second)
    index = MinHashIndex.load(small_index)
    index.ids[0] = "changed"
    with pytest.raises(SystemExit):
        index.save(small_index)
    monkeypatch.setattr(index_module.os, "replace", real_replace)
    assert not small_index.exists()
    assert MinHashIndex.load(small_index).ids == ["a", "b"]  # recovered from the backup


def test_save_swaps_atomically_and_leaves_nothing_behind(tmp_path, small_index):
    index = MinHashIndex.load(small_index)
    index.ids[1] = "renamed"
    index.save(small_index)
    assert json.loads((small_index / "ids.json").read_text()) == ["a", "renamed"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]
