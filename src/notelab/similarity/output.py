"""Write a run's JSONL outputs together: each one complete, or none of them changed."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any

from notelab._util import atomic_writer
from notelab.similarity._interrupt import deferred

_CHUNK = 4096  # lines written at once, Ctrl-C checked between chunks


def _json_line(record: dict[str, Any]) -> bytes:
    """One record as a JSON line's bytes (UTF-8, no newline)."""
    return json.dumps(record, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass")


class SelfWriting:
    """Lines that may write themselves into the output file some faster way than one by
    one through this process (the Dask engine's workers write their own partitions)."""

    def write_into(self, handle: IO[bytes]) -> int | None:
        """Write every line into ``handle``; return how many, or None (nothing written) when
        this way does not reach ``handle``'s file: the lines are then iterated."""
        return None

    def __iter__(self) -> Iterator[bytes]:
        raise NotImplementedError


def _write_lines(handle: IO[bytes], lines: Iterable[bytes], check: Callable[[], None]) -> int:
    """Write ``lines`` (``\\n`` after each) in chunks, ``check`` between them; return the count."""
    if isinstance(lines, SelfWriting):
        written = lines.write_into(handle)
        if written is not None:
            return written
    count = 0
    lines = iter(lines)
    while chunk := list(itertools.islice(lines, _CHUNK)):
        handle.write(b"\n".join(chunk))  # the newline written on its own: no second copy
        handle.write(b"\n")
        count += len(chunk)
        check()
    return count


def _write_together(
    targets: Mapping[str | os.PathLike[str], Iterable[bytes]],
    before_commit: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Write each target's lines (``\\n`` after each), all-or-nothing; return lines per file.

    Every file is written to a temporary file first; only when all are complete are they
    renamed into place, with Ctrl-C held back until the last rename. An error or Ctrl-C
    before that leaves every target as it was and no temporary file behind. Names ending
    in ``.gz`` are compressed. ``before_commit`` runs once the files are written, before
    they are renamed: another output (an index) saved in the same all-or-nothing step.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> counts = _write_together({folder / "a.jsonl": [b'{"x": 1}'], folder / "b.jsonl": []})
    >>> list(counts.values())
    [1, 0]
    >>> (folder / "a.jsonl").read_text()
    '{"x": 1}\\n'
    """
    counts: dict[str, int] = {}
    with deferred() as check, contextlib.ExitStack() as files:
        for path, lines in targets.items():
            handle = files.enter_context(atomic_writer(path, "wb"))
            counts[str(path)] = _write_lines(handle, lines, check)
        check()
        if before_commit is not None:
            before_commit()
    return counts
