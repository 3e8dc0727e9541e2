import json

import pytest

from tests.conftest import run_cli

DOCS = [
    {"id": "a", "text": "the quick brown fox jumps over the lazy dog near the river bank"},
    {"id": "b", "text": "The quick brown fox jumps over the lazy dog near the river bank!"},
    {"id": "c", "text": "completely different words make up this other document here"},
    {"id": "d", "text": ""},
]


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    return path


def test_dedup_outputs_and_stats(corpus_file, tmp_path):
    out = {name: tmp_path / f"{name}.jsonl" for name in ("kept", "removed", "clusters", "pairs")}
    before = corpus_file.read_bytes()
    result = run_cli(
        "dedup",
        str(corpus_file),
        "--id-field",
        "id",
        "--json",
        "--output",
        str(out["kept"]),
        "--duplicates",
        str(out["removed"]),
        "--clusters",
        str(out["clusters"]),
        "--pairs",
        str(out["pairs"]),
    )
    assert result.code == 0, result.stderr
    stats = result.json()
    for key in (
        "documents",
        "empty",
        "shingles",
        "bands",
        "rows",
        "candidate_pairs",
        "similar_pairs",
        "clusters",
        "removed",
        "seconds",
    ):
        assert key in stats
    assert (stats["documents"], stats["empty"], stats["removed"], stats["kept"]) == (4, 1, 1, 2)
    kept = [json.loads(x) for x in out["kept"].read_text().splitlines()]
    removed = [json.loads(x) for x in out["removed"].read_text().splitlines()]
    assert [k["id"] for k in kept] == ["a", "c"]
    assert removed == [{**DOCS[1], "duplicate_of": "a"}]
    assert json.loads(out["pairs"].read_text()) == {"a": "a", "b": "b", "jaccard": 1.0}
    assert json.loads(out["clusters"].read_text())["duplicates"] == ["b"]
    assert corpus_file.read_bytes() == before


def test_dask_engine_same_result(corpus_file):
    local = run_cli("dedup", str(corpus_file), "--json").json()
    remote = run_cli("dedup", str(corpus_file), "--json", "--engine", "dask", "--workers", "1")
    assert remote.code == 0, remote.stderr
    data = remote.json()
    for key in ("similar_pairs", "removed", "clusters", "candidate_pairs"):
        assert data[key] == local[key]


def test_empty_input_zero_stats(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    result = run_cli("dedup", str(path), "--json")
    assert result.code == 0 and result.json()["documents"] == 0


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ('{"text": "ok"}\n{broken\n', [], "docs.jsonl:2"),
        ('{"body": "x"}\n', [], "pass --text-field"),
        ('{"text": "x"}\n', ["--threshold", "1.5"], "threshold strictly between 0 and 1"),
        ('{"text": "x"}\n', ["--bands", "100", "--rows", "100"], "bands * rows"),
        ('{"text": "x"}\n', ["--workers", "2"], "--engine dask"),
        ('{"text": "x"}\n', ["--ngram", "0"], "ngram"),
    ],
)
def test_bad_input_exit_2(tmp_path, content, extra, message):
    path = tmp_path / "docs.jsonl"
    path.write_text(content)
    out = tmp_path / "kept.jsonl"
    result = run_cli("dedup", str(path), "--output", str(out), *extra)
    assert result.code == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_skip_bad_counts(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text('{"text": "ok fine"}\n{broken\n')
    assert run_cli("dedup", str(path), "--skip-bad", "--json").json()["bad_lines"] == 1


def test_missing_input_file(tmp_path):
    result = run_cli("dedup", str(tmp_path / "nope.jsonl"))
    assert result.code == 2 and "existing file" in result.stderr


def test_index_build_query_add(corpus_file, tmp_path):
    index = tmp_path / "idx"
    built = run_cli(
        "dedup",
        "index",
        "build",
        str(corpus_file),
        "--index",
        str(index),
        "--id-field",
        "id",
        "--json",
    )
    assert built.code == 0, built.stderr and built.json()["indexed"] == 2
    new = tmp_path / "new.jsonl"
    new.write_text(
        json.dumps({"id": "n1", "text": DOCS[0]["text"]})
        + "\n"
        + json.dumps({"id": "n2", "text": "a fresh note about something new"})
        + "\n"
    )
    query = run_cli(
        "dedup", "index", "query", str(new), "--index", str(index), "--id-field", "id", "--json"
    ).json()
    assert query["matches"] == [{"id": "n1", "match": "a", "jaccard": 1.0}]
    added = run_cli(
        "dedup", "index", "add", str(new), "--index", str(index), "--id-field", "id", "--json"
    ).json()
    assert (added["added"], added["left_out"], added["indexed"]) == (1, 1, 3)
    mismatch = run_cli(
        "dedup", "index", "query", str(new), "--index", str(index), "--num-perm", "64"
    )
    assert mismatch.code == 2 and "num_perm=128" in mismatch.stderr


def test_similarity_command():
    result = run_cli(
        "similarity", "the cat sat on the mat", "the cat sat on a mat", "--ngram", "2", "--json"
    )
    data = result.json()
    assert data["exact"] == pytest.approx(3 / 7)
    assert abs(data["estimate"] - data["exact"]) < 4 * data["standard_error"] + 0.05


def test_dedup_help_has_examples():
    result = run_cli("dedup", "run", "--help")
    assert result.code == 0 and "Examples" in result.stdout and "--engine" in result.stdout
