"""Read a corpus: JSONL (plain or .gz), Parquet, CSV, text files, or directories of them."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notelab._util import InputError

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
_COUNT = {"replaced": 0}


def _count_replace(error: UnicodeDecodeError) -> tuple[str, int]:
    _COUNT["replaced"] += 1
    return "\ufffd", error.end


codecs.register_error("notelab_count", _count_replace)


@dataclass
class Corpus:
    """Documents in input order: ids, texts, the original records, and what reading met."""

    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    bad_lines: int = 0
    replaced_bytes: int = 0
    files: int = 0

    def add(self, doc_id: str, text: str, record: dict[str, Any]) -> None:
        """Append one document."""
        self.ids.append(doc_id)
        self.texts.append(text)
        self.records.append(record)


@dataclass(frozen=True)
class ReadOptions:
    """How to find documents in files."""

    text_field: str = "text"
    id_field: str | None = None
    lines: bool = False
    skip_bad: bool = False


def expand_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Files named, and the files under directories named (sorted), in order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("an existing file or directory", repr(str(raw)), "check the path")
    return files


def _decode(data: bytes) -> tuple[str, int]:
    before = _COUNT["replaced"]
    text = data.decode("utf-8", errors="notelab_count")
    return text, _COUNT["replaced"] - before


def _kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in JSONL_SUFFIXES:
        return "jsonl"
    return {".parquet": "parquet", ".csv": "csv"}.get(last, "text")


def _field_text(record: dict[str, Any], options: ReadOptions, where: str) -> str:
    if options.text_field not in record:
        raise InputError(
            f"a text field {options.text_field!r} in {where}",
            f"fields {sorted(record)}",
            "pass --text-field with one of them",
        )
    value = record[options.text_field]
    return "" if value is None else str(value)


def _record_id(record: dict[str, Any], options: ReadOptions, where: str) -> str:
    if options.id_field and options.id_field in record:
        return str(record[options.id_field])
    if options.id_field:
        raise InputError(
            f"an id field {options.id_field!r} in {where}",
            f"fields {sorted(record)}",
            "pass --id-field with one of them, or leave it out for file:line ids",
        )
    return where


def _jsonl_records(path: Path, text: str, corpus: Corpus, options: ReadOptions) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError(f"a JSON object, not {type(record).__name__}")
        except ValueError as error:
            if options.skip_bad:
                corpus.bad_lines += 1
                continue
            raise InputError(
                f"one JSON object per line at {where}",
                f"malformed JSON ({error})",
                "fix the line or pass --skip-bad to skip and count such lines",
            ) from None
        corpus.add(_record_id(record, options, where), _field_text(record, options, where), record)


def _table_records(
    rows: Iterator[dict[str, Any]],
    path: Path,
    corpus: Corpus,
    options: ReadOptions,
    first_line: int,
) -> None:
    for number, record in enumerate(rows, start=first_line):
        where = f"{path}:{number}"
        corpus.add(_record_id(record, options, where), _field_text(record, options, where), record)


def _read_file(path: Path, corpus: Corpus, options: ReadOptions) -> None:
    kind = _kind(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        _table_records(iter(pq.read_table(path).to_pylist()), path, corpus, options, 1)
        return
    raw = path.read_bytes()
    if path.suffix.lower() == ".gz":
        raw = gzip.decompress(raw)
    text, replaced = _decode(raw)
    corpus.replaced_bytes += replaced
    if kind == "jsonl":
        _jsonl_records(path, text, corpus, options)
    elif kind == "csv":
        _table_records(iter(csv.DictReader(io.StringIO(text))), path, corpus, options, 2)
    elif options.lines:
        for number, line in enumerate(text.splitlines(), start=1):
            corpus.add(f"{path}:{number}", line, {"text": line})
    else:
        corpus.add(str(path), text, {"text": text})


def read_corpus(paths: Sequence[str | Path], options: ReadOptions | None = None) -> Corpus:
    """Read every document of the given files and directories, in order.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "docs.jsonl"
    >>> _ = path.write_text('{"text": "hello world"}\\n{"text": "bye"}\\n')
    >>> corpus = read_corpus([path])
    >>> corpus.texts, corpus.ids[1].endswith("docs.jsonl:2")
    (['hello world', 'bye'], True)
    """
    options = options or ReadOptions()
    corpus = Corpus()
    for path in expand_paths(paths):
        _read_file(path, corpus, options)
        corpus.files += 1
    return corpus
