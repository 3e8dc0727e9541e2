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


def test_dask_engine_bad_line_is_one_message(tmp_path):
    """A worker's input error reaches the user once, as the one error line: the workers do
    not log it to stderr as well, and a taken dashboard port (8787) is no warning."""
    import contextlib
    import socket

    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine"}\n{"text": "unterminated\n')
    with socket.socket() as taken:
        with contextlib.suppress(OSError):  # already taken by something else: as well
            taken.bind(("", 8787))
            taken.listen()
        result = run_cli("dedup", str(path), "--engine", "dask", "--workers", "1")
    lines = result.stderr.strip().splitlines()
    assert result.code == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("error: expected one JSON object per line at ")
    assert "bad.jsonl:2" in lines[0]


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


def _jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return path


@pytest.mark.parametrize("alias", ["same", "dot", "hardlink", "symlink"])
def test_output_that_is_an_input_is_refused(tmp_path, monkeypatch, alias):
    source = _jsonl(tmp_path / "inplace.jsonl", DOCS)
    before = source.read_bytes()
    monkeypatch.chdir(tmp_path)
    target = {"same": "inplace.jsonl", "dot": "./inplace.jsonl"}.get(alias, "other.jsonl")
    if alias == "hardlink":
        (tmp_path / target).hardlink_to(source)
    if alias == "symlink":
        (tmp_path / target).symlink_to(source)
    result = run_cli("dedup", "inplace.jsonl", "--duplicates", target, cwd=tmp_path)
    assert result.code == 2 and "not an input" in result.stderr, result.stderr
    assert source.read_bytes() == before


def test_index_outputs_that_are_inputs_are_refused(corpus_file, tmp_path):
    index = tmp_path / "idx"
    assert run_cli("dedup", "index", "build", str(corpus_file), "--index", str(index)).code == 0
    before = corpus_file.read_bytes()
    for extra in (["add", "--duplicates"], ["query", "--pairs"]):
        command = ["dedup", "index", extra[0], str(corpus_file), "--index", str(index)]
        result = run_cli(*command, extra[1], str(corpus_file))
        assert result.code == 2 and "not an input" in result.stderr
    inside = index / "ids.json"
    result = run_cli("dedup", "index", "add", str(inside), "--index", str(index))
    assert result.code == 2 and "folder holding the input" in result.stderr
    assert corpus_file.read_bytes() == before


def test_index_replaces_only_its_own_directory(corpus_file, tmp_path, monkeypatch):
    user = tmp_path / "userdir"
    user.mkdir()
    (user / "notes.txt").write_text("mine")
    (tmp_path / "a.txt").write_text("also mine")
    for target, message in ((user, "folder of other files"), (tmp_path / "a.txt", "existing file")):
        result = run_cli("dedup", "index", "build", str(corpus_file), "--index", str(target))
        assert result.code == 2 and message in result.stderr, result.stderr
    assert (user / "notes.txt").read_text() == "mine"
    assert (tmp_path / "a.txt").read_text() == "also mine"
    result = run_cli("dedup", "index", "build", str(corpus_file), "--index", ".", cwd=user)
    assert result.code == 2 and "current folder" in result.stderr
    assert sorted(p.name for p in user.iterdir()) == ["notes.txt"]


def test_gz_output_is_compressed(corpus_file, tmp_path):
    import gzip

    out = tmp_path / "kept.jsonl.gz"
    assert run_cli("dedup", str(corpus_file), "--output", str(out)).code == 0
    lines = gzip.decompress(out.read_bytes()).decode().splitlines()
    assert [json.loads(x)["id"] for x in lines] == ["a", "c"]


def test_kept_lines_are_copied_byte_for_byte(tmp_path):
    raw = [b'{"text":"first   doc here",  "x": 1.50}', b'{"text": "caf\xc3\xa9 \\u00e9"}']
    path = tmp_path / "raw.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(raw) + b"\r\n")
    out = tmp_path / "kept.jsonl"
    assert run_cli("dedup", str(path), "--output", str(out)).code == 0
    assert out.read_bytes() == b"\n".join(raw) + b"\n"


def test_similarity_empty_threshold_and_paths(tmp_path):
    empty = run_cli("similarity", "", "", "--json").json()
    assert (empty["exact"], empty["estimate"], empty["similar"]) == (0.0, 0.0, False)
    for bad in ("2", "nan", "0"):
        result = run_cli("similarity", "a b", "a b", "--threshold", bad)
        assert result.code == 2 and "threshold strictly between 0 and 1" in result.stderr
    typo = run_cli("similarity", "nofile_typo.txt", "some text")
    assert typo.code == 2 and "'nofile_typo.txt' (no such file)" in typo.stderr
    literal = run_cli("similarity", "--text", "nofile_typo.txt", "nofile_typo.txt", "--json")
    assert literal.code == 0 and literal.json()["exact"] == 1.0
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbfthe cat sat on the mat")
    as_file = run_cli("similarity", str(tmp_path / "a.txt"), "the cat sat on the mat", "--json")
    assert as_file.json()["exact"] == 1.0


def test_duplicate_ids_are_an_error_or_allowed(tmp_path):
    path = _jsonl(
        tmp_path / "ids.jsonl",
        [{"id": "a", "text": "x y"}, {"id": "d", "text": "z w"}, {"id": "a", "text": "q r"}],
    )
    result = run_cli("dedup", str(path), "--id-field", "id")
    assert result.code == 2 and "'a' at" in result.stderr and "ids.jsonl:3" in result.stderr
    allowed = run_cli("dedup", str(path), "--id-field", "id", "--on-duplicate-id", "allow")
    assert allowed.code == 0, allowed.stderr


def test_every_count_adds_up(corpus_file, tmp_path):
    run = run_cli("dedup", str(corpus_file), "--json").json()
    assert run["kept"] + run["removed"] + run["empty"] == run["documents"] == 4
    index = tmp_path / "idx"
    built = run_cli("dedup", "index", "build", str(corpus_file), "--index", str(index), "--json")
    b = built.json()
    assert b["indexed"] + b["removed"] + b["empty"] == b["documents"] == 4
    new = _jsonl(
        tmp_path / "new.jsonl",
        [{"text": DOCS[0]["text"]}, {"text": "a fresh note about something new"}, {"text": ""}],
    )
    q = run_cli("dedup", "index", "query", str(new), "--index", str(index), "--json").json()
    assert (q["duplicates"], q["unique"], q["empty"]) == (1, 1, 1)
    a = run_cli("dedup", "index", "add", str(new), "--index", str(index), "--json").json()
    assert (a["added"], a["left_out"], a["empty"], a["documents"]) == (1, 1, 1, 3)
    assert a["indexed"] == b["indexed"] + a["added"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("docs.jsonl.gz", b'{"text": "x"}\n', "gzip"),
        ("docs.parquet", b"not parquet", "Parquet"),
    ],
)
def test_unreadable_input_is_exit_2(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    result = run_cli("dedup", str(tmp_path / name))
    assert result.code == 2 and message in result.stderr and name in result.stderr


def test_bad_output_paths_are_exit_2(corpus_file, tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file.txt").write_text("x")
    for target in (tmp_path / "folder", tmp_path / "file.txt" / "out.jsonl"):
        result = run_cli("dedup", str(corpus_file), "--output", str(target))
        assert result.code == 2 and "Traceback" not in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl", "file.txt", "folder"]


def test_corrupt_index_is_exit_2(corpus_file, tmp_path):
    index = tmp_path / "idx"
    run_cli("dedup", "index", "build", str(corpus_file), "--index", str(index))
    (index / "signatures.npy").write_bytes(b"garbage")
    result = run_cli("dedup", "index", "query", str(corpus_file), "--index", str(index))
    assert result.code == 2 and "signatures.npy" in result.stderr and "rebuild" in result.stderr


def test_many_permutations_choose_bands_at_once(corpus_file):
    result = run_cli("dedup", str(corpus_file), "--num-perm", "20000", "--json")
    assert result.code == 0 and result.json()["bands"] * result.json()["rows"] <= 20000


def test_local_dedup_imports_no_torch_matplotlib_or_dask(corpus_file):
    """Nor numba nor scipy for a small input: the numpy kernels do it (quick start-up)."""
    script = (
        "import sys\n"
        "from notelab.cli.main import main\n"
        "try:\n"
        f"    main(['dedup', {str(corpus_file)!r}, '--json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('torch', 'matplotlib', 'dask', 'distributed', 'pandas', 'sklearn', 'numba',"
        " 'scipy')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr
