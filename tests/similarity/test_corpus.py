import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from notelab._util import InputError
from notelab.similarity import ReadOptions, read_corpus


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


def test_lines_mode_ids_are_file_line(tmp_path):
    (tmp_path / "t.txt").write_text("x\ny\n")
    corpus = read_corpus([tmp_path / "t.txt"], ReadOptions(lines=True))
    assert corpus.texts == ["x", "y"] and corpus.ids[1].endswith("t.txt:2")


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


def test_missing_path(tmp_path):
    with pytest.raises(InputError, match="existing file"):
        read_corpus([tmp_path / "nope"])
