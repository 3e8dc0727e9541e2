"""A persistent LSH index on disk: build once, then query new documents and add them.

Format (a directory, written whole to a temporary sibling and renamed into place):

- ``params.json``: ``{"format": "notelab-minhash-index", "version": 1, "num_perm", "ngram",
  "unit", "seed", "bands", "rows", "threshold", "documents"}``
- ``ids.json``: the document ids, in index order
- ``signatures.npy``: (documents, num_perm) uint32 MinHash signatures
- ``shingles.npy`` / ``offsets.npy``: sorted unique uint64 shingle hashes per document (CSR)
- ``lengths.npy``: text length of each document
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from notelab._util import InputError
from notelab._util.atomic import _make_parent
from notelab.similarity._interrupt import deferred
from notelab.similarity.dedup import Deduplicator
from notelab.similarity.lsh import candidate_pairs
from notelab.similarity.sketch import Sketch

_FORMAT, _VERSION = "notelab-minhash-index", 1
_PARAM_KEYS = ("num_perm", "ngram", "unit", "seed", "bands", "rows", "threshold")


@dataclass
class Match:
    """A new document's near-duplicate: its position in the query, the indexed id, the score."""

    query: int
    match_id: str
    jaccard: float


@dataclass
class Added:
    """What :meth:`MinHashIndex.add` did with each new document (positions in the input).

    ``added + left_out + empty`` is every new document, each once; ``matches`` say what kept
    the left-out ones out.
    """

    added: list[int]
    left_out: list[int]
    empty: list[int]
    matches: list[Match]


class MinHashIndex:
    """Signatures and shingle sets of a deduplicated corpus, kept on disk between runs.

    Examples
    --------
    >>> index = MinHashIndex.build(["a b c d e", "v w x y z"], ["d1", "d2"],
    ...                            Deduplicator(threshold=0.5, ngram=2))
    >>> [(m.query, m.match_id) for m in index.query(["a b c d e f"])]
    [(0, 'd1')]
    """

    def __init__(self, dedup: Deduplicator, ids: list[str], sketch: Sketch) -> None:
        self.dedup, self.ids, self.sketch = dedup, ids, sketch

    @property
    def params(self) -> dict[str, object]:
        """The parameters the index was built with."""
        h = self.dedup.hasher
        return {
            "num_perm": h.num_perm,
            "ngram": h.ngram,
            "unit": h.unit,
            "seed": h.seed,
            "bands": self.dedup.bands,
            "rows": self.dedup.rows,
            "threshold": self.dedup.threshold,
        }

    @classmethod
    def build(cls, texts: Sequence[str], ids: Sequence[str], dedup: Deduplicator) -> MinHashIndex:
        """Index a corpus as it is (deduplicate it first to index only the kept documents)."""
        return cls(dedup, list(ids), dedup.hasher.sketch(texts))

    def query(self, texts: Sequence[str]) -> list[Match]:
        """Every indexed document similar to each new text (verified as the index says)."""
        return self.lookup(texts)[0]

    def lookup(self, texts: Sequence[str]) -> tuple[list[Match], list[int]]:
        """The matches of :meth:`query`, and the positions of the empty texts (no shingles)."""
        sketch = self.dedup.hasher.sketch(texts)
        return self._matches(sketch), np.flatnonzero(~sketch.nonempty).tolist()

    def _matches(self, sketch: Sketch) -> list[Match]:
        n = len(self.ids)
        both = Sketch.concat([self.sketch, sketch])
        pairs = candidate_pairs(both.signatures, self.dedup.bands, self.dedup.rows, both.nonempty)
        kept, score = self.dedup.verified(pairs[(pairs[:, 0] < n) & (pairs[:, 1] >= n)], both)
        matches = [
            Match(int(b - n), self.ids[a], float(s)) for (a, b), s in zip(kept, score, strict=True)
        ]
        matches.sort(key=lambda m: (m.query, -m.jaccard, m.match_id))
        return matches

    def add(
        self, texts: Sequence[str], ids: Sequence[str], on_duplicate_id: str = "error"
    ) -> Added:
        """Add the new texts that duplicate neither the index nor an earlier new text.

        An id already in the index is an error unless ``on_duplicate_id="allow"``.
        """
        if on_duplicate_id == "error":
            self._refuse_known_ids(ids)
        sketch = self.dedup.hasher.sketch(texts)
        matches = self._matches(sketch)
        within = self.dedup.finish(sketch)
        duplicate_of_index = {m.query for m in matches}
        added = [int(i) for i in within.kept if int(i) not in duplicate_of_index]
        for (a, b), score in zip(within.pairs, within.jaccard, strict=True):
            for member in (a, b):
                if within.kept_as[member] != member and within.kept_as[member] in (a, b):
                    matches.append(Match(int(member), ids[within.kept_as[member]], float(score)))
        self.sketch = Sketch.concat([self.sketch, sketch.take(added)])
        self.ids.extend(ids[i] for i in added)
        empty = within.empty.tolist()
        left_out = sorted(set(range(len(texts))) - set(added) - set(empty))
        return Added(added, left_out, empty, matches)

    def _refuse_known_ids(self, ids: Sequence[str]) -> None:
        known = set(self.ids)
        for doc_id in ids:
            if doc_id in known:
                raise InputError(
                    "new ids for documents added to an index",
                    f"id {doc_id!r}, which the index already holds",
                    "fix the ids, or pass --on-duplicate-id allow to accept repeated ids",
                )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index directory whole, then swap it in (a crash leaves the old one).

        Only a notelab index (a directory with its ``params.json``), an empty directory or a
        path that does not exist is replaced; anything else is an :class:`InputError`.
        """
        target = _writable_target(Path(path))
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            with deferred() as check:
                self._write(staging, check)
                _swap(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _write(self, folder: Path, check: Callable[[], None]) -> None:
        params = {"format": _FORMAT, "version": _VERSION, **self.params, "documents": len(self.ids)}
        files = {
            "ids.json": json.dumps(self.ids).encode(),
            **{f"{name}.npy": _npy(array) for name, array in self._arrays().items()},
            "params.json": json.dumps(params, indent=1).encode(),  # last: the marker
        }
        for name, data in files.items():
            with open(folder / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            check()

    def _arrays(self) -> dict[str, np.ndarray]:
        k = self.sketch
        return {
            "signatures": k.signatures,
            "shingles": k.values,
            "offsets": k.offsets,
            "lengths": k.lengths,
        }

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], expect: dict[str, object] | None = None
    ) -> MinHashIndex:
        """Read an index; ``expect`` holds parameters that must match the stored ones."""
        folder = _recover(Path(path))
        params = _read_params(folder)
        for key, value in (expect or {}).items():
            if value is not None and params[key] != value:
                raise InputError(
                    f"{key}={params[key]!r} as the index {folder} was built with",
                    repr(value),
                    f"leave --{key.replace('_', '-')} out or rebuild the index",
                )
        dedup = Deduplicator(**{k: params[k] for k in _PARAM_KEYS})
        arrays = {name: _load_array(folder / f"{name}.npy") for name in _ARRAYS}
        ids = _load_ids(folder / "ids.json")
        _check_shapes(folder, params, ids, arrays)
        sketch = Sketch(
            arrays["shingles"], arrays["offsets"], arrays["signatures"], arrays["lengths"]
        )
        return cls(dedup, ids, sketch)


_ARRAYS = {"signatures": np.uint32, "shingles": np.uint64, "offsets": np.int64, "lengths": np.int64}


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _corrupt(path: Path, what: str) -> InputError:
    return InputError(
        "an intact notelab index",
        f"{str(path)!r}: {what}",
        "rebuild the index with `notelab dedup index build`",
    )


def _load_array(path: Path) -> np.ndarray:
    try:
        array: np.ndarray = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise _corrupt(path, str(error).splitlines()[0][:160] or type(error).__name__) from None
    if array.dtype != _ARRAYS[path.stem]:
        raise _corrupt(path, f"dtype {array.dtype}, not {np.dtype(_ARRAYS[path.stem])}")
    return array


def _load_ids(path: Path) -> list[str]:
    try:
        ids = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise _corrupt(path, str(error).splitlines()[0][:160]) from None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _corrupt(path, "not a list of string ids")
    return ids


def _check_shapes(
    folder: Path, params: dict[str, Any], ids: list[str], arrays: dict[str, np.ndarray]
) -> None:
    n, sig, offsets = len(ids), arrays["signatures"], arrays["offsets"]
    consistent = (
        params.get("documents") == n
        and sig.shape == (n, params["num_perm"])
        and arrays["lengths"].shape == (n,)
        and offsets.shape == (n + 1,)
        and offsets[0] == 0
        and offsets[-1] == arrays["shingles"].shape[0]
        and bool(np.all(np.diff(offsets) >= 0))
    )
    if not consistent:
        raise _corrupt(folder, f"files that disagree ({n} ids, signatures {sig.shape})")


def _read_params(folder: Path) -> dict[str, Any]:
    """The parsed ``params.json`` (JSON values, checked for the keys the index needs)."""
    try:
        params = json.loads((folder / "params.json").read_text())
    except (OSError, ValueError):
        raise InputError(
            "a notelab index directory (with params.json)",
            repr(str(folder)),
            "build one with `notelab dedup index build`",
        ) from None
    if not isinstance(params, dict) or params.get("format") != _FORMAT:
        raise _corrupt(folder / "params.json", "not a notelab index's parameters")
    if params.get("version") != _VERSION:
        raise InputError(
            f"{_FORMAT} version {_VERSION}",
            f"version {params.get('version')}",
            "rebuild the index with this notelab",
        )
    if any(key not in params for key in _PARAM_KEYS):
        raise _corrupt(folder / "params.json", f"keys {sorted(params)}")
    return params


def _is_index(folder: Path) -> bool:
    try:
        params = json.loads((folder / "params.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(params, dict) and params.get("format") == _FORMAT


def _writable_target(target: Path) -> Path:
    """The index path, checked: only notelab's own index (or nothing) is ever replaced."""
    resolved = target.resolve()
    if resolved == Path.cwd().resolve() or resolved in Path.cwd().resolve().parents:
        raise InputError(
            "a path for the index directory",
            f"{str(target)!r}, the current folder or one above it",
            "name a new folder, e.g. --index corpus.idx",
        )
    if target.exists() and not target.is_dir():
        raise InputError(
            "a path for the index directory",
            f"{str(target)!r}, an existing file",
            "choose a new path; notelab replaces only an index it wrote",
        )
    if target.is_dir() and any(target.iterdir()) and not _is_index(target):
        raise InputError(
            "a new path or an existing notelab index (a folder with its params.json)",
            f"{str(target)!r}, a folder of other files",
            "choose a new path; notelab replaces only an index it wrote",
        )
    _make_parent(target)
    return target


def _backup(target: Path) -> Path:
    target = Path(os.path.abspath(target))
    return target.with_name(f".{target.name}.old")


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target``; the old index ends up at ``staging`` (removed after).

    One atomic exchange where the system has it (Linux renameat2); else two renames, with
    the old index kept at a backup name in between, which :func:`_recover` puts back.
    """
    if not target.exists():
        os.replace(staging, target)
        return
    if _exchange(staging, target):
        return
    backup = _backup(target)
    shutil.rmtree(backup, ignore_errors=True)
    os.replace(target, backup)
    os.replace(staging, target)
    os.replace(backup, staging)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False if unavailable."""
    if sys.platform != "linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done: int = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return done == 0


def _recover(target: Path) -> Path:
    """After a crash between the two renames of :func:`_swap`, put the old index back."""
    backup = _backup(target)
    if not target.exists() and _is_index(backup):
        os.replace(backup, target)
    return target
