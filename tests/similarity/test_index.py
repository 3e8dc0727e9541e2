import pytest

from notelab._util import InputError
from notelab.similarity import Deduplicator, MinHashIndex


def test_incremental_dedup_equals_one_run(corpus, tmp_path):
    dedup = Deduplicator(threshold=0.8)
    half = len(corpus) // 2
    first = dedup.run(corpus[:half]).kept
    index = MinHashIndex.build([corpus[i] for i in first], [str(i) for i in first], dedup)
    index.save(tmp_path / "idx")
    loaded = MinHashIndex.load(tmp_path / "idx")
    added, matches = loaded.add(corpus[half:], [str(half + i) for i in range(len(corpus) - half)])
    loaded.save(tmp_path / "idx")
    again = MinHashIndex.load(tmp_path / "idx")
    whole = Deduplicator(threshold=0.8).run(corpus)
    assert len(again.ids) == len(whole.kept)
    left_out = {m.query for m in matches}
    assert len(added) + len(left_out) + sum(1 for t in corpus[half:] if not t.strip("!? ")) == (
        len(corpus) - half
    )


def test_query_finds_indexed_duplicates(corpus):
    dedup = Deduplicator(threshold=0.8)
    index = MinHashIndex.build(corpus[:50], [f"d{i}" for i in range(50)], dedup)
    matches = index.query([corpus[3], "completely new text that matches nothing at all here"])
    assert (matches[0].query, matches[0].match_id, matches[0].jaccard) == (0, "d3", 1.0)
    assert all(m.query == 0 for m in matches)


def test_loading_with_other_parameters_is_an_error(tmp_path):
    MinHashIndex.build(["a b c"], ["x"], Deduplicator(num_perm=64)).save(tmp_path / "i")
    with pytest.raises(InputError, match="num_perm=64"):
        MinHashIndex.load(tmp_path / "i", {"num_perm": 128})
    with pytest.raises(InputError, match="index directory"):
        MinHashIndex.load(tmp_path / "missing")
