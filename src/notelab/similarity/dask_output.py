"""The Dask engine's JSONL outputs, written by the workers that hold the documents.

Where the workers see the client's file system (a ``LocalCluster``, or a cluster on shared
storage), each partition's lines go straight from its worker into the output's temporary
file, at the byte offset the partitions before it end at: the text never passes through the
client, and the workers write in parallel. Whether they see it is asked, not assumed: the
client writes a random token into the temporary file and every worker must read it back.
Elsewhere (workers on other machines, a ``.gz`` name, standard output, a pipe) the lines come
to the client one partition at a time, in corpus order, and the client writes them.
Either way the output is the same bytes, and it replaces the target only when complete.
"""

from __future__ import annotations

import collections
import io
import itertools
import os
import secrets
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from notelab.similarity.dask_engine import _workers
from notelab.similarity.output import SelfWriting, _json_line

if TYPE_CHECKING:
    from notelab.similarity.corpus import Corpus
    from notelab.similarity.dask_engine import _Partitions
    from notelab.similarity.dedup import DedupResult

_LINES_PER_WRITE = 1024  # lines joined into one pwrite


def _partition_output(
    corpus: Corpus, kept_as: np.ndarray, base: int, kind: str, rep_ids: dict[int, str]
) -> list[bytes]:
    """The partition's ``output`` lines (kept records, their input bytes) or ``duplicates``
    lines (removed records with the id of the one kept), without newlines."""
    own = np.arange(base, base + len(kept_as))
    if kind == "output":
        return [corpus.lines[i] for i in np.flatnonzero(kept_as == own)]
    removed = np.flatnonzero((kept_as >= 0) & (kept_as != own))
    return [
        _json_line({**corpus.record(int(i)), "duplicate_of": rep_ids[int(kept_as[i])]})
        for i in removed
    ]


def _joined_output(*args: Any) -> list[bytes]:
    """The partition's lines as one piece (``\\n`` between them), or none when it has none."""
    lines = _partition_output(*args)
    return [b"\n".join(lines)] if lines else []


def _extent(lines: list[bytes]) -> tuple[int, int]:
    """Bytes and lines the partition adds to the file (``\\n`` after every line)."""
    return sum(map(len, lines)) + len(lines), len(lines)


def _write_at(path: str, offset: int, lines: list[bytes]) -> int:
    """Write the partition's lines into ``path`` from byte ``offset``; return the bytes."""
    written = 0
    fd = os.open(path, os.O_WRONLY)
    try:
        for start in range(0, len(lines), _LINES_PER_WRITE):
            block = b"\n".join(lines[start : start + _LINES_PER_WRITE]) + b"\n"
            view = memoryview(block)
            while view:
                done = os.pwrite(fd, view, offset + written)
                written += done
                view = view[done:]
    finally:
        os.close(fd)
    return written


def _sees(path: str, token: bytes) -> bool:
    """Whether this worker reads ``token`` at the start of ``path``."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(token)) == token
    except OSError:
        return False


def _shared_file(handle: IO[bytes], client: Any) -> str | None:
    """The path of ``handle``'s file if it is a plain file every worker can write, else None.

    A random token is written into the (still empty) file and read back by every worker;
    the file is emptied again afterwards.
    """
    path = getattr(handle, "name", None)
    if not isinstance(handle, io.BufferedWriter | io.FileIO) or not isinstance(path, str):
        return None
    if not os.path.isfile(path) or handle.tell() != 0:
        return None
    token = secrets.token_bytes(16)
    handle.write(token)
    handle.flush()
    try:
        seen = client.run(_sees, path, token)
    finally:
        handle.seek(0)
        handle.truncate(0)
    return path if seen and all(seen.values()) else None


class PartitionLines(SelfWriting):
    """An output of the Dask engine: ``kind`` is ``"output"`` or ``"duplicates"``.

    Iterating gives the lines partition by partition (streamed through the client);
    :meth:`write_into` has the workers write them straight into the file where they can.
    """

    def __init__(
        self, parts: _Partitions, result: DedupResult, kind: str, rep_ids: dict[int, str]
    ) -> None:
        self.client = parts.client
        wanted = rep_ids if kind == "duplicates" else {}
        ends = [*parts.bases[1:].tolist(), len(result.kept_as)]
        self.args = [
            (parts.corpora[p], result.kept_as[base:end], base, kind, wanted)
            for p, (base, end) in enumerate(zip(parts.bases.tolist(), ends, strict=True))
        ]

    def write_into(self, handle: IO[bytes]) -> int | None:
        """Have the workers write every partition into ``handle``'s file at its offset;
        return the lines written, or None (nothing written) where they cannot reach it."""
        from dask import delayed

        path = _shared_file(handle, self.client)
        if path is None:
            return None
        # each partition's lines made once and kept where they are made (the kept records are
        # the input's line objects, not copies); sized first, then written at their offsets
        lines = self.client.compute([delayed(_partition_output)(*a) for a in self.args])
        extents: list[tuple[int, int]] = self.client.gather(self.client.map(_extent, lines))
        sizes = np.array([e[0] for e in extents], np.int64)
        offsets = (np.cumsum(sizes) - sizes).tolist()
        self.client.gather(self.client.map(_write_at, [path] * len(lines), offsets, lines))
        del lines  # the workers may drop them
        handle.seek(int(sizes.sum()))
        return sum(e[1] for e in extents)

    def __iter__(self) -> Iterator[bytes]:
        """The lines brought here one partition at a time, in corpus order; the workers make
        the next partitions' lines (one per worker, and one more) while this one is written."""
        from dask import delayed

        tasks = (delayed(_joined_output)(*a) for a in self.args)
        ahead = _workers(self.client) + 1
        pending = collections.deque(self.client.compute(list(itertools.islice(tasks, ahead))))
        while pending:
            done = pending.popleft()
            pending.extend(self.client.compute(list(itertools.islice(tasks, 1))))
            yield from done.result()
            del done  # the worker may drop the partition's lines
