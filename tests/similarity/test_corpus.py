import csv
import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notelab._util import InputError
from notelab.similarity import ReadOptions, read_corpus
from notelab.similarity.corpus import _decode

# every character str.splitlines() breaks at, and \r, inside documents
SEPARATORS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
valid = st.characters(exclude_categories=["Cs"])  # a UTF-8 file cannot hold lone surrogates
texts = st.text(alphabet=st.one_of(st.sampled_from(SEPARATORS + ' ,"\t'), valid))


def test_formats_and_directory(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"text": "one", "id": 1}\n\n{"text": "two", "id": 2}\n')
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as f:
        f.write(json.dumps({"text": "three", "id": 3}) + "\n")
    (tmp_path / "c.csv").write_text("id,text\n4,four\n")
    pq.write_table(pa.table({"id": [5], "text": ["five"]}), tmp_path / "d.parquet")
    (tmp_path / "e.txt").write_text("six\nseven")
    corpus = read_corpus([tmp_path], ReadOptions(id_field="id"))
    assert corpus.texts == ["one", "two", "three", "four", "five", "six\nseven"]
    assert corpus.ids[:5] == ["1", "2", "3", "4", "5"]
    assert corpus.ids[5].endswith("e.txt")


def test_jsonl_lines_are_the_input_bytes(tmp_path):
    lines = [b'{"text":"a",  "n": 1.50}', b'{ "text" : "b\\u00e9" }']
    (tmp_path / "a.jsonl").write_bytes(b"\r\n".join(lines) + b"\r\n")
    assert read_corpus([tmp_path / "a.jsonl"]).lines == lines


def test_lines_mode_ids_are_file_line(tmp_path):
    (tmp_path / "t.txt").write_text("x\ny\n")
    corpus = read_corpus([tmp_path / "t.txt"], ReadOptions(lines=True))
    assert corpus.texts == ["x", "y"] and corpus.ids[1].endswith("t.txt:2")


def test_lines_end_at_newline_only(tmp_path):
    record = {"text": "one\u2028two\u2029three\x85four\x0bfive\x0csix\x1cseven"}
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n" + '{"text": "b"}\n')
    assert read_corpus([path], ReadOptions(skip_bad=True)).texts == [record["text"], "b"]
    text = tmp_path / "t.txt"
    text.write_text("a\x0cb\u2028c\r\nd\n")
    assert read_corpus([text], ReadOptions(lines=True)).texts == ["a\x0cb\u2028c", "d"]


def test_byte_order_mark_is_dropped(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(b'\xef\xbb\xbf{"text": "x"}\n')
    (tmp_path / "b.csv").write_bytes(b"\xef\xbb\xbftext\ny\n")
    (tmp_path / "c.txt").write_bytes(b"\xef\xbb\xbfz")
    corpus = read_corpus([tmp_path])
    assert corpus.texts == ["x", "y", "z"] and corpus.bad_lines == 0


def test_malformed_line_names_file_and_line_or_is_skipped(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok"}\n{not json\n[1, 2]\n')
    with pytest.raises(InputError, match=r"bad\.jsonl:2"):
        read_corpus([path])
    corpus = read_corpus([path], ReadOptions(skip_bad=True))
    assert corpus.texts == ["ok"] and corpus.bad_lines == 2


def test_missing_text_field_lists_fields(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"body": "hi", "title": "t"}\n')
    with pytest.raises(InputError, match=r"'text'.*\['body', 'title'\]"):
        read_corpus([path])


def test_undecodable_bytes_replaced_and_counted(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"caf\xe9 ok \xff")
    corpus = read_corpus([path])
    assert corpus.texts == ["caf\ufffd ok \ufffd"] and corpus.replaced_bytes == 2
    jsonl = tmp_path / "y.jsonl"
    jsonl.write_bytes(b'{"text": "caf\xe9"}\n')
    read = read_corpus([jsonl])
    assert read.replaced_bytes == 1 and json.loads(read.lines[0]) == {"text": "caf\ufffd"}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60))
def test_decode_counts_like_the_replace_handler(data):
    replaced = []

    def count(error):
        replaced.append(1)
        return "\ufffd", error.end

    import codecs

    codecs.register_error("test_count", count)
    assert _decode(data) == (data.decode("utf-8", "test_count"), len(replaced))


def test_missing_path(tmp_path):
    with pytest.raises(InputError, match="existing file"):
        read_corpus([tmp_path / "nope"])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.jsonl.gz", b'{"text": "plain, not gzip"}\n', "gzip"),
        ("b.jsonl.gz", gzip.compress(b'{"text": "x"}\n' * 50)[:30], "truncated"),
        ("c.parquet", b"PAR1 not really parquet", "Parquet"),
    ],
)
def test_unreadable_files_are_clear_errors(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError, match=message) as error:
        read_corpus([tmp_path / name])
    assert name in str(error.value)


def test_duplicate_ids_name_both_places_or_are_allowed(tmp_path):
    path = tmp_path / "ids.jsonl"
    path.write_text(
        '{"id": "a", "text": "x"}\n{"id": "d", "text": "y"}\n{"id": "a", "text": "z"}\n'
    )
    with pytest.raises(InputError, match=r"'a' at .*ids\.jsonl:1 and again at .*ids\.jsonl:3"):
        read_corpus([path], ReadOptions(id_field="id"))
    allowed = read_corpus([path], ReadOptions(id_field="id", on_duplicate_id="allow"))
    assert allowed.ids == ["a", "d", "a"]
    with pytest.raises(InputError, match="on_duplicate_id"):
        ReadOptions(on_duplicate_id="rename")


ids = st.lists(st.text(valid, min_size=1, max_size=8), max_size=8, unique=True)


@settings(max_examples=60, deadline=None)
@given(ids, st.lists(texts, min_size=8, max_size=8))
def test_jsonl_round_trip(tmp_path_factory, doc_ids, doc_texts):
    records = [{"id": i, "text": t} for i, t in zip(doc_ids, doc_texts, strict=False)]
    path = tmp_path_factory.mktemp("j") / "docs.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    corpus = read_corpus([path], ReadOptions(id_field="id"))
    assert (corpus.ids, corpus.texts) == (doc_ids, [r["text"] for r in records])
    assert [json.loads(line) for line in corpus.lines] == records


@settings(max_examples=60, deadline=None)
@given(ids, st.lists(texts, min_size=8, max_size=8))
def test_csv_round_trip(tmp_path_factory, doc_ids, doc_texts):
    rows = [{"id": i, "text": t} for i, t in zip(doc_ids, doc_texts, strict=False)]
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, ["id", "text"])
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("c") / "docs.csv"
    path.write_bytes(buffer.getvalue().encode())
    corpus = read_corpus([path], ReadOptions(id_field="id"))
    assert (corpus.ids, corpus.texts) == (doc_ids, [r["text"] for r in rows])


line_texts = texts.map(lambda t: t.replace("\n", " ").rstrip("\r"))


@settings(max_examples=60, deadline=None)
@given(st.lists(line_texts, max_size=8), texts.filter(lambda t: not t.startswith("\ufeff")))
def test_text_round_trip(tmp_path_factory, lines, whole):
    folder = tmp_path_factory.mktemp("t")
    (folder / "lines.txt").write_bytes("".join(x + "\n" for x in lines).encode())
    (folder / "whole.txt").write_bytes(whole.encode())
    assert read_corpus([folder / "lines.txt"], ReadOptions(lines=True)).texts == lines
    assert read_corpus([folder / "whole.txt"]).texts == [whole]


_LINE = st.one_of(
    st.builds(
        lambda i, t: json.dumps({"id": i, "text": t}),
        st.one_of(st.integers(0, 5), st.sampled_from(["a", "b", "é"]), st.none()),
        st.one_of(st.text(max_size=8), st.none(), st.integers(), st.floats(allow_nan=False)),
    ),
    st.sampled_from(["", "  ", "[1]", '"text"', "{bad", '{"text": "x"}', '{"id": 1}', "NaN"]),
)


@settings(max_examples=80, deadline=None)
@given(
    lines=st.lists(_LINE, min_size=1, max_size=8),
    id_field=st.sampled_from([None, "id"]),
    skip_bad=st.booleans(),
    policy=st.sampled_from(["error", "allow"]),
)
def test_all_at_once_reads_what_line_by_line_reads(
    tmp_path_factory, lines, id_field, skip_bad, policy
):
    """The reader's fast path (every line at once) against the line-by-line reader."""
    from pathlib import Path

    from notelab.similarity.corpus import Corpus, _each_record, _split_lines

    path = tmp_path_factory.mktemp("c") / "docs.jsonl"
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(data)
    options = ReadOptions(id_field=id_field, skip_bad=skip_bad, on_duplicate_id=policy)

    def outcome(read):
        try:
            corpus = read()
        except InputError as error:
            return str(error)
        keep = ("ids", "texts", "lines", "bad_lines", "replaced_bytes", "_first")
        return [getattr(corpus, k) for k in keep] + [list(corpus._line_of)]

    def each():
        corpus = Corpus(files=[str(Path(path))])
        _each_record(Path(path), _split_lines(data), corpus, options, 1)
        return corpus

    assert outcome(lambda: read_corpus([path], options)) == outcome(each)


@settings(max_examples=80, deadline=None)
@given(
    lines=st.lists(st.one_of(_LINE, st.sampled_from(['{"text": "caf\xe9"}', "\r"])), max_size=8),
    bom=st.booleans(),
    last_newline=st.booleans(),
    block=st.integers(1, 40),
    skip_bad=st.booleans(),
)
def test_jsonl_read_in_blocks_reads_what_it_reads_whole(
    tmp_path_factory, lines, bom, last_newline, block, skip_bad
):
    """Any block size: the same documents, bytes, line numbers, counts and errors."""
    path = tmp_path_factory.mktemp("b") / "docs.jsonl"
    data = "\n".join(lines).encode("latin-1", "replace") + (b"\n" if last_newline else b"")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    options = ReadOptions(id_field="id", skip_bad=skip_bad, on_duplicate_id="allow")

    def outcome(size):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("notelab.similarity.corpus._BLOCK", size)
            try:
                corpus = read_corpus([path], options)
            except InputError as error:
                return str(error)
        keep = ("ids", "texts", "lines", "bad_lines", "replaced_bytes")
        return [getattr(corpus, k) for k in keep] + [list(corpus._line_of)]

    assert outcome(block) == outcome(1 << 30)
