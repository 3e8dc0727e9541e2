"""Read a corpus: JSONL (plain or .gz), Parquet, CSV, text files, or directories of them.

Promises, whatever the format: lines end at ``\\n`` (or ``\\r\\n``) only, never at the other
characters ``str.splitlines`` breaks at (U+2028, U+2029, U+0085, ``\\x0b``, ``\\x0c``,
``\\x1c``-``\\x1e``); a UTF-8 byte-order mark at the start of a file is dropped; bytes that
are not UTF-8 become U+FFFD and are counted; an error names the file and line.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import zlib
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notelab._util import InputError
from notelab._util.frames import csv_rows

try:  # the fast JSON reader; the standard library's reads what it does not
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is a dependency
    _orjson = None  # type: ignore[assignment]

_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
ID_POLICIES = ("error", "allow")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ReadOptions:
    """How to find documents in files.

    Parameters
    ----------
    text_field : str
        Field holding the text (JSONL, CSV, Parquet).
    id_field : str, optional
        Field holding the id; by default a document's id is ``file:line`` (or the file name).
    lines : bool
        Plain text files hold one document per line (else one per file).
    skip_bad : bool
        Skip and count malformed JSON lines instead of stopping.
    on_duplicate_id : {"error", "allow"}
        What a second document with an id already seen does.
    """

    text_field: str = "text"
    id_field: str | None = None
    lines: bool = False
    skip_bad: bool = False
    on_duplicate_id: str = "error"

    def __post_init__(self) -> None:
        if self.on_duplicate_id not in ID_POLICIES:
            raise InputError(
                f"on_duplicate_id from {', '.join(ID_POLICIES)}", repr(self.on_duplicate_id)
            )


@dataclass
class Corpus:
    """Documents in input order: ids, texts, each as one JSON line, and what reading met.

    ``lines[i]`` is document ``i`` as a JSON object (UTF-8, no newline): for JSONL input the
    input line's own bytes, so writing it back changes nothing.
    """

    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    lines: list[bytes] = field(default_factory=list)
    bad_lines: int = 0
    replaced_bytes: int = 0
    files: list[str] = field(default_factory=list)
    _file_of: array[int] = field(default_factory=lambda: array("q"), repr=False)
    _line_of: array[int] = field(default_factory=lambda: array("q"), repr=False)
    _first: dict[str, int] = field(default_factory=dict, repr=False)

    def add(self, doc_id: str, text: str, line: bytes, number: int, policy: str) -> None:
        """Append one document read at line ``number`` of the current file."""
        index = len(self.ids)
        self._file_of.append(len(self.files) - 1)
        self._line_of.append(number)
        first = self._first.setdefault(doc_id, index)
        if first != index and policy == "error":
            raise InputError(
                "a distinct id for every document",
                f"id {doc_id!r} at {self.place(first)} and again at {self.place(index)}",
                "fix the ids, or pass --on-duplicate-id allow to accept repeated ids",
            )
        self.ids.append(doc_id)
        self.texts.append(text)
        self.lines.append(line)

    def extend(
        self, ids: list[str], texts: list[str], lines: list[bytes], numbers: range, policy: str
    ) -> bool:
        """Append documents read at lines ``numbers`` of the current file, as :meth:`add`
        one by one would; False, appending nothing, if an id repeats and ``policy`` is
        "error" (:meth:`add` then says where).

        Examples
        --------
        >>> corpus = Corpus(files=["a.jsonl"])
        >>> corpus.extend(["x", "y"], ["one", "two"], [b"{}", b"{}"], range(1, 3), "error")
        True
        >>> corpus.extend(["x"], ["again"], [b"{}"], range(3, 4), "error"), corpus.place(1)
        (False, 'a.jsonl:2')
        """
        start = len(self.ids)
        indices = range(start + len(ids) - 1, start - 1, -1)
        first = dict(zip(reversed(ids), indices, strict=True))  # the first index of each id
        if policy == "error" and (
            len(first) < len(ids) or not self._first.keys().isdisjoint(first)
        ):
            return False
        if self._first.keys().isdisjoint(first):
            self._first.update(first)
        else:
            for doc_id, index in first.items():
                self._first.setdefault(doc_id, index)
        self._file_of.extend(array("q", [len(self.files) - 1]) * len(ids))
        self._line_of.extend(array("q", numbers))
        self.ids.extend(ids)
        self.texts.extend(texts)
        self.lines.extend(lines)
        return True

    def place(self, index: int) -> str:
        """Where document ``index`` was read: ``file:line`` (or the file for whole files)."""
        name, line = self.files[self._file_of[index]], self._line_of[index]
        return f"{name}:{line}" if line else name

    def record(self, index: int) -> dict[str, Any]:
        """Document ``index`` as the JSON object it was read from."""
        record: dict[str, Any] = json.loads(self.lines[index])
        return record


def _decode(data: bytes) -> tuple[str, int]:
    """UTF-8 text of ``data``, each invalid byte sequence replaced by U+FFFD, and how many.

    Examples
    --------
    >>> _decode(b"caf\\xe9 ok \\xff")
    ('caf\\ufffd ok \\ufffd', 2)
    """
    try:
        return data.decode("utf-8"), 0
    except UnicodeDecodeError:
        pass
    parts, count, start, view = [], 0, 0, memoryview(data)
    while True:
        try:
            parts.append(codecs.utf_8_decode(view[start:], "strict", True)[0])
            return "".join(parts), count
        except UnicodeDecodeError as error:
            parts.append(codecs.utf_8_decode(view[start : start + error.start], "strict", True)[0])
            parts.append("\ufffd")
            count += 1
            start += error.end


def _split_lines(data: bytes) -> list[bytes]:
    """Lines of ``data``, split at ``\\n`` only (a ``\\r`` before it is dropped).

    Examples
    --------
    >>> _split_lines("a\\r\\nb\\x0cc\\u2028\\nlast".encode())
    [b'a', b'b\\x0cc\\xe2\\x80\\xa8', b'last']
    """
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return _drop_returns(lines)


def _drop_returns(lines: list[bytes]) -> list[bytes]:
    """``lines`` with the ``\\r`` that ends any of them dropped."""
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def _expand_paths(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Files named, and the files under directories named (sorted), in order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        elif path.exists():
            files.append(path)
        else:
            raise InputError("an existing file or directory", repr(str(raw)), "check the path")
    return files


def _kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in _JSONL_SUFFIXES:
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


def _json_line(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass")


def _parse(text: str) -> dict[str, Any]:
    """The JSON object on a line; ValueError if it is malformed or not an object."""
    record = json.loads(text)
    if not isinstance(record, dict):
        raise ValueError(f"a JSON object, not {type(record).__name__}")
    return record


def _fast_parse(line: bytes) -> tuple[Any, int]:
    """orjson when the line is plain UTF-8 JSON it accepts; else ``json`` on the decoded
    line (what it accepts beyond orjson: NaN, huge integers, bytes that are not UTF-8)."""
    if _orjson is not None:
        try:
            return _orjson.loads(line), 0
        except _orjson.JSONDecodeError:
            pass
    text, replaced = _decode(line)
    return text, replaced


def _jsonl_records(
    path: Path, lines: list[bytes], corpus: Corpus, options: ReadOptions, first: int = 1
) -> None:
    """The records of JSONL ``lines``: all at once when every line is a plain JSON object
    with the fields asked for, else line by line (blank lines, bad bytes, bad lines)."""
    if not _all_at_once(path, lines, corpus, options, first):
        _each_record(path, lines, corpus, options, first)


def _all_at_once(
    path: Path, lines: list[bytes], corpus: Corpus, options: ReadOptions, first: int
) -> bool:
    """Read ``lines`` with no Python loop per line, if none needs the line-by-line reader
    (what it would do is the same: ids, texts, bytes, numbers); False, reading nothing, if
    one does."""
    if _orjson is None:  # pragma: no cover - orjson is a dependency
        return False
    try:
        records = list(map(_orjson.loads, lines))
        texts = [r[options.text_field] for r in records]
        raw_ids = [r[options.id_field] for r in records] if options.id_field else None
    except (_orjson.JSONDecodeError, KeyError, TypeError, IndexError):
        return False
    if not all(type(r) is dict for r in records):
        return False
    if not all(type(t) is str for t in texts):
        texts = ["" if t is None else str(t) for t in texts]
    numbers = range(first, first + len(lines))
    if raw_ids is None:
        ids = [f"{path}:{n}" for n in numbers]
    else:
        ids = [i if type(i) is str else str(i) for i in raw_ids]
    return corpus.extend(ids, texts, lines, numbers, options.on_duplicate_id)


def _each_record(
    path: Path, lines: list[bytes], corpus: Corpus, options: ReadOptions, first: int
) -> None:
    for number, line in enumerate(lines, start=first):
        if not line or line.isspace():
            continue
        where = f"{path}:{number}"
        record, replaced = _fast_parse(line)
        corpus.replaced_bytes += replaced
        try:
            if isinstance(record, str):
                record = _parse(record)
            elif not isinstance(record, dict):
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
        text = _field_text(record, options, where)
        own = line if not replaced else _json_line(record)  # bytes that were not UTF-8: rewritten
        corpus.add(_record_id(record, options, where), text, own, number, options.on_duplicate_id)


def _table_records(
    rows: Iterator[dict[str, Any]], path: Path, corpus: Corpus, options: ReadOptions, first: int
) -> None:
    for number, record in enumerate(rows, start=first):
        where = f"{path}:{number}"
        text = _field_text(record, options, where)
        corpus.add(
            _record_id(record, options, where),
            text,
            _json_line(record),
            number,
            options.on_duplicate_id,
        )


def _parquet_rows(path: Path) -> list[dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
        return rows
    except (pa.ArrowException, OSError) as error:
        raise InputError(
            "a readable Parquet file",
            f"{str(path)!r} ({str(error).splitlines()[0][:160]})",
            "check that the file is complete and really Parquet",
        ) from None


def _read_bytes(path: Path) -> bytes:
    """The bytes of ``path`` (decompressed when it ends in .gz), BOM dropped; clear errors."""
    try:
        raw = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise _unreadable(path, error) from None
    return raw[len(_BOM) :] if raw.startswith(_BOM) else raw


def _unreadable(path: Path, error: Exception) -> InputError:
    what = "truncated" if isinstance(error, EOFError) else str(error) or type(error).__name__
    return InputError(
        "a readable file" + (" in gzip format" if path.name.lower().endswith(".gz") else ""),
        f"{str(path)!r} ({what})",
        "check that the file is complete and in the format its name says",
    )


# A plain JSONL file is read this many bytes (then to the end of the line) at a time: the
# one block's memory is reused, where reading 160 MB whole took 0.07 CPU-s more (the
# kernel handing out and zeroing 40,000 fresh pages).
_BLOCK = 1 << 23


def _line_blocks(path: Path, first: int = 1) -> Iterator[tuple[list[bytes], int]]:
    """The lines of a plain file as :func:`_split_lines` cuts them, read about ``_BLOCK``
    bytes at a time, each list with the number of its first line, the file's first
    numbered ``first`` (BOM dropped; clear errors)."""
    head: list[bytes] = []  # the line the blocks so far end inside, in parts
    try:
        with open(path, "rb") as handle:
            block = handle.read(max(_BLOCK, len(_BOM)))
            if block.startswith(_BOM):
                block = block[len(_BOM) :] or handle.read(_BLOCK)
            while block:
                lines = block.split(b"\n")
                head.append(lines[0])
                if len(lines) > 1:
                    lines[0] = b"".join(head)
                    head = [lines.pop()]
                    yield _drop_returns(lines), first
                    first += len(lines)
                block = handle.read(_BLOCK)
    except OSError as error:
        raise _unreadable(path, error) from None
    if any(head):
        yield _drop_returns([b"".join(head)]), first


def _text_records(
    path: Path, data: bytes, corpus: Corpus, options: ReadOptions, first: int = 1
) -> None:
    pieces = _split_lines(data) if options.lines else [data]
    for number, piece in enumerate(pieces, start=first):
        text, replaced = _decode(piece)
        corpus.replaced_bytes += replaced
        where = f"{path}:{number}" if options.lines else str(path)
        corpus.add(
            where,
            text,
            _json_line({"text": text}),
            number if options.lines else 0,
            options.on_duplicate_id,
        )


@dataclass(frozen=True)
class _Piece:
    """Part of a file to read: the lines that start in bytes [start, end) (``end`` -1: to the
    end), numbered from ``first_line``. Only plain JSONL and ``--lines`` text split."""

    path: str
    start: int = 0
    end: int = -1
    first_line: int = 1


def _splittable(path: Path, options: ReadOptions) -> bool:
    """Whether a file can be read in byte ranges (plain JSONL, or text one line a document)."""
    kind = _kind(path)
    plain = not path.name.lower().endswith(".gz")
    return plain and (kind == "jsonl" or (kind == "text" and options.lines))


def _range_bytes(path: Path, start: int, end: int) -> tuple[bytes, int]:
    """The lines starting in [start, end) and how many newlines precede them from ``start``."""
    with open(path, "rb") as handle:
        handle.seek(max(0, start - 1))
        data = handle.read(end - max(0, start - 1))
        while data and not data.endswith(b"\n"):
            more = handle.read(1 << 16)
            if not more:
                break
            cut = more.find(b"\n")
            data += more if cut < 0 else more[: cut + 1]
            if cut >= 0:
                break
    if start == 0:
        return data, 0
    begin = data.find(b"\n") + 1  # the line holding byte start-1 belongs to the range before
    return (data[begin:] if begin > 0 else b""), (1 if begin > 1 else 0)


def _read_piece(piece: _Piece, corpus: Corpus, options: ReadOptions) -> None:
    path = Path(piece.path)
    kind = _kind(path)
    corpus.files.append(str(path))
    if kind == "parquet":
        _table_records(iter(_parquet_rows(path)), path, corpus, options, 1)
        return
    first = piece.first_line
    if kind == "jsonl" and piece.end < 0 and not path.name.lower().endswith(".gz"):
        for lines, number in _line_blocks(path, first):
            _jsonl_records(path, lines, corpus, options, number)
        return
    if piece.end < 0:
        data = _read_bytes(path)
    else:
        data, skipped = _range_bytes(path, piece.start, piece.end)
        first += skipped
        if piece.start == 0 and data.startswith(_BOM):
            data = data[len(_BOM) :]
    if kind == "jsonl":
        _jsonl_records(path, _split_lines(data), corpus, options, first)
    elif kind == "csv":
        text, replaced = _decode(data)
        corpus.replaced_bytes += replaced
        rows = csv_rows(text, name=str(path))  # every cell a string: ids like "007" stay
        _table_records(iter(rows), path, corpus, options, 2)
    else:
        _text_records(path, data, corpus, options, first)


def _read_pieces(pieces: Sequence[_Piece], options: ReadOptions) -> Corpus:
    """Read the documents of file pieces, in order (a worker's share of a corpus)."""
    corpus = Corpus()
    for piece in pieces:
        _read_piece(piece, corpus, options)
    return corpus


def read_corpus(
    paths: Sequence[str | os.PathLike[str]], options: ReadOptions | None = None
) -> Corpus:
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
    pieces = [_Piece(str(path)) for path in _expand_paths(paths)]
    return _read_pieces(pieces, options or ReadOptions())
