"""Atomic file output: write a temporary file beside the target, then rename it."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from notelab._util.errors import InputError


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file that replaces ``path`` only when the block succeeds.

    What sits at ``path`` decides how it is written:

    - nothing or a regular file: a temporary file beside it, renamed over it at the end, so
      readers see the old file or the complete new one, never a part;
    - a symbolic link: the file it points to is written that way (the link stays a link);
    - a FIFO, a character or block device (``/dev/null``, a pipe): written straight through;
    - ``-``: standard output;
    - a directory, or a folder that cannot be created: :class:`InputError`.

    A name ending in ``.gz`` is written gzip-compressed.

    Parameters
    ----------
    path : path-like
        The final file.
    mode : {"w", "wb"}
        Text or binary.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_writer(target) as handle:
    ...     _ = handle.write("done")
    >>> target.read_text()
    'done'
    """
    if str(path) == "-":
        yield _stdout(mode)
        return
    target = _resolve(Path(path))
    if target.exists() and not target.is_file():
        with open(target, "wb") as raw, _wrap(raw, mode, target) as handle:
            yield handle
        return
    _make_parent(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.close(fd)
        with open(tmp, "wb") as raw:  # opened by name: ``raw.name`` is the temporary file
            with _wrap(raw, mode, target) as handle:
                yield handle
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _resolve(target: Path) -> Path:
    """The file to write: a symbolic link's target; a directory is refused."""
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    if target.is_dir():
        raise InputError(
            "a file path to write",
            f"{str(target)!r}, which is a directory",
            "name a file inside it, e.g. " + str(target / "out"),
        )
    return target


def _make_parent(target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(
            "a folder that exists or can be created",
            f"{str(target.parent)!r} ({error.strerror})",
            "choose an output path in a writable folder",
        ) from None


@contextlib.contextmanager
def _wrap(raw: IO[bytes], mode: str, target: Path) -> Iterator[IO[Any]]:
    """``raw`` as text or bytes, gzip-compressed when the name ends in ``.gz``."""
    stream: IO[bytes] = raw
    if target.name.lower().endswith(".gz"):
        stream = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)  # type: ignore[assignment]
    try:
        if "b" in mode:
            yield stream
        else:
            text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
            yield text
            text.flush()
            text.detach()
    finally:
        if stream is not raw:
            stream.close()


def _stdout(mode: str) -> IO[Any]:
    return sys.stdout.buffer if "b" in mode else sys.stdout


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_writer(path, "w") as handle:
        handle.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_writer(path, "wb") as handle:
        handle.write(data)


def atomic_write_png(path: str | os.PathLike[str], figure: Any, dpi: int = 110) -> None:
    """Save a matplotlib ``figure`` to ``path`` as PNG, atomically."""
    with atomic_writer(path, "wb") as handle:
        figure.savefig(handle, format="png", dpi=dpi)
